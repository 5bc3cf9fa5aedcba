import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Statement } from './sql';

const MARKER = '\u0001clasp-parameter:';

/**
 * A statement whose text TypeORM's query builder writes — row locks read as
 * `setLock('pessimistic_write')` — built on first use and then only bound: the text is constant,
 * so it runs through query() as a named prepared statement like every other. `build` names its
 * parameters (`:id`) without values; `statement(values)` binds them in the builder's order.
 */
export class BuiltStatement<P extends Record<string, unknown>> {
  private built: { text: string; order: (keyof P)[] } | null = null;

  constructor(private readonly build: () => SelectQueryBuilder<ObjectLiteral>) {}

  statement(values: P): Statement {
    const { text, order } = (this.built ??= this.buildOnce(Object.keys(values)));
    return { text, values: order.map((name) => values[name]) };
  }

  private buildOnce(names: string[]): { text: string; order: (keyof P)[] } {
    const qb = this.build().setParameters(Object.fromEntries(names.map((name) => [name, MARKER + name])));
    const [text, markers] = qb.getQueryAndParameters();
    const order = markers.map((marker) => {
      if (typeof marker !== 'string' || !marker.startsWith(MARKER)) throw new Error(`BuiltStatement: unexpected parameter ${String(marker)} in ${text}`);
      return marker.slice(MARKER.length) as keyof P;
    });
    return { text, order };
  }
}

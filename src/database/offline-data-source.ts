import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

/**
 * A DataSource with the entity metadata built and no connection: enough for TypeORM's query
 * builder to write SQL, so unit specs can pin the statements BuiltStatement generates.
 */
export async function offlineDataSource(): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions('postgres://offline@127.0.0.1:1/offline'));
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  return dataSource;
}

export interface SentStatement {
  name: string;
  text: string;
  values: unknown[];
}

/** An EntityManager inside a pretend transaction whose connection records what query() sends and answers `rows`. */
export function recordingManager(rows: unknown[] = []): { em: never; sent: SentStatement[] } {
  const sent: SentStatement[] = [];
  const client = { query: async (statement: SentStatement) => (sent.push(statement), { rows }) };
  return { em: { queryRunner: { connect: async () => client } } as never, sent };
}

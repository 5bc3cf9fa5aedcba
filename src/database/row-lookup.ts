/** A single-row lookup that can share one round trip with others (LookupRunner). */
export interface RowLookup<T> {
  sql: string;
  params: unknown[];
  /** Turns the row (as JSON; undefined when there is none) into the answer; may throw. */
  interpret(row: Record<string, any> | undefined): Promise<T>;
}

/** A RowLookup whose row has a known shape: the repository names the row type, the caller interprets it. */
export function rowLookup<R, T>(sql: string, params: unknown[], interpret: (row: R | undefined) => Promise<T>): RowLookup<T> {
  return { sql, params, interpret: (row) => interpret(row as R | undefined) };
}

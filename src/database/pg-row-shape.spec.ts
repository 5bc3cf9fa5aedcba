import * as pg from 'pg';
import { stockPgAddFields, useOrdinaryRowTemplates } from './pg-row-shape';

type Fields = { name: string; dataTypeID: number; format?: string }[];
const ResultClass = (pg as unknown as { Result: new (rowMode?: string) => { addFields(f: Fields): void; parseRow(row: unknown[]): Record<string, unknown>; _parsers?: unknown[] } }).Result;

function rowsOf(fields: Fields, rows: (string | null)[][], stock: boolean) {
  const result = new ResultClass();
  if (stock) stockPgAddFields.call(result, fields);
  else result.addFields(fields);
  return rows.map((row) => result.parseRow(row));
}

describe('pg row templates as ordinary objects', () => {
  beforeAll(() => useOrdinaryRowTemplates());

  it('parse rows exactly as pg does: values, types, key order, nulls, duplicate names', () => {
    const fields: Fields = [
      { name: 'id', dataTypeID: 2950 }, { name: 'n', dataTypeID: 23 }, { name: 'at', dataTypeID: 1184 }, { name: 'ok', dataTypeID: 16 },
      { name: 'doc', dataTypeID: 3802 }, { name: 'constructor', dataTypeID: 25 }, { name: 'toString', dataTypeID: 25 }, { name: 'n', dataTypeID: 25 },
    ];
    const rows = [
      ['6f1c3a2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f', '42', '2026-12-02 04:00:00.123+00', 't', '{"a":[1,2]}', 'c', 't', 'again'],
      [null, null, null, null, null, null, null, null],
    ];
    const mine = rowsOf(fields, rows, false);
    const stock = rowsOf(fields, rows, true);
    expect(mine).toEqual(stock);
    expect(mine.map((row) => Object.keys(row))).toEqual(stock.map((row) => Object.keys(row)));
    expect(mine[0].at).toBeInstanceOf(Date);
    expect(Object.getPrototypeOf(mine[0])).toBe(Object.getPrototypeOf(stock[0]));
  });

  it('keeps pg own handling for a column named __proto__', () => {
    const fields: Fields = [{ name: '__proto__', dataTypeID: 25 }, { name: 'x', dataTypeID: 25 }];
    expect(rowsOf(fields, [['p', 'x']], false)).toEqual(rowsOf(fields, [['p', 'x']], true));
  });

  it('is what pg uses once installed', () => {
    expect((ResultClass.prototype as { addFields: unknown }).addFields).not.toBe(stockPgAddFields);
  });
});

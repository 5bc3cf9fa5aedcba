import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RowLookup } from './row-lookup';
import { lookupRows } from './sql';

/** Runs RowLookups outside any transaction, several in one round trip. */
@Injectable()
export class LookupRunner {
  constructor(private readonly dataSource: DataSource) {}

  rows(lookups: RowLookup<unknown>[]): Promise<(Record<string, any> | undefined)[]> {
    return lookupRows(this.dataSource.manager, lookups);
  }

  async one<T>(lookup: RowLookup<T>): Promise<T> {
    const [row] = await this.rows([lookup]);
    return lookup.interpret(row);
  }
}

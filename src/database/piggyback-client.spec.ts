import { Connection, Query } from 'pg';
import { batchingSupported } from './piggyback-client';

/** The start-up check that decides between PiggybackClient and pg's stock client. */
describe('batchingSupported', () => {
  it('accepts the installed pg', () => {
    expect(batchingSupported()).toBe(true);
  });

  it.each(['_getRows', 'handleCommandComplete', 'submit', 'prepare'])('falls back when pg.Query loses %s', (name) => {
    const query = Object.create(Query.prototype);
    query[name] = undefined;
    expect(batchingSupported(query)).toBe(false);
  });

  it('falls back when a connection no longer tracks parsedStatements or cannot cork its stream', () => {
    const withoutParsed = Object.assign(new Connection(), { parsedStatements: undefined });
    expect(batchingSupported(Query.prototype, withoutParsed)).toBe(false);
    const withoutCork = Object.assign(new Connection(), { stream: {} });
    expect(batchingSupported(Query.prototype, withoutCork)).toBe(false);
    expect(batchingSupported(Query.prototype, null)).toBe(false);
  });
});

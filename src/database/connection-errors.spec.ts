import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from './connection-errors';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
const failed = (code: string, message: string) => new QueryFailedError('SELECT 1', [], pgError(code, message));

/** What the chaos run (test/chaos) saw PostgreSQL and pg throw while the database restarted or cut connections. */
describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset socket', pgError('ECONNRESET', 'read ECONNRESET')],
    ['pg_terminate_backend / fast shutdown (57P01)', failed('57P01', 'terminating connection due to administrator command')],
    ['an immediate shutdown (57P02)', failed('57P02', 'terminating connection because of crash of another server process')],
    ['a server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', failed('08006', 'connection failure')],
    ['pg losing the socket mid-query', new Error('Connection terminated unexpectedly')],
    ['the pool timing out on connect', new Error('timeout exceeded when trying to connect')],
    ['TypeORM releasing a transaction whose connection died', new QueryRunnerAlreadyReleasedError()],
  ])('%s → unavailable', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', failed('23505', 'duplicate key')],
    ['a lock timeout', failed('55P03', 'canceling statement due to lock timeout')],
    ['a missing table (a bug, a 500)', failed('42P01', 'relation "x" does not exist')],
    ['any other error', new Error('boom')],
    ['nothing at all', undefined],
  ])('%s → not unavailable', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

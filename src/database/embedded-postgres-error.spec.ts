import { explainPostgresExit, explainSpawnError } from './embedded-postgres-error';

describe('embedded PostgreSQL start failures, as one line', () => {
  const where = { port: 54329, dir: '/srv/clasp/.data/pg', exitCode: 1 };
  const oneLine = (message: string) => expect(message).not.toContain('\n');

  it('names a binary the OS refused to execute, and what to check', () => {
    const error = Object.assign(new Error('spawn /x/bin/initdb EACCES'), { code: 'EACCES' });
    const { message } = explainSpawnError(error, '/x/bin/initdb', 'postgres');
    expect(message).toBe(
      'embedded PostgreSQL: /x/bin/initdb cannot be executed by postgres (EACCES): check that it and every directory above it allow that user to execute, or run npm ci again',
    );
  });

  it('tells initdb\'s "not empty" apart from a permission problem', () => {
    const notEmpty = explainPostgresExit('initdb: error: directory "/srv/clasp/.data/pg" exists but is not empty\n', where).message;
    expect(notEmpty).toContain('is not empty but holds no PostgreSQL cluster');
    const denied = explainPostgresExit('initdb: error: could not create directory "/srv/clasp/.data/pg": Permission denied\n', where).message;
    expect(denied).toMatch(/^embedded PostgreSQL: permission denied in \/srv\/clasp\/.data\/pg \(could not create directory .*\): make it writable/);
    oneLine(denied);
  });

  it('falls back to PostgreSQL\'s last words on one line', () => {
    const output = '2026-01-01 LOG:  starting\n2026-01-01 FATAL:  database files are incompatible with server\n2026-01-01 DETAIL:  initialized by 17\n';
    const { message } = explainPostgresExit(output, where);
    expect(message).toBe(
      'embedded PostgreSQL: exited with code 1 (database files are incompatible with server) on port 54329 with its data in /srv/clasp/.data/pg: set EMBEDDED_PG_PORT or DATA_DIR, or DATABASE_URL to use an external PostgreSQL',
    );
  });
});

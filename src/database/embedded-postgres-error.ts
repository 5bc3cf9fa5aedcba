/** A start-up failure of the embedded PostgreSQL, phrased as one line that says what to do. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(`embedded PostgreSQL: ${message.replace(/\s*\n\s*/g, '; ').trim()}`);
  }
}

const FALLBACK = 'set EMBEDDED_PG_PORT or DATA_DIR, or DATABASE_URL to use an external PostgreSQL';

/**
 * Turns what initdb or postgres last wrote before exiting into a sentence naming the cause and the fix.
 * The patterns are PostgreSQL's own messages (LC_MESSAGES=C keeps them in English).
 */
export function explainPostgresExit(output: string, where: { port: number; dir: string; exitCode: number | null }): EmbeddedPostgresError {
  const { port, dir } = where;
  if (/could not bind .*Address already in use|lock file "[^"]*\.s\.PGSQL\.\d+\.lock" already exists/.test(output)) {
    return new EmbeddedPostgresError(`port ${port} is already in use: set EMBEDDED_PG_PORT to a free port, or stop whatever listens on ${port}`);
  }
  const owner = /lock file "postmaster\.pid" already exists[\s\S]*?PID (\d+)/.exec(output);
  if (owner) {
    return new EmbeddedPostgresError(
      `${dir} is locked by process ${owner[1]} (postmaster.pid): stop that PostgreSQL, or if process ${owner[1]} is not one, delete ${dir}/postmaster.pid`,
    );
  }
  if (/exists but is not empty/.test(output)) {
    return new EmbeddedPostgresError(`${dir} is not empty but holds no PostgreSQL cluster: empty it, or set DATA_DIR to another directory`);
  }
  if (/Permission denied/.test(output)) {
    return new EmbeddedPostgresError(`permission denied in ${dir} (${lastWords(output)}): make it writable by the user PostgreSQL runs as, or set DATA_DIR`);
  }
  return new EmbeddedPostgresError(`exited with code ${where.exitCode} (${lastWords(output) || 'no reason given'}) on port ${port} with its data in ${dir}: ${FALLBACK}`);
}

/** A failure to spawn initdb or postgres at all (the process never ran). */
export function explainSpawnError(error: NodeJS.ErrnoException, binary: string, runAs: string): EmbeddedPostgresError {
  if (error.code === 'ENOENT') return new EmbeddedPostgresError(`${binary} is missing: run npm ci again`);
  if (error.code === 'EACCES') {
    return new EmbeddedPostgresError(`${binary} cannot be executed by ${runAs} (EACCES): check that it and every directory above it allow that user to execute, or run npm ci again`);
  }
  return new EmbeddedPostgresError(`could not run ${binary} (${error.code ?? error.message}): ${FALLBACK}`);
}

/** The last FATAL/ERROR/HINT lines, without their prefixes. */
function lastWords(output: string): string {
  return output
    .split('\n')
    .filter((line) => /FATAL|ERROR|HINT|PANIC|could not|initdb: error/.test(line))
    .slice(-3)
    .map((line) => line.replace(/^.*?(FATAL|ERROR|HINT|PANIC|LOG|WARNING|initdb: error):\s*/, '').trim())
    .join('; ');
}

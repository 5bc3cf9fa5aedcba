import { execFileSync, spawnSync } from 'node:child_process';
import { EmbeddedPostgresError } from './embedded-postgres-error';

/** The OS account PostgreSQL runs as when Clasp runs as root (PostgreSQL refuses to run as root). */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

const NAME = 'postgres';

function lookup(): OsUser | undefined {
  const id = (flag: string) => spawnSync('id', [flag, NAME], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name: NAME, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Undefined unless we are root; then the `postgres` user, created on first use. */
export function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookup();
  if (existing) return existing;
  try {
    execFileSync('groupadd', ['--force', '--system', NAME], { stdio: 'pipe' });
    execFileSync('useradd', ['--system', '--gid', NAME, '--no-create-home', '--shell', '/usr/sbin/nologin', NAME], { stdio: 'pipe' });
  } catch (error) {
    const detail = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    throw new EmbeddedPostgresError(`running as root, it needs an OS user "${NAME}" and could not create one (${detail}): create it, or run Clasp as another user`);
  }
  const created = lookup();
  if (!created) throw new EmbeddedPostgresError(`the OS user "${NAME}" was created but cannot be looked up: check /etc/passwd`);
  return created;
}

/** Whether `user` can run `command` successfully: the one honest test of what a process running as it may reach. */
export function succeedsAs(user: OsUser, command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { uid: user.uid, gid: user.gid, cwd: '/', stdio: 'ignore' });
  return !result.error && result.status === 0;
}

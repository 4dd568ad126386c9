/**
 * PostgreSQL on a private data directory and loopback port, from the machine's own binaries (Debian's `postgresql`,
 * linked into .tools/bin by scripts/bootstrap-tools.sh): Temporal's persistence and visibility store, as the compose
 * file's `postgresql` service is. The role is `temporal` with a password (scram-sha-256), as in compose.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from '../tools';
import { serverProcess, type ProcessHooks, type ServerProcess } from './server-process';

const run = promisify(execFile);

export interface Postgres {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  /** the postmaster: kill() is a crash (the whole group at once), stop() a fast shutdown, start() starts on the same data */
  readonly server: ServerProcess;
  /** runs SQL through psql as the `temporal` role; rows as tab-separated lines */
  query(database: string, sql: string): Promise<string>;
  /** bytes on disk of each database, as pg_database_size counts them */
  databaseBytes(database: string): Promise<number>;
}

export interface PostgresOptions {
  /** a folder of its own: the data directory goes in `<dir>/data`, the log in `<dir>/postgres.log` */
  dir: string;
  port: number;
  password: string;
  user?: string;
  hooks?: ProcessHooks;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` account the Debian package made, else `nobody`. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
  const entry = passwd.find((f) => f[0] === 'postgres') ?? passwd.find((f) => f[0] === 'nobody');
  if (!entry) throw new Error('running as root, and there is neither a postgres nor a nobody account to run PostgreSQL as');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** Creates the data directory on first use (initdb), then returns the postmaster, not yet started. */
export async function preparePostgres({ dir, port, password, user = 'temporal', hooks }: PostgresOptions): Promise<Postgres> {
  const host = '127.0.0.1';
  const dataDir = path.join(dir, 'data');
  const account = runAs();
  mkdirSync(dir, { recursive: true });
  if (account) {
    chownSync(dir, account.uid, account.gid);
    chmodSync(dir, 0o700);
    // the account must reach its folder through ours (a mkdtemp folder is 0700): search permission only, nothing listed
    for (let up = path.dirname(path.resolve(dir)); up !== path.dirname(up); up = path.dirname(up)) {
      const mode = statSync(up).mode & 0o7777;
      if ((mode & 0o001) === 0) chmodSync(up, mode | 0o001);
    }
  }
  const asAccount = account ? { uid: account.uid, gid: account.gid } : {};
  const env = { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C' };
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const pwfile = path.join(dir, '.pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (account) chownSync(pwfile, account.uid, account.gid);
    try {
      await run(toolPath('initdb'), ['-D', dataDir, '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'], { env, ...asAccount });
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  const logFile = path.join(dir, 'postgres.log');
  writeFileSync(logFile, '', { flag: 'a' });
  const psqlEnv = { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: '3' };
  const query = async (database: string, sql: string) =>
    (await run(toolPath('psql'), ['-X', '-q', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', user, '-d', database, '-c', sql], { env: psqlEnv })).stdout;
  const server = serverProcess({
    label: `postgres :${port}`,
    command: toolPath('postgres'),
    args: [
      '-D', dataDir, '-p', String(port),
      '-c', `listen_addresses=${host}`,
      '-c', `unix_socket_directories=${dataDir}`,
      // four Temporal services, each with a persistence pool (20) and a visibility pool (10), and the tools beside them
      '-c', 'max_connections=200',
    ],
    env,
    ...asAccount,
    logFile,
    ready: async () => (await query('postgres', 'select 1')).trim() === '1',
    timeoutMs: 60_000,
    hooks,
  });
  return {
    host,
    port,
    user,
    password,
    dataDir,
    server,
    query,
    databaseBytes: async (database) => Number((await query('postgres', `select pg_database_size('${database.replace(/'/g, "''")}')`)).trim()),
  };
}

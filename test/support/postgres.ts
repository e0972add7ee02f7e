/**
 * A real, throwaway PostgreSQL server for the store tests, started from
 * Debian's binaries (`apt-get install postgresql`): initdb into a temp dir, one
 * free loopback port, trust auth, fsync off, stopped and removed by `stop()`.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root initdb and
 * pg_ctl run as the `postgres` OS user in a temp dir owned by it.
 *
 * With VELAHUB_TEST_DATABASE_URL set, that server is used instead (nothing is
 * started). Each suite takes fresh databases from {@link TestPostgres.freshDatabase}.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { freePorts } from './free-ports.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const run = promisify(execFile);

/** The environment variable naming an existing server to test against instead. */
export const DATABASE_URL_ENV = 'VELAHUB_TEST_DATABASE_URL';

/** The Debian package that provides the server binaries. */
export const POSTGRES_PACKAGE = 'postgresql';

/** A PostgreSQL server the tests may use. */
export interface TestPostgres {
  /** URL of the server's `postgres` database (superuser, no password). */
  url: string;
  /** Creates an empty database and returns its URL; dropped again by `stop()`. */
  freshDatabase(): Promise<string>;
  /** Drops the databases made here, stops the server (when started here) and removes its files. */
  stop(): Promise<void>;
}

/** Paths of the server binaries of the newest PostgreSQL under /usr/lib/postgresql. */
export interface PostgresBinaries {
  version: string;
  initdb: string;
  pgCtl: string;
  postgres: string;
}

/** Finds Debian's PostgreSQL server binaries (`/usr/lib/postgresql/<major>/bin`), newest first. */
export function findPostgresBinaries(root = '/usr/lib/postgresql'): PostgresBinaries | undefined {
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return undefined;
  }
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = join(root, version, 'bin');
    const found = { version, initdb: join(bin, 'initdb'), pgCtl: join(bin, 'pg_ctl'), postgres: join(bin, 'postgres') };
    if (existsSync(found.initdb) && existsSync(found.pgCtl) && existsSync(found.postgres)) return found;
  }
  return undefined;
}

const missingMessage = `PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: apt-get install ${POSTGRES_PACKAGE} (or set ${DATABASE_URL_ENV})`;

/**
 * Why the PostgreSQL tests cannot run here, for `{ skip }`; undefined when they can.
 * On CI (`CI` set) a missing server is never a skip: the suite runs and
 * {@link startPostgres} fails with the install command.
 */
export function postgresSkipReason(): string | undefined {
  if (process.env[DATABASE_URL_ENV]) return undefined;
  if (findPostgresBinaries()) return undefined;
  if (process.env.CI) return undefined;
  return missingMessage;
}

/** The uid and gid of an OS user. */
async function userIds(user: string): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', user]);
  const { stdout: gid } = await run('id', ['-g', user]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** Starts a throwaway server (or wraps VELAHUB_TEST_DATABASE_URL). Fails with the install command when the binaries are missing. */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env[DATABASE_URL_ENV];
  if (external) return withDatabases(external, async () => undefined);
  const bins = findPostgresBinaries();
  if (!bins) throw new Error(missingMessage);

  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'velahub-pg-'));
  if (asRoot) {
    const { uid, gid } = await userIds('postgres');
    await chown(dir, uid, gid);
  }
  const as = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const stopNow = () => {
    const [cmd, args] = as(bins.pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(cmd, args, { stdio: 'ignore', cwd: dir });
  };

  try {
    const [initCmd, initArgs] = as(bins.initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await run(initCmd, initArgs, { cwd: dir });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  }

  // A port free a moment ago may be taken by the time postgres binds it: try a few.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = (await freePorts(1))[0]!;
    const options = `-F -c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200`;
    const [cmd, args] = as(bins.pgCtl, ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
    try {
      await run(cmd, args, { cwd: dir });
      break;
    } catch (err) {
      stopNow();
      if (attempt >= 3) {
        const serverLog = await readFile(log, 'utf8').catch(() => '');
        await rm(dir, { recursive: true, force: true });
        throw new Error(`pg_ctl start failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}\n${serverLog}`);
      }
    }
  }

  // If the test process dies without calling stop(), do not leave a server behind.
  process.once('exit', stopNow);
  return withDatabases(`postgres://postgres@127.0.0.1:${port}/postgres`, async () => {
    process.removeListener('exit', stopNow);
    stopNow();
    await rm(dir, { recursive: true, force: true });
  });
}

function withDatabases(url: string, shutdown: () => Promise<void>): TestPostgres {
  const made: string[] = [];
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    url,
    async freshDatabase() {
      const name = `velahub_test_${randomBytes(6).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      made.push(name);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async stop() {
      if (made.length) {
        await admin(async (c) => {
          for (const name of made.splice(0)) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        }).catch(() => undefined);
      }
      await shutdown();
    },
  };
}

/**
 * `velahub serve` as a real child process (node + tsx, the CLI entry point), on a free loopback
 * port, for tests that need several replicas or need to kill one. Output is kept for failure
 * messages; `stop()` ends it with SIGTERM, `kill()` with SIGKILL (a crash).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A running `velahub serve`. */
export interface VelahubProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, and wait for the exit (removes its data dir). */
  stop(): Promise<void>;
  /** SIGKILL: a crash, mid-whatever; resolves when it is gone. */
  kill(): Promise<void>;
}

/** Starts `velahub serve --port 0` with these flags and environment; resolves once it listens (up to 3 min). */
export async function startVelahub(flags: string[], env: Record<string, string>): Promise<VelahubProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'velahub-replica-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir, ...flags], {
    cwd: repoRoot,
    env: { ...process.env, VELAHUB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-50_000)));
  child.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-50_000)));
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killNow = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killNow);
  const cleanup = async (): Promise<void> => {
    process.removeListener('exit', killNow);
    await rm(dataDir, { recursive: true, force: true });
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`velahub serve did not listen within 3 minutes:\n${out}`)), 180_000);
    const look = (): void => {
      const m = /listening on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`velahub serve exited (${signal ?? code}) before listening:\n${out}`));
    });
  }).catch(async (err: unknown) => {
    killNow();
    await gone;
    await cleanup();
    throw err;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(killNow, 15_000);
      await gone;
      clearTimeout(timer);
      await cleanup();
    },
    async kill() {
      killNow();
      await gone;
      await cleanup();
    },
  };
}

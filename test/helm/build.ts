/**
 * Builds (once) and caches the real `helm` v3 CLI, compiled from the Go module pinned in this
 * folder's go.mod/go.sum, for the Helm compatibility test.
 *
 * Run as a script (`npx tsx test/helm/build.ts`) to warm the cache and print the binary's path.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestEnvError } from '../cluster/errors.ts';

/** Helm version the binary is built from; must match the require in go.mod. */
export const HELM_VERSION = 'v3.22.0';

/** The Go module that wraps helm.sh/helm/v3 (this folder). */
export const HELM_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/** One step of `ensureHelm`, for a caller that wants to show progress. */
export type HelmBuildProgress =
  | { kind: 'cached'; path: string }
  | { kind: 'waiting'; lockOwnerPid: number; elapsedMs: number }
  | { kind: 'building'; elapsedMs: number }
  | { kind: 'done'; path: string; elapsedMs: number };

/** Options of `ensureHelm`. */
export interface EnsureHelmOptions {
  /** Called on each step, and every `heartbeatMs` while helm compiles. */
  onProgress?: (progress: HelmBuildProgress) => void;
  signal?: AbortSignal;
  /** Defaults to ~/.cache/velahub-testenv-helm (or $VELAHUB_TESTENV_HELM_CACHE). */
  cacheRoot?: string;
  /** Defaults to `go` on PATH, then /usr/local/go/bin/go. */
  goBinary?: string;
  heartbeatMs?: number;
}

/** Cache key: the short sha256 of go.sum, which changes whenever any module version changes. */
export async function helmCacheKey(moduleDir = HELM_MODULE_DIR): Promise<string> {
  const sum = await readFile(join(moduleDir, 'go.sum'));
  return createHash('sha256').update(sum).digest('hex').slice(0, 16);
}

function defaultCacheRoot(): string {
  return process.env.VELAHUB_TESTENV_HELM_CACHE ?? join(homedir(), '.cache', 'velahub-testenv-helm');
}

/**
 * Returns the path of the cached helm binary, building it first when the cache for this go.sum
 * is empty. A cold build takes minutes; concurrent callers (processes too) wait for one build.
 */
export function ensureHelm(opts: EnsureHelmOptions = {}): Promise<string> {
  const root = opts.cacheRoot ?? defaultCacheRoot();
  let pending = inProcess.get(root);
  if (!pending) {
    pending = ensureHelmUncached(root, opts);
    inProcess.set(root, pending);
    pending.catch(() => inProcess.delete(root));
  }
  return pending;
}

const inProcess = new Map<string, Promise<string>>();

async function ensureHelmUncached(root: string, opts: EnsureHelmOptions): Promise<string> {
  const started = Date.now();
  const dir = join(root, await helmCacheKey());
  const helm = join(dir, 'helm');
  if (existsSync(helm)) {
    opts.onProgress?.({ kind: 'cached', path: helm });
    return helm;
  }
  await mkdir(root, { recursive: true });
  const release = await acquireLock(`${dir}.lock`, () => existsSync(helm), started, opts);
  try {
    if (existsSync(helm)) {
      opts.onProgress?.({ kind: 'cached', path: helm });
      return helm;
    }
    await build(dir, started, opts);
    opts.onProgress?.({ kind: 'done', path: helm, elapsedMs: Date.now() - started });
    return helm;
  } finally {
    await release();
  }
}

async function build(dir: string, started: number, opts: EnsureHelmOptions): Promise<void> {
  const go = opts.goBinary ?? findGo();
  // We hold the lock, so a temp dir left next to ours is from a build that was killed.
  const parent = dirname(dir);
  for (const name of await readdir(parent)) {
    if (name.startsWith(`${basename(dir)}.tmp-`)) await rm(join(parent, name), { recursive: true, force: true });
  }
  // Build next to the final dir so the rename is atomic: a half-built cache never exists.
  const tmp = await mkdtemp(`${dir}.tmp-`);
  await chmod(tmp, 0o755);
  const tick = (): void => opts.onProgress?.({ kind: 'building', elapsedMs: Date.now() - started });
  tick();
  const heartbeat = setInterval(tick, opts.heartbeatMs ?? 30_000);
  try {
    await runGo(go, [
      'build',
      '-mod=mod',
      '-trimpath',
      '-ldflags',
      // Without the version stamp, `helm version` says "v3.22" and its User-Agent is "Helm/3.22".
      `-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
      '-o',
      join(tmp, 'helm'),
      'helm.sh/helm/v3/cmd/helm',
    ], opts.signal);
    await verifyVersion(join(tmp, 'helm'));
    await writeFile(join(tmp, 'BUILD-INFO'), `helm ${HELM_VERSION}\nbuilt ${new Date().toISOString()} in ${Math.round((Date.now() - started) / 1000)}s\n`);
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}

function findGo(): string {
  for (const candidate of (process.env.PATH ?? '').split(':').filter(Boolean).map((p) => join(p, 'go')).concat('/usr/local/go/bin/go')) {
    if (existsSync(candidate)) return candidate;
  }
  throw new TestEnvError('TESTENV_GO_MISSING', 'go not found on PATH or at /usr/local/go/bin/go', 'install Go 1.26 to build helm for the compatibility test');
}

function runGo(go: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(go, args, {
      cwd: HELM_MODULE_DIR,
      // GOTOOLCHAIN=local: fail clearly instead of trying to download another toolchain.
      env: { ...process.env, GOTOOLCHAIN: 'local', PATH: `${dirname(go)}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'ignore', 'pipe'],
      signal,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8_000);
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (code === 0) return resolvePromise();
      reject(
        new TestEnvError(
          'TESTENV_BUILD_FAILED',
          `"go ${args.join(' ')}" failed (${sig ?? `exit ${code}`})\n${stderr.trim()}`,
          `run it yourself in ${HELM_MODULE_DIR} to see the whole output`,
        ),
      );
    });
  });
}

async function verifyVersion(binary: string): Promise<void> {
  const out = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(binary, ['version', '--short'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.on('error', reject);
    child.on('close', () => resolvePromise(text));
  });
  if (!out.startsWith(HELM_VERSION)) {
    throw new TestEnvError('TESTENV_BINARY_BROKEN', `"${binary} version --short" printed "${out.trim()}", expected ${HELM_VERSION}`);
  }
}

/** A lock file holding the builder's pid, so parallel test processes don't each start a build. */
async function acquireLock(path: string, done: () => boolean, started: number, opts: EnsureHelmOptions): Promise<() => Promise<void>> {
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (!owner || !alive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    opts.onProgress?.({ kind: 'waiting', lockOwnerPid: owner, elapsedMs: Date.now() - started });
    while (alive(owner) && existsSync(path) && !done()) await sleep(2_000, opts.signal);
    if (done()) return async () => {};
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(resolvePromise, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** Human wording of a progress step. */
export function describeHelmProgress(p: HelmBuildProgress): string {
  const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
  switch (p.kind) {
    case 'cached':
      return `helm ${HELM_VERSION} cached at ${p.path}`;
    case 'waiting':
      return `waiting for the helm build in process ${p.lockOwnerPid} (${secs(p.elapsedMs)})`;
    case 'building':
      return `building helm ${HELM_VERSION} from helm.sh/helm/v3, ${secs(p.elapsedMs)} elapsed; a cold build takes a few minutes`;
    case 'done':
      return `helm ${HELM_VERSION} built in ${secs(p.elapsedMs)} at ${p.path}`;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const helm = await ensureHelm({ onProgress: (p) => console.error(describeHelmProgress(p)) });
  console.log(helm);
}

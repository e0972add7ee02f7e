/**
 * Builds (once) and caches the binaries of the test control plane: etcd, kube-apiserver and
 * kubectl, compiled from the Go modules pinned in this folder's go.mod/go.sum.
 *
 * Run as a script (`tsx test/cluster/build.ts`) to warm the cache and print where it is.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestEnvError } from './errors.ts';

/** Kubernetes version the binaries are built from; must match the require in go.mod. */
export const KUBERNETES_VERSION = 'v1.37.2';

/** The Go module that wraps k8s.io/kubernetes and etcd (this folder). */
export const GO_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/** Paths of the three binaries in the cache. */
export interface Binaries {
  dir: string;
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
}

/** One step of `ensureBinaries`, for a caller that wants to show progress. */
export type BuildProgress =
  | { kind: 'cached'; dir: string }
  | { kind: 'waiting'; lockOwnerPid: number; elapsedMs: number }
  | { kind: 'building'; binary: string; index: number; total: number; elapsedMs: number }
  | { kind: 'built'; binary: string; tookMs: number; elapsedMs: number }
  | { kind: 'done'; dir: string; elapsedMs: number };

/** Options of `ensureBinaries`. */
export interface EnsureBinariesOptions {
  /** Called on each step, and every `heartbeatMs` while a binary compiles. */
  onProgress?: (progress: BuildProgress) => void;
  signal?: AbortSignal;
  /** Defaults to ~/.cache/velahub-testenv (or $VELAHUB_TESTENV_CACHE). */
  cacheRoot?: string;
  /** Defaults to `go` on PATH, then /usr/local/go/bin/go. */
  goBinary?: string;
  heartbeatMs?: number;
}

const TARGETS = [
  { binary: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
  { binary: 'etcd', pkg: './cmd/etcd' },
  { binary: 'kubectl', pkg: 'k8s.io/kubernetes/cmd/kubectl' },
] as const;

function versionLdflags(version: string): string {
  const [major = '', minor = ''] = version.replace(/^v/, '').split('.');
  // Without these, /version and `kubectl version` say v0.0.0-master, and version checks lie.
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ])
    .join(' ');
}

/** Cache key: the short sha256 of go.sum, which changes whenever any module version changes. */
export async function cacheKey(moduleDir = GO_MODULE_DIR): Promise<string> {
  const sum = await readFile(join(moduleDir, 'go.sum'));
  return createHash('sha256').update(sum).digest('hex').slice(0, 16);
}

/** Where the binaries for the current go.sum live (or will live). */
export async function binariesDir(cacheRoot = defaultCacheRoot()): Promise<string> {
  return join(cacheRoot, await cacheKey());
}

function defaultCacheRoot(): string {
  return process.env.VELAHUB_TESTENV_CACHE ?? join(homedir(), '.cache', 'velahub-testenv');
}

function binariesIn(dir: string): Binaries {
  return {
    dir,
    kubeApiserver: join(dir, 'kube-apiserver'),
    etcd: join(dir, 'etcd'),
    kubectl: join(dir, 'kubectl'),
  };
}

function complete(bins: Binaries): boolean {
  return [bins.kubeApiserver, bins.etcd, bins.kubectl].every((p) => existsSync(p));
}

/**
 * Returns the cached binaries, building them first when the cache for this go.sum is empty.
 * A cold build takes 10–15 minutes on two cores; concurrent callers wait for one build.
 */
export function ensureBinaries(opts: EnsureBinariesOptions = {}): Promise<Binaries> {
  const root = opts.cacheRoot ?? defaultCacheRoot();
  // Callers in one process share a build (the lock below only works between processes).
  let pending = inProcess.get(root);
  if (!pending) {
    pending = ensureBinariesUncached(root, opts);
    inProcess.set(root, pending);
    pending.catch(() => inProcess.delete(root));
  }
  return pending;
}

const inProcess = new Map<string, Promise<Binaries>>();

async function ensureBinariesUncached(root: string, opts: EnsureBinariesOptions): Promise<Binaries> {
  const started = Date.now();
  const dir = join(root, await cacheKey());
  const bins = binariesIn(dir);
  if (complete(bins)) {
    opts.onProgress?.({ kind: 'cached', dir });
    return bins;
  }
  await mkdir(root, { recursive: true });
  const release = await acquireLock(`${dir}.lock`, () => complete(bins), started, opts);
  try {
    if (complete(bins)) {
      opts.onProgress?.({ kind: 'cached', dir });
      return bins;
    }
    await build(dir, started, opts);
    opts.onProgress?.({ kind: 'done', dir, elapsedMs: Date.now() - started });
    return bins;
  } finally {
    await release();
  }
}

async function build(dir: string, started: number, opts: EnsureBinariesOptions): Promise<void> {
  const go = opts.goBinary ?? findGo();
  // We hold the lock, so any temp dir left next to ours is from a build that was killed.
  const parent = dirname(dir);
  for (const name of await readdir(parent)) {
    if (name.startsWith(`${basename(dir)}.tmp-`)) await rm(join(parent, name), { recursive: true, force: true });
  }
  // Build next to the final dir so the rename is atomic: a half-built cache never exists.
  const tmp = await mkdtemp(`${dir}.tmp-`);
  await chmod(tmp, 0o755);
  try {
    for (const [index, target] of TARGETS.entries()) {
      const t0 = Date.now();
      const tick = (): void =>
        opts.onProgress?.({
          kind: 'building',
          binary: target.binary,
          index: index + 1,
          total: TARGETS.length,
          elapsedMs: Date.now() - started,
        });
      tick();
      const heartbeat = setInterval(tick, opts.heartbeatMs ?? 30_000);
      try {
        await runGo(go, [
          'build',
          '-mod=mod',
          '-trimpath',
          '-pgo=off',
          '-ldflags',
          `-s -w ${versionLdflags(KUBERNETES_VERSION)}`,
          '-o',
          join(tmp, target.binary),
          target.pkg,
        ], opts.signal);
      } finally {
        clearInterval(heartbeat);
      }
      opts.onProgress?.({ kind: 'built', binary: target.binary, tookMs: Date.now() - t0, elapsedMs: Date.now() - started });
    }
    await verifyVersion(join(tmp, 'kube-apiserver'), ['--version']);
    await writeFile(join(tmp, 'BUILD-INFO'), `kubernetes ${KUBERNETES_VERSION}\nbuilt ${new Date().toISOString()}\n`);
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

function findGo(): string {
  for (const candidate of (process.env.PATH ?? '').split(':').map((p) => join(p, 'go')).concat('/usr/local/go/bin/go')) {
    if (candidate !== 'go' && existsSync(candidate)) return candidate;
  }
  throw new TestEnvError('TESTENV_GO_MISSING', 'go not found on PATH or at /usr/local/go/bin/go', 'install Go 1.26 to build the test control plane');
}

function runGo(go: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(go, args, {
      cwd: GO_MODULE_DIR,
      // GOTOOLCHAIN=local: fail clearly instead of trying to download another toolchain.
      env: { GOTOOLCHAIN: 'local', ...process.env },
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
          `run it yourself in ${GO_MODULE_DIR} to see the whole output`,
        ),
      );
    });
  });
}

async function verifyVersion(binary: string, args: string[]): Promise<void> {
  const out = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.on('error', reject);
    child.on('close', () => resolvePromise(text));
  });
  if (!out.includes(KUBERNETES_VERSION)) {
    throw new TestEnvError('TESTENV_BINARY_BROKEN', `"${binary} ${args.join(' ')}" printed "${out.trim()}", expected ${KUBERNETES_VERSION}`);
  }
}

/** A lock file holding the builder's pid, so parallel test files don't each start a 15-minute build. */
async function acquireLock(
  path: string,
  done: () => boolean,
  started: number,
  opts: EnsureBinariesOptions,
): Promise<() => Promise<void>> {
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

/** Human wording of a progress step, shared by the script, the test runner and the cluster CLI. */
export function describeProgress(p: BuildProgress): string {
  const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
  switch (p.kind) {
    case 'cached':
      return `control-plane binaries cached in ${p.dir}`;
    case 'waiting':
      return `waiting for the build in process ${p.lockOwnerPid} (${secs(p.elapsedMs)})`;
    case 'building':
      return `building ${p.binary} (${p.index}/${p.total}), ${secs(p.elapsedMs)} elapsed; a cold build takes 10-15 min`;
    case 'built':
      return `built ${p.binary} in ${secs(p.tookMs)}`;
    case 'done':
      return `control-plane binaries built in ${secs(p.elapsedMs)} into ${p.dir}`;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bins = await ensureBinaries({ onProgress: (p) => console.error(describeProgress(p)) });
  console.log(JSON.stringify(bins, null, 2));
}

/**
 * Builds Go main packages from a wrapper module (a folder with go.mod/go.sum pinning them) into a
 * cache dir keyed by go.sum, once: concurrent callers in one process share the build, and a lock
 * file holding the builder's pid makes other processes wait for it instead of starting their own.
 * The build runs in a temp dir renamed at the end, so a half-built cache dir never exists.
 *
 * Used by test/cluster/build.ts (etcd, kube-apiserver, kubectl), and through {@link ensureGoTool} by
 * test/helm/build.ts (helm) and test/s3/build.ts (SeaweedFS's weed).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, setPriority, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TestEnvError } from '../cluster/errors.ts';

/**
 * A published module built as the main module, in a copy of its download: its own `replace`
 * lines count only then (KubeVela, Flux, kwok). The cache dir is named by module and version.
 */
export interface GoModuleSource {
  module: string;
  version: string;
  /** Submodules the zip lacks but a `replace … => ./dir` needs: downloaded at `version` into `dir`. */
  submodules?: readonly { module: string; dir: string }[];
  /** Paths inside the module copied next to the binaries (charts, CRDs, stage files the tests read). */
  keep?: readonly string[];
}

/**
 * One binary to build: a main package (`go build`), or with `test` a package's test binary
 * (`go test -c`: a suite that ships as a Go test, such as the OCI conformance suite).
 */
export interface GoTarget {
  binary: string;
  pkg: string;
  test?: boolean;
}

/** What to build: the module, where its cache lives, the packages, and how to check the result. */
export interface GoBuildSpec {
  /** The wrapper module; `go build` runs here and its go.sum names the cache dir. Ignored with `source`. */
  moduleDir: string;
  /** Build inside a copy of this downloaded module instead of `moduleDir`. */
  source?: GoModuleSource;
  /** The cache dir is `<cacheRoot>/<goSumKey(moduleDir)>`. */
  cacheRoot: string;
  /** Built in this order, each to `<cache dir>/<binary>`. */
  targets: readonly GoTarget[];
  /** Flags between `go build -mod=mod -trimpath` and `-o`, e.g. `['-ldflags', '-s -w …']`. */
  buildFlags: readonly string[];
  /** Run after the build; its stdout+stderr must satisfy `accepts`, else TESTENV_BINARY_BROKEN. */
  verify: { binary: string; args: readonly string[]; expected: string; accepts: (output: string) => boolean };
  /** Contents of the BUILD-INFO file written next to the binaries. */
  buildInfo: (elapsedMs: number) => string;
  /** Ends the hint when Go is missing: "install Go 1.26 to build <purpose>". */
  purpose: string;
}

/** One step of `ensureGoBuild`, for a caller that wants to show progress. */
export type GoBuildProgress =
  | { kind: 'cached'; dir: string }
  | { kind: 'waiting'; lockOwnerPid: number; elapsedMs: number }
  | { kind: 'downloading'; module: string; elapsedMs: number }
  | { kind: 'building'; binary: string; index: number; total: number; elapsedMs: number }
  | { kind: 'built'; binary: string; tookMs: number; elapsedMs: number }
  | { kind: 'done'; dir: string; elapsedMs: number };

/** Per-call options of `ensureGoBuild`. */
export interface GoBuildOptions {
  /** Called on each step, and every `heartbeatMs` (default 30 s) while a binary compiles. */
  onProgress?: (progress: GoBuildProgress) => void;
  signal?: AbortSignal;
  /** Defaults to `go` on PATH, then /usr/local/go/bin/go. */
  goBinary?: string;
  heartbeatMs?: number;
}

/** Cache key: the short sha256 of go.sum, which changes whenever any module version changes. */
export async function goSumKey(moduleDir: string): Promise<string> {
  const sum = await readFile(join(moduleDir, 'go.sum'));
  return createHash('sha256').update(sum).digest('hex').slice(0, 16);
}

/** Cache key of a module source: its last path element and version, e.g. `kubevela@v1.10.9`. */
export function moduleKey(source: Pick<GoModuleSource, 'module' | 'version'>): string {
  return `${source.module.split('/').pop()}@${source.version}`;
}

async function cacheKeyOf(spec: GoBuildSpec): Promise<string> {
  return spec.source ? moduleKey(spec.source) : goSumKey(spec.moduleDir);
}

/**
 * Returns the cache dir holding every target, building them first when it is missing.
 * Callers in one process share a build (the lock only works between processes); a failed build
 * is forgotten so the next call tries again.
 */
export function ensureGoBuild(spec: GoBuildSpec, opts: GoBuildOptions = {}): Promise<string> {
  const key = `${spec.source ? moduleKey(spec.source) : spec.moduleDir}\0${spec.cacheRoot}`;
  let pending = inProcess.get(key);
  if (!pending) {
    pending = ensureUncached(spec, opts);
    inProcess.set(key, pending);
    pending.catch(() => inProcess.delete(key));
  }
  return pending;
}

const inProcess = new Map<string, Promise<string>>();

/** `$<env>` when set, else `~/.cache/<dir>`: where a build's cache lives unless the caller says. */
export function defaultCacheRoot(env: string, dir: string): string {
  return process.env[env] ?? join(homedir(), '.cache', dir);
}

/** One step of `ensureGoTool`: the shared steps, naming the binary's path. */
export type GoToolProgress =
  | { kind: 'cached'; path: string }
  | { kind: 'waiting'; lockOwnerPid: number; elapsedMs: number }
  | { kind: 'building'; elapsedMs: number }
  | { kind: 'done'; path: string; elapsedMs: number };

/** Options of `ensureGoTool`: those of the shared Go build, with the tool's progress steps. */
export interface GoToolOptions extends Omit<GoBuildOptions, 'onProgress'> {
  /** Called on each step, and every `heartbeatMs` while the tool compiles. */
  onProgress?: (progress: GoToolProgress) => void;
  /** Defaults to the tool's `cacheEnv`, else ~/.cache/<cacheDir>. */
  cacheRoot?: string;
}

/** A single Go tool built by {@link ensureGoTool}: its build, its cache, and how its progress reads. */
export interface GoTool {
  /** The build, less the cache root; its one target is the tool. */
  spec: Omit<GoBuildSpec, 'cacheRoot' | 'targets'> & { target: GoTarget };
  /** Env var naming the cache root, and the folder under ~/.cache used without it. */
  cacheEnv: string;
  cacheDir: string;
  /** Words of {@link describeGoToolProgress}: the tool's name with and without its version, what a build compiles, how long a cold one takes. */
  words: { tool: string; versioned: string; source: string; coldBuild: string };
}

/**
 * Returns the path of the cached tool binary, building it first when the cache for this go.sum
 * is empty. Concurrent callers (processes too) wait for one build.
 */
export async function ensureGoTool(tool: GoTool, opts: GoToolOptions = {}): Promise<string> {
  const { cacheRoot = defaultCacheRoot(tool.cacheEnv, tool.cacheDir), onProgress, ...rest } = opts;
  const { target, ...spec } = tool.spec;
  const dir = await ensureGoBuild({ ...spec, targets: [target], cacheRoot }, {
    ...rest,
    // A one-binary build reports the binary's path and has no per-binary 'built' step.
    onProgress:
      onProgress &&
      ((p) => {
        if (p.kind === 'cached') onProgress({ kind: 'cached', path: join(p.dir, target.binary) });
        else if (p.kind === 'done') onProgress({ kind: 'done', path: join(p.dir, target.binary), elapsedMs: p.elapsedMs });
        else if (p.kind === 'building') onProgress({ kind: 'building', elapsedMs: p.elapsedMs });
        else if (p.kind === 'waiting') onProgress(p);
      }),
  });
  return join(dir, target.binary);
}

/** Human wording of a step of {@link ensureGoTool}. */
export function describeGoToolProgress(words: GoTool['words'], p: GoToolProgress): string {
  const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
  switch (p.kind) {
    case 'cached':
      return `${words.versioned} cached at ${p.path}`;
    case 'waiting':
      return `waiting for the ${words.tool} build in process ${p.lockOwnerPid} (${secs(p.elapsedMs)})`;
    case 'building':
      return `building ${words.source}, ${secs(p.elapsedMs)} elapsed; a cold build takes ${words.coldBuild}`;
    case 'done':
      return `${words.versioned} built in ${secs(p.elapsedMs)} at ${p.path}`;
  }
}

async function ensureUncached(spec: GoBuildSpec, opts: GoBuildOptions): Promise<string> {
  const started = Date.now();
  const dir = join(spec.cacheRoot, await cacheKeyOf(spec));
  const complete = (): boolean => spec.targets.every((t) => existsSync(join(dir, t.binary)));
  if (complete()) {
    opts.onProgress?.({ kind: 'cached', dir });
    return dir;
  }
  await mkdir(spec.cacheRoot, { recursive: true });
  const release = await acquireLock(`${dir}.lock`, complete, started, opts);
  try {
    if (complete()) {
      opts.onProgress?.({ kind: 'cached', dir });
      return dir;
    }
    await build(spec, dir, started, opts);
    opts.onProgress?.({ kind: 'done', dir, elapsedMs: Date.now() - started });
    return dir;
  } finally {
    await release();
  }
}

async function build(spec: GoBuildSpec, dir: string, started: number, opts: GoBuildOptions): Promise<void> {
  const go = opts.goBinary ?? findGo(spec.purpose);
  // We hold the lock, so any temp dir left next to ours is from a build that was killed.
  const parent = dirname(dir);
  for (const name of await readdir(parent)) {
    if (name.startsWith(`${basename(dir)}.tmp-`)) await rm(join(parent, name), { recursive: true, force: true });
  }
  // Build next to the final dir so the rename is atomic: a half-built cache never exists.
  const tmp = await mkdtemp(`${dir}.tmp-`);
  await chmod(tmp, 0o755);
  try {
    const cwd = spec.source ? await copyModule(go, spec.source, join(tmp, '.src'), started, opts) : spec.moduleDir;
    for (const [index, target] of spec.targets.entries()) {
      const t0 = Date.now();
      const tick = (): void =>
        opts.onProgress?.({
          kind: 'building',
          binary: target.binary,
          index: index + 1,
          total: spec.targets.length,
          elapsedMs: Date.now() - started,
        });
      tick();
      const heartbeat = setInterval(tick, opts.heartbeatMs ?? 30_000);
      try {
        // A module source keeps its own go.sum as published; only the wrapper modules may be amended.
        const args = [...(target.test ? ['test', '-c'] : ['build']), spec.source ? '-mod=readonly' : '-mod=mod', '-trimpath', ...spec.buildFlags, '-o', join(tmp, target.binary), target.pkg];
        await runGo(go, args, cwd, opts.signal, { lowPriority: true });
      } finally {
        clearInterval(heartbeat);
      }
      opts.onProgress?.({ kind: 'built', binary: target.binary, tookMs: Date.now() - t0, elapsedMs: Date.now() - started });
    }
    await verify(join(tmp, spec.verify.binary), spec.verify);
    if (spec.source) {
      for (const path of spec.source.keep ?? []) await cp(join(cwd, path), join(tmp, path), { recursive: true });
      await rm(cwd, { recursive: true, force: true });
    }
    await writeFile(join(tmp, 'BUILD-INFO'), spec.buildInfo(Date.now() - started));
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Copies a downloaded module (read-only in the module cache) to `dest`, fills in the submodules
 * its `replace` lines point into, and downloads its dependencies, reporting progress.
 */
async function copyModule(go: string, source: GoModuleSource, dest: string, started: number, opts: GoBuildOptions): Promise<string> {
  const report = (module: string): void => opts.onProgress?.({ kind: 'downloading', module, elapsedMs: Date.now() - started });
  report(`${source.module}@${source.version}`);
  await cp(await downloadedDir(go, source.module, source.version, opts.signal), dest, { recursive: true });
  for (const sub of source.submodules ?? []) {
    report(`${sub.module}@${source.version}`);
    const into = join(dest, sub.dir);
    await rm(into, { recursive: true, force: true });
    await cp(await downloadedDir(go, sub.module, source.version, opts.signal), into, { recursive: true });
  }
  await runGo('chmod', ['-R', 'u+w', dest], dest, opts.signal);
  report(`dependencies of ${source.module}`);
  const heartbeat = setInterval(() => report(`dependencies of ${source.module}`), opts.heartbeatMs ?? 30_000);
  try {
    await runGo(go, ['mod', 'download'], dest, opts.signal);
  } finally {
    clearInterval(heartbeat);
  }
  return dest;
}

/**
 * The folder of `module@version` in the Go module cache, downloaded if needed (no build): for
 * what a module ships besides code, such as CRDs. Read-only.
 */
export function moduleSourceDir(module: string, version: string, signal?: AbortSignal): Promise<string> {
  return downloadedDir(findGo(`${module}@${version}`), module, version, signal);
}

async function downloadedDir(go: string, module: string, version: string, signal?: AbortSignal): Promise<string> {
  const out = await runGo(go, ['mod', 'download', '-json', `${module}@${version}`], tmpdir(), signal);
  const dir = (JSON.parse(out) as { Dir?: string; Error?: string }).Dir;
  if (!dir) throw new TestEnvError('TESTENV_BUILD_FAILED', `go mod download ${module}@${version} named no directory: ${out.trim()}`, 'check that the Go module proxy serves this exact version');
  return dir;
}

function findGo(purpose: string): string {
  for (const candidate of (process.env.PATH ?? '').split(':').map((p) => join(p, 'go')).concat('/usr/local/go/bin/go')) {
    // An empty or '.' PATH entry gives a bare 'go', which existsSync would look up in the cwd.
    if (candidate !== 'go' && existsSync(candidate)) return candidate;
  }
  throw new TestEnvError('TESTENV_GO_MISSING', 'go not found on PATH or at /usr/local/go/bin/go', `install Go 1.26 to build ${purpose}`);
}

/**
 * Runs go (or chmod) in `cwd`; resolves with its stdout, rejects with its stderr's tail. With
 * `lowPriority` the build runs at niceness 19 (its compiler processes inherit it): the runner
 * builds while tests run, and a test must not lose the CPU to a build — CUE evaluations have a
 * wall-clock limit per definition.
 */
function runGo(go: string, args: string[], cwd: string, signal?: AbortSignal, opts: { lowPriority?: boolean } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(go, args, {
      cwd,
      // GOTOOLCHAIN=local: fail clearly instead of trying to download another toolchain.
      env: { ...process.env, GOTOOLCHAIN: 'local', PATH: `${dirname(go)}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    if (opts.lowPriority && child.pid !== undefined) {
      try {
        setPriority(child.pid, 19);
      } catch {
        // Not allowed here: the build runs at normal priority.
      }
    }
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = (stdout + chunk).slice(-64_000);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8_000);
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (code === 0) return resolvePromise(stdout);
      reject(
        new TestEnvError(
          'TESTENV_BUILD_FAILED',
          `"${basename(go)} ${args.join(' ')}" failed (${sig ?? `exit ${code}`})\n${stderr.trim()}`,
          `run it yourself in ${cwd} to see the whole output`,
        ),
      );
    });
  });
}

async function verify(binary: string, check: GoBuildSpec['verify']): Promise<void> {
  const out = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(binary, check.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.on('error', reject);
    child.on('close', () => resolvePromise(text));
  });
  if (!check.accepts(out)) {
    throw new TestEnvError('TESTENV_BINARY_BROKEN', `"${binary} ${check.args.join(' ')}" printed "${out.trim()}", expected ${check.expected}`);
  }
}

/** A lock file holding the builder's pid, so parallel test processes don't each start a long build. */
async function acquireLock(path: string, done: () => boolean, started: number, opts: GoBuildOptions): Promise<() => Promise<void>> {
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

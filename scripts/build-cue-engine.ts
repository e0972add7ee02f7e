/**
 * Builds velahub's CUE engine (the Go module in core/cue/engine) to WebAssembly and
 * natively for this machine, once per KubeVela line, into build/cue-engine/. A build is
 * keyed by the sha256 of its inputs (Go version, the line's go.mod/go.sum, the Go sources and the vela/*
 * declarations), so an unchanged tree costs one hash; each module is written to
 * a temp file and renamed, so a half-written engine never exists.
 *
 *   tsx scripts/build-cue-engine.ts          build what is missing (npm install runs this)
 *   tsx scripts/build-cue-engine.ts --force  rebuild and print each build's sha256
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CUE_LINES, type CueLine } from '../core/cue/lines.ts';
import { engineBuildDir as distDir, enginePaths, engineSourceDir as engineDir } from '../core/cue/engine-files.ts';
import type { NativeBuildInfo } from '../core/cue/native-build.ts';

const run = promisify(execFile);

/** What a finished build records next to its module. */
export interface BuildInfo {
  line: CueLine;
  cue: string;
  key: string;
  sha256: string;
  go: string;
  bytes: number;
  tookMs: number;
}

async function goBinary(): Promise<string> {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    try {
      await run(candidate, ['version']);
      return candidate;
    } catch {
      // try the next place Go is usually installed
    }
  }
  throw new Error('Go is not installed: the CUE engine is built from its Go source (core/cue/engine) with Go 1.23 or newer; install Go (on Debian: /usr/local/go) and run `npm run build:cue`');
}

async function inputsKey(go: string, line: CueLine): Promise<string> {
  const hash = createHash('sha256');
  hash.update((await run(go, ['version'])).stdout);
  const { modfile, sumfile } = CUE_LINES[line];
  const names = (await readdir(engineDir)).filter((n) => n.endsWith('.go')).sort();
  const vela = (await readdir(join(engineDir, 'vela'))).filter((n) => n.endsWith('.cue')).sort();
  for (const rel of [modfile, sumfile, ...names, ...vela.map((n) => join('vela', n))]) {
    hash.update(`\0${rel}\0`);
    hash.update(await readFile(join(engineDir, rel)));
  }
  return hash.digest('hex').slice(0, 24);
}

/** Builds the engine module in `engineDir` into `out` (via a temp file and a rename) for `env`'s GOOS/GOARCH. */
async function goBuild(go: string, line: CueLine, out: string, env: Record<string, string>): Promise<Buffer> {
  const { cue, modfile } = CUE_LINES[line];
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await run(go, ['build', `-modfile=${modfile}`, '-trimpath', '-buildvcs=false', '-ldflags=-s -w', '-o', tmp, '.'], {
      cwd: engineDir,
      env: { ...process.env, ...env, GOFLAGS: '-mod=readonly' },
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    await rm(tmp, { force: true });
    const e = err as { stderr?: string; message: string };
    throw new Error(`building the CUE engine ${cue} (${env.GOOS}/${env.GOARCH}) failed (core/cue/engine, ${modfile}):\n${e.stderr || e.message}`);
  }
  const bytes = await readFile(tmp);
  await rename(tmp, out);
  return bytes;
}

async function writeRecord(path: string, record: object): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(record, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
}

async function readRecord<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** What {@link ensureEngines} built or found: every line's WebAssembly build, and its native one when there is one. */
export interface EngineBuilds {
  wasm: BuildInfo[];
  native: NativeBuildInfo[];
}

/**
 * Makes sure every line's engine is built and current, to WebAssembly (the server's pool,
 * and the CLI where no native build exists) and natively for this machine (the CLI's
 * one-shot commands: no 24 MB module to compile per process); returns their build records.
 * A native build that fails is reported through `onProgress` and skipped (the CLI then uses
 * WebAssembly); a WebAssembly build that fails throws. `onProgress` hears a line for each
 * build (a cold one takes about a minute per line and target on 2 cores).
 */
export async function ensureEngines(options: { force?: boolean; native?: boolean; onProgress?: (line: string) => void } = {}): Promise<EngineBuilds> {
  const go = await goBinary();
  const goRoot = (await run(go, ['env', 'GOROOT'])).stdout.trim();
  const [hostOs, hostArch] = (await run(go, ['env', 'GOHOSTOS', 'GOHOSTARCH'])).stdout.trim().split(/\s+/);
  const goVersion = (await run(go, ['version'])).stdout.trim();
  const platform = `${process.platform}-${process.arch}`;
  await mkdir(distDir, { recursive: true });
  const out: EngineBuilds = { wasm: [], native: [] };
  for (const line of Object.keys(CUE_LINES) as CueLine[]) {
    const paths = enginePaths(line);
    const key = await inputsKey(go, line);
    const { cue, kubevela } = CUE_LINES[line];
    const known = await readRecord<BuildInfo>(paths.info);
    if (!options.force && existsSync(paths.wasm) && existsSync(paths.wasmExec) && known?.key === key) {
      out.wasm.push(known);
    } else {
      options.onProgress?.(`building CUE engine ${cue} (KubeVela ${kubevela}) to WebAssembly…`);
      const started = Date.now();
      const bytes = await goBuild(go, line, paths.wasm, { GOOS: 'js', GOARCH: 'wasm' });
      // wasm_exec.js must come from the Go that built the module: it is the other half of its ABI.
      await copyFile(join(goRoot, 'lib', 'wasm', 'wasm_exec.js'), `${paths.wasmExec}.tmp`);
      await rename(`${paths.wasmExec}.tmp`, paths.wasmExec);
      const info: BuildInfo = { line, cue, key, sha256: sha256(bytes), go: goVersion, bytes: bytes.length, tookMs: Date.now() - started };
      await writeRecord(paths.info, info);
      options.onProgress?.(`built CUE engine ${cue} in ${(info.tookMs / 1000).toFixed(1)} s: ${(info.bytes / 1e6).toFixed(1)} MB, sha256 ${info.sha256}`);
      out.wasm.push(info);
    }
    if (options.native === false) continue;
    const knownNative = await readRecord<NativeBuildInfo>(paths.nativeInfo);
    if (!options.force && existsSync(paths.native) && knownNative?.key === key && knownNative.platform === platform) {
      out.native.push(knownNative);
      continue;
    }
    options.onProgress?.(`building CUE engine ${cue} (KubeVela ${kubevela}) natively (${hostOs}/${hostArch})…`);
    const started = Date.now();
    try {
      // CGO off: a static binary, and no C compiler needed to build it.
      const bytes = await goBuild(go, line, paths.native, { GOOS: hostOs!, GOARCH: hostArch!, CGO_ENABLED: '0' });
      const info: NativeBuildInfo = { line, cue, key, platform, sha256: sha256(bytes), go: goVersion, bytes: bytes.length, tookMs: Date.now() - started };
      await writeRecord(paths.nativeInfo, info);
      options.onProgress?.(`built native CUE engine ${cue} in ${(info.tookMs / 1000).toFixed(1)} s: ${(info.bytes / 1e6).toFixed(1)} MB, sha256 ${info.sha256}`);
      out.native.push(info);
    } catch (err) {
      // The CLI falls back to WebAssembly for this line: slower to start, same results.
      await rm(paths.nativeInfo, { force: true });
      options.onProgress?.(`${(err as Error).message}\nthe CLI evaluates ${cue} with the WebAssembly engine instead`);
    }
  }
  return out;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  ensureEngines({ force, onProgress: (l) => console.error(l) })
    .then(({ wasm, native }) => {
      for (const i of wasm) console.error(`CUE engine ${i.cue}: ${enginePaths(i.line).wasm} sha256 ${i.sha256}`);
      for (const i of native) console.error(`CUE engine ${i.cue} (${i.platform}): ${enginePaths(i.line).native} sha256 ${i.sha256}`);
    })
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}

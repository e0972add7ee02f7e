/**
 * Builds velahub's CUE engine (the Go module in core/cue/engine) to WebAssembly,
 * once per KubeVela line, into build/cue-engine/. A build is keyed by the sha256 of its
 * inputs (Go version, the line's go.mod/go.sum, the Go sources and the vela/*
 * declarations), so an unchanged tree costs one hash; each module is written to
 * a temp file and renamed, so a half-written engine never exists.
 *
 *   tsx scripts/build-cue-engine.ts          build what is missing (npm install runs this)
 *   tsx scripts/build-cue-engine.ts --force  rebuild and print each module's sha256
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

/**
 * Makes sure every line's engine is built and current; returns their build
 * records. `onProgress` hears a line for each build (a cold one takes about a
 * minute per line on 2 cores).
 */
export async function ensureEngines(options: { force?: boolean; onProgress?: (line: string) => void } = {}): Promise<BuildInfo[]> {
  const go = await goBinary();
  const goRoot = (await run(go, ['env', 'GOROOT'])).stdout.trim();
  await mkdir(distDir, { recursive: true });
  const out: BuildInfo[] = [];
  for (const line of Object.keys(CUE_LINES) as CueLine[]) {
    const paths = enginePaths(line);
    const key = await inputsKey(go, line);
    if (!options.force && existsSync(paths.wasm) && existsSync(paths.wasmExec) && existsSync(paths.info)) {
      const info = JSON.parse(await readFile(paths.info, 'utf8')) as BuildInfo;
      if (info.key === key) {
        out.push(info);
        continue;
      }
    }
    const { cue, kubevela, modfile } = CUE_LINES[line];
    options.onProgress?.(`building CUE engine ${cue} (KubeVela ${kubevela}) to WebAssembly…`);
    const started = Date.now();
    await mkdir(dirname(paths.wasm), { recursive: true });
    const tmp = `${paths.wasm}.${process.pid}.tmp`;
    try {
      await run(go, ['build', `-modfile=${modfile}`, '-trimpath', '-buildvcs=false', '-ldflags=-s -w', '-o', tmp, '.'], {
        cwd: engineDir,
        env: { ...process.env, GOOS: 'js', GOARCH: 'wasm', GOFLAGS: '-mod=readonly' },
        maxBuffer: 16 << 20,
      });
    } catch (err) {
      await rm(tmp, { force: true });
      const e = err as { stderr?: string; message: string };
      throw new Error(`building the CUE engine ${cue} failed (core/cue/engine, ${modfile}):\n${e.stderr || e.message}`);
    }
    const bytes = await readFile(tmp);
    await rename(tmp, paths.wasm);
    // wasm_exec.js must come from the Go that built the module: it is the other half of its ABI.
    await copyFile(join(goRoot, 'lib', 'wasm', 'wasm_exec.js'), `${paths.wasmExec}.tmp`);
    await rename(`${paths.wasmExec}.tmp`, paths.wasmExec);
    const info: BuildInfo = {
      line,
      cue,
      key,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      go: (await run(go, ['version'])).stdout.trim(),
      bytes: bytes.length,
      tookMs: Date.now() - started,
    };
    await writeFile(`${paths.info}.tmp`, JSON.stringify(info, null, 2) + '\n');
    await rename(`${paths.info}.tmp`, paths.info);
    options.onProgress?.(`built CUE engine ${cue} in ${(info.tookMs / 1000).toFixed(1)} s: ${(info.bytes / 1e6).toFixed(1)} MB, sha256 ${info.sha256}`);
    out.push(info);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  ensureEngines({ force, onProgress: (l) => console.error(l) })
    .then((infos) => {
      for (const i of infos) console.error(`CUE engine ${i.cue}: ${enginePaths(i.line).wasm} sha256 ${i.sha256}`);
    })
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}

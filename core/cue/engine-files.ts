import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CueLine } from './lines.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The CUE engine's Go module (source). */
export const engineSourceDir = join(repoRoot, 'core', 'cue', 'engine');

/** Where `npm install` (scripts/build-cue-engine.ts) puts the built engine: one folder per line. */
export const engineBuildDir = join(repoRoot, 'build', 'cue-engine');

/** The paths of one line's built module, its build record, and Go's loader for it. */
export function enginePaths(line: CueLine): { wasm: string; info: string; wasmExec: string } {
  return { wasm: join(engineBuildDir, line, 'engine.wasm'), info: join(engineBuildDir, line, 'BUILD-INFO.json'), wasmExec: join(engineBuildDir, 'wasm_exec.js') };
}

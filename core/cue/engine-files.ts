import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import type { CueLine } from './lines.ts';

/** The CUE engine's Go module (source). */
export const engineSourceDir = join(packageRoot, 'core', 'cue', 'engine');

/** Where `npm install` (scripts/build-cue-engine.ts) puts the built engine: one folder per line. */
export const engineBuildDir = join(packageRoot, 'build', 'cue-engine');

/** The paths of one line's built module, its build record, and Go's loader for it. */
export function enginePaths(line: CueLine): { wasm: string; info: string; wasmExec: string } {
  return { wasm: join(engineBuildDir, line, 'engine.wasm'), info: join(engineBuildDir, line, 'BUILD-INFO.json'), wasmExec: join(engineBuildDir, 'wasm_exec.js') };
}

import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import type { CueLine } from './lines.ts';

/** The CUE engine's Go module (source). */
export const engineSourceDir = join(packageRoot, 'core', 'cue', 'engine');

/** Where `npm install` (scripts/build-cue-engine.ts) puts the built engine: one folder per line. */
export const engineBuildDir = join(packageRoot, 'build', 'cue-engine');

/**
 * The paths of one line's built engine: the WebAssembly module, its build record and Go's
 * loader for it; the same engine built for this machine and that build's record.
 */
export function enginePaths(line: CueLine): { wasm: string; info: string; wasmExec: string; native: string; nativeInfo: string } {
  const dir = join(engineBuildDir, line);
  return {
    wasm: join(dir, 'engine.wasm'),
    info: join(dir, 'BUILD-INFO.json'),
    wasmExec: join(engineBuildDir, 'wasm_exec.js'),
    native: join(dir, process.platform === 'win32' ? 'engine-native.exe' : 'engine-native'),
    nativeInfo: join(dir, 'NATIVE-BUILD-INFO.json'),
  };
}

import { readFileSync, statSync } from 'node:fs';
import { enginePaths } from './engine-files.ts';
import type { CueLine } from './lines.ts';

/** What a finished native build of the engine records next to its binary (scripts/build-cue-engine.ts). */
export interface NativeBuildInfo {
  line: CueLine;
  cue: string;
  /** The key of the build's inputs: equal to the line's WebAssembly build from the same sources. */
  key: string;
  /** Node's `${process.platform}-${process.arch}` of the machine it was built for. */
  platform: string;
  sha256: string;
  go: string;
  bytes: number;
  tookMs: number;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Whether a line's native engine exists and is current: built for this machine, complete (its
 * size is the recorded one), and from the same sources as the line's WebAssembly module, so
 * both engines give the same answers. A few stat and small reads, no hashing: the CLI asks
 * this on every evaluating command.
 */
export function nativeEngineCurrent(line: CueLine): boolean {
  const paths = enginePaths(line);
  const info = readJson<NativeBuildInfo>(paths.nativeInfo);
  if (!info || info.platform !== `${process.platform}-${process.arch}`) return false;
  try {
    if (statSync(paths.native).size !== info.bytes) return false;
  } catch {
    return false;
  }
  const wasm = readJson<{ key: string }>(paths.info);
  return !wasm || wasm.key === info.key;
}

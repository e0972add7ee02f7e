import { VelahubError } from '../errors.ts';
import { nativeEngineCurrent } from './native-build.ts';
import { NativeCuePool } from './native-pool.ts';
import { CuePool, type CueRunOptions } from './pool.ts';
import { CUE_LINES, type CueLine } from './lines.ts';
import type { CueRunner } from './runner.ts';

/** Which engine evaluates: `auto` (native where built and current, else WebAssembly), or one forced. */
export type CueEngineSetting = 'auto' | 'native' | 'wasm';

/** The environment variable that forces an engine for the CLI (see {@link parseEngineSetting}). */
export const CUE_ENGINE_ENV = 'VELAHUB_CUE_ENGINE';

const settings: readonly CueEngineSetting[] = ['auto', 'native', 'wasm'];

/** Reads a {@link CUE_ENGINE_ENV} value: unset or empty means `auto`; anything else must be a setting. */
export function parseEngineSetting(value: string | undefined): CueEngineSetting {
  const v = value?.trim().toLowerCase() ?? '';
  if (v === '') return 'auto';
  if ((settings as readonly string[]).includes(v)) return v as CueEngineSetting;
  throw new VelahubError('EUSAGE', `${CUE_ENGINE_ENV}=${JSON.stringify(value)} is not a CUE engine: expected one of ${settings.map((s) => `"${s}"`).join(', ')}`);
}

/** The engine a line is evaluated with under `setting`: `auto` takes the native one when it is built and current. */
export function engineFor(line: CueLine, setting: CueEngineSetting): 'native' | 'wasm' {
  if (setting !== 'auto') return setting;
  return nativeEngineCurrent(line) ? 'native' : 'wasm';
}

/**
 * The engine of a worker pool (the server's {@link CuePool}) under `setting`: a worker serves
 * every line, so `auto` takes the native engine only when every line's is built and current.
 */
export function poolEngineFor(setting: CueEngineSetting): 'native' | 'wasm' {
  if (setting !== 'auto') return setting;
  return (Object.keys(CUE_LINES) as CueLine[]).every(nativeEngineCurrent) ? 'native' : 'wasm';
}

/**
 * The CUE engines of a one-shot command (the CLI): each line goes to the engine
 * {@link engineFor} picks, created on first use, so a command pays only for what it uses
 * (a native process starts in milliseconds; a WebAssembly worker compiles a 24 MB module).
 */
export class OneShotCueRunner implements CueRunner {
  readonly setting: CueEngineSetting;
  #native?: NativeCuePool;
  #wasm?: CuePool;
  /** Each line's engine, decided on its first call (the build records are read once). */
  #chosen = new Map<CueLine, CueRunner>();
  #closed = false;

  constructor(setting: CueEngineSetting = 'auto') {
    this.setting = setting;
  }

  /** See {@link CueRunner.run}. */
  run(line: CueLine, request: string, options?: CueRunOptions): Promise<string> {
    if (this.#closed) return Promise.reject(new VelahubError('ECUE_CLOSED', 'the CUE evaluator was shut down'));
    let runner = this.#chosen.get(line);
    if (!runner) {
      runner = engineFor(line, this.setting) === 'native' ? (this.#native ??= new NativeCuePool()) : (this.#wasm ??= new CuePool());
      this.#chosen.set(line, runner);
    }
    return runner.run(line, request, options);
  }

  /** Stops the engines it started. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#native?.close(), this.#wasm?.close()]);
  }
}

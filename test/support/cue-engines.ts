/**
 * The CUE engines a test can run against on this machine, so engine tests and the CLI's
 * goldens run on both: WebAssembly always (npm install builds it; a missing build fails the
 * test with ECUE_ENGINE_MISSING), native when it is built and current for every line.
 * `VELAHUB_TEST_CUE_ENGINES=wasm` (or `native`) narrows the list, e.g. to time one engine.
 */
import { CUE_ENGINE_ENV } from '../../core/cue/engine-choice.ts';
import { CUE_LINES, type CueLine } from '../../core/cue/lines.ts';
import { nativeEngineCurrent } from '../../core/cue/native-build.ts';
import { NativeCuePool } from '../../core/cue/native-pool.ts';
import { CuePool, type CuePoolOptions } from '../../core/cue/pool.ts';
import type { CueRunner } from '../../core/cue/runner.ts';

/** An engine backend the tests can run against. */
export type TestEngine = 'wasm' | 'native';

const wanted = (process.env.VELAHUB_TEST_CUE_ENGINES ?? 'wasm,native').split(',').map((s) => s.trim());

/** True when the native engine is built and current for every line. */
export const nativeBuilt = (Object.keys(CUE_LINES) as CueLine[]).every(nativeEngineCurrent);

/** The engines to run engine tests against here, WebAssembly first. */
export const testEngines: TestEngine[] = (['wasm', 'native'] as const).filter((e) => wanted.includes(e) && (e === 'wasm' || nativeBuilt));

/** A fresh backend of `engine`: a WebAssembly pool with `options`, or the native pool (one process per line). */
export function engineRunner(engine: TestEngine, options: CuePoolOptions = {}): CueRunner {
  return engine === 'native' ? new NativeCuePool({ timeoutMs: options.timeoutMs, maxQueue: options.maxQueue }) : new CuePool({ size: 2, ...options });
}

/**
 * Makes the CLI run in this process (test/support/cli.ts, velahubInProcess) evaluate with
 * `engine`, through the switch users have ({@link CUE_ENGINE_ENV}); returns the undo.
 */
export function useCliEngine(engine: TestEngine): () => void {
  const previous = process.env[CUE_ENGINE_ENV];
  process.env[CUE_ENGINE_ENV] = engine;
  return () => {
    if (previous === undefined) delete process.env[CUE_ENGINE_ENV];
    else process.env[CUE_ENGINE_ENV] = previous;
  };
}

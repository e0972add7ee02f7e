import { CUE_ENGINE_ENV, OneShotCueRunner, parseEngineSetting } from '../core/cue/engine-choice.ts';
import { CueEvaluator } from '../core/cue/evaluator.ts';

/**
 * Runs `fn` with a CUE evaluator that is shut down afterwards, so the process can exit. A
 * command evaluates with the native engine where it is built and current, WebAssembly
 * otherwise; VELAHUB_CUE_ENGINE=native|wasm forces one (README: The CUE engine).
 */
export async function withEvaluator<T>(fn: (cue: CueEvaluator) => Promise<T>): Promise<T> {
  const cue = new CueEvaluator(new OneShotCueRunner(parseEngineSetting(process.env[CUE_ENGINE_ENV])));
  try {
    return await fn(cue);
  } finally {
    await cue.close();
  }
}

import { CueEvaluator } from '../core/cue/evaluator.ts';

/** Runs `fn` with a CUE evaluator that is shut down afterwards, so the process can exit. */
export async function withEvaluator<T>(fn: (cue: CueEvaluator) => Promise<T>): Promise<T> {
  const cue = new CueEvaluator();
  try {
    return await fn(cue);
  } finally {
    await cue.close();
  }
}

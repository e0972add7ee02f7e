import type { CueRunOptions } from './pool.ts';
import type { CueLine } from './lines.ts';

/**
 * What {@link CueEvaluator} needs of an engine backend: one JSON request in, its JSON
 * response out, on a line's engine. {@link CuePool} (WebAssembly in worker threads) and
 * {@link NativeCuePool} (the native engine, one process per line) both provide it, with the
 * same error codes: ECUE_TIMEOUT, ECUE_CRASH, ECUE_BUSY, ECUE_CLOSED, ECUE_ENGINE_MISSING.
 */
export interface CueRunner {
  /** Sends one JSON request to the engine of `line`; resolves with its JSON response. */
  run(line: CueLine, request: string, options?: CueRunOptions): Promise<string>;
  /** Stops the engines; pending calls are rejected with ECUE_CLOSED. */
  close(): Promise<void>;
}

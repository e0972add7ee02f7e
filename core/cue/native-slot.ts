import { EventEmitter } from 'node:events';
import type { CueLine } from './lines.ts';
import { NativeEngineProcess } from './native-process.ts';

/** A call as {@link CuePool} posts it to a worker. */
interface CallMessage {
  id: number;
  line: CueLine;
  request: string;
}

/**
 * A {@link CuePool} worker made of native engine processes, one per CUE line (started with the
 * slot for `warmLines`, on first use for the others): it takes the same messages as
 * cue-worker.mjs and answers the same way (`started` once its engine is evaluating the call,
 * then `response`), so the pool's scheduling (priorities, fair shares, timeouts) works
 * unchanged. A process that dies is reported as the worker's `error`: the pool then fails the
 * call with ECUE_CRASH and replaces the slot, as for a crashed worker.
 */
export class NativeEngineSlot extends EventEmitter {
  #processes = new Map<CueLine, NativeEngineProcess>();
  /** The call being evaluated, and whether its engine has been told to start on it. */
  #current?: CallMessage & { started: boolean };

  /** Starts the processes of `warmLines`; throws ECUE_ENGINE_MISSING when one is not built. */
  constructor(warmLines: readonly CueLine[]) {
    super();
    for (const line of warmLines) this.#process(line);
  }

  /** Takes one call (the pool sends one at a time). */
  postMessage(message: CallMessage): void {
    let process: NativeEngineProcess;
    try {
      process = this.#process(message.line);
    } catch (err) {
      queueMicrotask(() => this.emit('message', { id: message.id, error: (err as Error).message }));
      return;
    }
    this.#current = { ...message, started: false };
    process.send(message.request);
    if (process.ready) this.#started();
  }

  /** Kills every process of the slot. */
  async terminate(): Promise<number> {
    this.#current = undefined;
    await Promise.all([...this.#processes.values()].map((p) => p.kill()));
    this.#processes.clear();
    return 0;
  }

  /** The processes are unref'd already: an idle slot never holds the event loop. */
  unref(): void {}

  #process(line: CueLine): NativeEngineProcess {
    let process = this.#processes.get(line);
    if (!process) {
      process = new NativeEngineProcess(line, {
        onReady: () => {
          if (this.#current?.line === line) this.#started();
        },
        onAnswer: (response) => {
          const current = this.#current;
          if (current?.line !== line) return;
          this.#current = undefined;
          this.emit('message', { id: current.id, response });
        },
        onCrash: (how) => this.emit('error', new Error(`the native engine for ${line} stopped: ${how}`)),
      });
      this.#processes.set(line, process);
    }
    return process;
  }

  /** Tells the pool its call's timeout starts now (asynchronously, as a worker's message would). */
  #started(): void {
    const current = this.#current;
    if (!current || current.started) return;
    current.started = true;
    queueMicrotask(() => this.emit('message', { id: current.id, started: true }));
  }
}

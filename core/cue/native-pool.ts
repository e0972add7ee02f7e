import { VelahubError } from '../errors.ts';
import type { CueLine } from './lines.ts';
import { NativeEngineProcess } from './native-process.ts';
import type { CuePriority, CueRunOptions } from './pool.ts';
import type { CueRunner } from './runner.ts';

/** Options for {@link NativeCuePool}. */
export interface NativeCuePoolOptions {
  /** Per-call limit; a call over it is stopped with its engine process. */
  timeoutMs?: number;
  /** Calls allowed to wait (over every line) before new ones are refused. */
  maxQueue?: number;
}

interface Job {
  request: string;
  resolve: (r: string) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  priority: CuePriority;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

/** One line's engine process and the call it is evaluating. */
interface Engine {
  process: NativeEngineProcess;
  job?: Job;
}

/** How long an engine process may take to start (not counted against a call's timeout). */
const startupTimeoutMs = 60_000;

/**
 * The native CUE engine (core/cue/engine built for this machine, main_native.go): one
 * long-lived process per CUE line, started on the line's first call, answering one JSON
 * request per stdin line with one JSON answer per stdout line. Calls to a line are queued
 * and sent one at a time (the engine is sequential; interactive calls go first), so a call's
 * timeout counts from when its engine starts evaluating it. A call over its timeout, or
 * aborted while running, kills the process; a process that dies fails its call with
 * ECUE_CRASH; either way the next call starts a fresh one. The processes are unref'd, so an
 * idle pool never keeps a CLI from exiting. No compile of a 24 MB WebAssembly module per
 * process: what one-shot CLI commands pay for with {@link CuePool}.
 */
export class NativeCuePool implements CueRunner {
  readonly timeoutMs: number;
  readonly maxQueue: number;
  #engines = new Map<CueLine, Engine>();
  #queues = new Map<CueLine, Job[]>();
  #closed = false;

  constructor(options: NativeCuePoolOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxQueue = options.maxQueue ?? 1000;
  }

  /** Calls waiting for their line's engine. */
  get pending(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.length;
    return n;
  }

  /** See {@link CueRunner.run}; `group` is accepted and ignored (one caller, one process per line). */
  run(line: CueLine, request: string, options: CueRunOptions = {}): Promise<string> {
    const { signal, priority = 'batch' } = options;
    if (this.#closed) return Promise.reject(new VelahubError('ECUE_CLOSED', 'the CUE evaluator was shut down'));
    if (this.pending >= this.maxQueue) {
      return Promise.reject(new VelahubError('ECUE_BUSY', `the CUE evaluator queue is full (${this.maxQueue} waiting)`, { hint: 'retry later' }));
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<string>((outerResolve, outerReject) => {
      const queue = this.#queue(line);
      const onAbort = () => {
        const i = queue.indexOf(job);
        if (i >= 0) {
          queue.splice(i, 1);
          job.reject(abortError(signal!));
          return;
        }
        const engine = this.#engines.get(line);
        if (engine?.job === job) this.#kill(line, engine, abortError(signal!));
      };
      const job: Job = {
        request,
        priority,
        signal,
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          outerResolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          outerReject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Interactive calls wait only behind other interactive ones.
      const at = priority === 'interactive' ? queue.findIndex((j) => j.priority !== 'interactive') : -1;
      if (at >= 0) queue.splice(at, 0, job);
      else queue.push(job);
      this.#dispatch(line);
    });
  }

  /** Stops every engine process; pending calls are rejected with ECUE_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    const closed = () => new VelahubError('ECUE_CLOSED', 'the CUE evaluator was shut down');
    for (const queue of this.#queues.values()) for (const job of queue.splice(0)) job.reject(closed());
    await Promise.all([...this.#engines].map(([line, engine]) => this.#kill(line, engine, closed())));
  }

  #queue(line: CueLine): Job[] {
    let queue = this.#queues.get(line);
    if (!queue) this.#queues.set(line, (queue = []));
    return queue;
  }

  /** Sends the line's next call to its engine, starting the process when there is none. */
  #dispatch(line: CueLine): void {
    const queue = this.#queue(line);
    if (this.#closed || queue.length === 0) return;
    let engine = this.#engines.get(line);
    if (engine?.job) return;
    if (!engine) {
      try {
        engine = this.#spawn(line);
      } catch (err) {
        for (const job of queue.splice(0)) job.reject(err as Error);
        return;
      }
    }
    const job = queue.shift()!;
    engine.job = job;
    this.#arm(line, engine);
    // The engine reads its requests in order: this one starts when the probe (if any) is answered.
    engine.process.send(job.request);
  }

  #spawn(line: CueLine): Engine {
    const engine = {} as Engine;
    engine.process = new NativeEngineProcess(line, {
      onReady: () => {
        if (engine.job) this.#arm(line, engine);
      },
      onAnswer: (answer) => {
        const job = engine.job;
        if (!job) return;
        clearTimeout(job.timer);
        engine.job = undefined;
        job.resolve(answer);
        this.#dispatch(line);
      },
      onCrash: (how) => this.#fail(line, engine, new VelahubError('ECUE_CRASH', `the CUE evaluator crashed: ${how}`)),
    });
    this.#engines.set(line, engine);
    return engine;
  }

  /**
   * (Re)starts the timer of the engine's call: the call's own timeout once the engine is
   * evaluating it, a start-up bound while the process is still starting.
   */
  #arm(line: CueLine, engine: Engine): void {
    const job = engine.job!;
    const startupMs = Math.max(job.timeoutMs, startupTimeoutMs);
    clearTimeout(job.timer);
    job.timer = engine.process.ready
      ? setTimeout(() => this.#kill(line, engine, new VelahubError('ECUE_TIMEOUT', `CUE evaluation took longer than ${job.timeoutMs} ms and was stopped`, { hint: 'simplify the template or its parameters' })), job.timeoutMs)
      : setTimeout(() => this.#kill(line, engine, new VelahubError('ECUE_TIMEOUT', `the CUE evaluator did not start within ${startupMs} ms`)), startupMs);
  }

  /** Stops the engine process, failing its call with `reason`; the line's next call starts a new one. */
  #kill(line: CueLine, engine: Engine, reason: Error): Promise<void> {
    const exited = engine.process.kill();
    this.#fail(line, engine, reason);
    return exited;
  }

  #fail(line: CueLine, engine: Engine, reason: Error): void {
    const job = engine.job;
    engine.job = undefined;
    if (this.#engines.get(line) === engine) this.#engines.delete(line);
    if (job) {
      clearTimeout(job.timer);
      job.reject(reason);
    }
    this.#dispatch(line);
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new VelahubError('EABORTED', 'the CUE evaluation was cancelled');
}

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { VelahubError } from '../errors.ts';
import { enginePaths } from './engine-files.ts';
import { CUE_LINES, STABLE_LINE, type CueLine } from './lines.ts';

/** Options for {@link CuePool}. */
export interface CuePoolOptions {
  /** Worker threads to keep; each holds one CUE runtime at a time. */
  size?: number;
  /** Per-call limit; a call over it is killed with its worker. */
  timeoutMs?: number;
  /** Calls allowed to wait for a worker before new ones are refused. */
  maxQueue?: number;
  /**
   * Workers that batch calls (publishing, linting) may not take, so an
   * interactive call (a render from the docs page) never waits behind a
   * publish. The server keeps one; a CLI run keeps none.
   */
  reservedForInteractive?: number;
}

/** Interactive calls go first and may use every worker; batch calls leave the reserved ones free. */
export type CuePriority = 'interactive' | 'batch';

interface Job {
  line: CueLine;
  request: string;
  resolve: (r: string) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  priority: CuePriority;
}

interface Slot {
  worker: Worker;
  /** True once the worker has compiled CUE and can run a call right away. */
  ready: boolean;
  job?: Job & { id: number; timer?: NodeJS.Timeout };
}

/** How long a new worker may take to load CUE (not counted against a call's timeout). */
const startupTimeoutMs = 60_000;

const workerUrl = new URL('./cue-worker.mjs', import.meta.url);

const compiled = new Map<CueLine, WebAssembly.Module>();

/**
 * A line's engine, compiled once per process (on first use: about 0.1 s each)
 * and shared by every worker (V8 shares a module's compiled code between threads).
 */
function engineModule(line: CueLine): WebAssembly.Module {
  let module = compiled.get(line);
  if (!module) {
    const { wasm } = enginePaths(line);
    if (!existsSync(wasm)) {
      throw new VelahubError('ECUE_ENGINE_MISSING', `the CUE engine ${CUE_LINES[line].cue} is not built (${wasm} is missing)`, {
        hint: 'run `npm run build:cue` (npm install does it; it needs Go)',
      });
    }
    module = new WebAssembly.Module(readFileSync(wasm));
    compiled.set(line, module);
  }
  return module;
}

/**
 * A bounded pool of worker threads, each holding velahub's CUE engine (one Go
 * runtime per CUE line, started once). Each worker runs one request at a time;
 * a call that exceeds its timeout terminates its worker (the only way to stop
 * a running Go program) and a fresh one takes its place.
 */
export class CuePool {
  readonly size: number;
  readonly timeoutMs: number;
  readonly maxQueue: number;
  readonly reservedForInteractive: number;
  #slots: Slot[] = [];
  #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: CuePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxQueue = options.maxQueue ?? 1000;
    this.reservedForInteractive = Math.min(this.size - 1, Math.max(0, options.reservedForInteractive ?? 0));
  }

  /** Calls waiting for a free worker. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Sends one JSON request to the engine of `line`; resolves with its JSON
   * response. Aborting `signal` drops a waiting call, and stops a running one
   * with its worker.
   */
  run(line: CueLine, request: string, signal?: AbortSignal, priority: CuePriority = 'batch'): Promise<string> {
    if (this.#closed) return Promise.reject(new VelahubError('ECUE_CLOSED', 'the CUE evaluator was shut down'));
    if (this.#queue.length >= this.maxQueue) {
      return Promise.reject(
        new VelahubError('ECUE_BUSY', `the CUE evaluator queue is full (${this.maxQueue} waiting)`, {
          hint: 'retry later',
        }),
      );
    }
    return new Promise<string>((outerResolve, outerReject) => {
      // The listener goes when the call settles: a long-lived signal (a publish's budget) sees many calls.
      const onAbort = () => {
        const i = this.#queue.indexOf(job);
        if (i >= 0) {
          this.#queue.splice(i, 1);
          reject(abortError(signal!));
          return;
        }
        const slot = this.#slots.find((s) => s.job?.resolve === resolve);
        if (slot) this.#kill(slot, abortError(signal!));
      };
      const resolve = (r: string) => {
        signal?.removeEventListener('abort', onAbort);
        outerResolve(r);
      };
      const reject = (e: Error) => {
        signal?.removeEventListener('abort', onAbort);
        outerReject(e);
      };
      const job: Job = { line, request, resolve, reject, signal, priority };
      if (signal?.aborted) return reject(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** Stops every worker; pending calls are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new VelahubError('ECUE_CLOSED', 'the CUE evaluator was shut down'));
    await Promise.all(
      this.#slots.map(async (slot) => {
        clearTimeout(slot.job?.timer);
        slot.job?.reject(new VelahubError('ECUE_CLOSED', 'the CUE evaluator was shut down'));
        await slot.worker.terminate();
      }),
    );
    this.#slots = [];
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const batchRunning = this.#slots.filter((s) => s.job?.priority === 'batch').length;
      const batchAllowed = batchRunning < this.size - this.reservedForInteractive;
      const next = this.#queue.findIndex((j) => j.priority === 'interactive');
      const index = next >= 0 ? next : batchAllowed ? 0 : -1;
      if (index < 0) return;
      let slot = this.#slots.find((s) => !s.job);
      if (!slot && this.#slots.length < this.size) slot = this.#spawn();
      if (!slot) return;
      const job = this.#queue.splice(index, 1)[0]!;
      const id = this.#nextId++;
      slot.job = { ...job, id };
      this.#arm(slot);
      slot.worker.postMessage({ id, line: job.line, request: job.request });
    }
  }

  #spawn(): Slot {
    // The worker is plain JavaScript: it needs none of the parent's loader flags (`--import tsx`
    // would even fail to resolve once the process has changed its working folder).
    const worker = new Worker(workerUrl, {
      workerData: { modules: { [STABLE_LINE]: engineModule(STABLE_LINE) }, wasmExec: enginePaths(STABLE_LINE).wasmExec, warmLine: STABLE_LINE },
      execArgv: [],
    });
    worker.unref();
    const slot: Slot = { worker, ready: false };
    worker.on('message', (msg: { id: number; ready?: boolean; response?: string; error?: string; needModule?: CueLine }) => {
      if (msg.needModule) {
        try {
          worker.postMessage({ moduleLine: msg.needModule, module: engineModule(msg.needModule) });
        } catch (err) {
          worker.postMessage({ moduleLine: msg.needModule, moduleError: (err as Error).message });
        }
        return;
      }
      if (msg.ready) {
        slot.ready = true;
        if (slot.job) this.#arm(slot);
        return;
      }
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      clearTimeout(job.timer);
      slot.job = undefined;
      if (msg.error !== undefined) job.reject(new VelahubError('ECUE_CRASH', `the CUE evaluator failed: ${msg.error}`));
      else job.resolve(msg.response!);
      this.#dispatch();
    });
    worker.on('error', (err) => this.#kill(slot, new VelahubError('ECUE_CRASH', `the CUE evaluator crashed: ${err.message}`)));
    this.#slots.push(slot);
    return slot;
  }

  /**
   * (Re)starts the timer of the slot's job: the call's own timeout once the
   * worker is ready, a start-up bound while it is still loading CUE.
   */
  #arm(slot: Slot): void {
    const job = slot.job!;
    const startupMs = Math.max(this.timeoutMs, startupTimeoutMs);
    clearTimeout(job.timer);
    job.timer = slot.ready
      ? setTimeout(() => this.#kill(slot, new VelahubError('ECUE_TIMEOUT', `CUE evaluation took longer than ${this.timeoutMs} ms and was stopped`, { hint: 'simplify the template or its parameters' })), this.timeoutMs)
      : setTimeout(() => this.#kill(slot, new VelahubError('ECUE_TIMEOUT', `the CUE evaluator did not start within ${startupMs} ms`)), startupMs);
  }

  #kill(slot: Slot, reason: Error): void {
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(reason);
    }
    this.#slots = this.#slots.filter((s) => s !== slot);
    void slot.worker.terminate();
    this.#dispatch();
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new VelahubError('EABORTED', 'the CUE evaluation was cancelled');
}

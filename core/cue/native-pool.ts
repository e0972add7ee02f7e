import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { VelahubError } from '../errors.ts';
import { enginePaths } from './engine-files.ts';
import { CUE_LINES, type CueLine } from './lines.ts';
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
  child: ChildProcessWithoutNullStreams;
  /** False until the engine has answered its start-up probe (Go runtime and CUE loaded). */
  ready: boolean;
  job?: Job;
  /** Stdout not yet split into answers. */
  buffer: string;
  /** The end of stderr, for the message when the process dies. */
  stderr: string;
  /** Set when we stop it: its exit is then no crash. */
  stopping: boolean;
}

/** How long an engine process may take to start (not counted against a call's timeout). */
const startupTimeoutMs = 60_000;
const probe = JSON.stringify({ op: 'version' });

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
    await Promise.all(
      [...this.#engines].map(([line, engine]) => {
        const exited = new Promise<void>((resolve) => (engine.child.exitCode !== null || engine.child.signalCode !== null ? resolve() : engine.child.once('exit', () => resolve())));
        // Waiting for the exit needs the (unref'd) process to hold the event loop again.
        engine.child.ref();
        this.#kill(line, engine, closed());
        return exited;
      }),
    );
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
    // The engine reads its requests in order: this one starts when the probe (if any) is
    // answered. JSON text holds no raw newline, so the line ends the request.
    engine.child.stdin.write(job.request + '\n');
  }

  #spawn(line: CueLine): Engine {
    const { native } = enginePaths(line);
    if (!existsSync(native)) {
      throw new VelahubError('ECUE_ENGINE_MISSING', `the native CUE engine ${CUE_LINES[line].cue} is not built (${native} is missing)`, {
        hint: 'run `npm run build:cue` (it needs Go), or unset VELAHUB_CUE_ENGINE to use the WebAssembly engine',
      });
    }
    const child = spawn(native, [], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, GOGC: process.env.VELAHUB_CUE_GOGC || process.env.GOGC || '100' },
    });
    const engine: Engine = { child, ready: false, buffer: '', stderr: '', stopping: false };
    // An idle engine must not keep the process alive; a running call's timer does.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as Array<{ unref?: () => void }>) s.unref?.();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.#read(line, engine, chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (engine.stderr = (engine.stderr + chunk).slice(-4000)));
    // A write to an engine that died fails here; its exit reports the crash.
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => this.#died(line, engine, err.message));
    child.on('exit', (code, signal) => this.#died(line, engine, signal ? `killed by ${signal}` : `exit code ${code}`));
    child.stdin.write(probe + '\n');
    this.#engines.set(line, engine);
    return engine;
  }

  /** Splits stdout into answers: the probe's first, then one per call. */
  #read(line: CueLine, engine: Engine, chunk: string): void {
    engine.buffer += chunk;
    for (let nl = engine.buffer.indexOf('\n'); nl >= 0; nl = engine.buffer.indexOf('\n')) {
      const answer = engine.buffer.slice(0, nl);
      engine.buffer = engine.buffer.slice(nl + 1);
      if (!engine.ready) {
        engine.ready = true;
        if (engine.job) this.#arm(line, engine);
        continue;
      }
      const job = engine.job;
      if (!job) continue;
      clearTimeout(job.timer);
      engine.job = undefined;
      job.resolve(answer);
      this.#dispatch(line);
    }
  }

  /**
   * (Re)starts the timer of the engine's call: the call's own timeout once the engine is
   * evaluating it, a start-up bound while the process is still starting.
   */
  #arm(line: CueLine, engine: Engine): void {
    const job = engine.job!;
    const startupMs = Math.max(job.timeoutMs, startupTimeoutMs);
    clearTimeout(job.timer);
    job.timer = engine.ready
      ? setTimeout(() => this.#kill(line, engine, new VelahubError('ECUE_TIMEOUT', `CUE evaluation took longer than ${job.timeoutMs} ms and was stopped`, { hint: 'simplify the template or its parameters' })), job.timeoutMs)
      : setTimeout(() => this.#kill(line, engine, new VelahubError('ECUE_TIMEOUT', `the CUE evaluator did not start within ${startupMs} ms`)), startupMs);
  }

  /** Stops the engine process, failing its call with `reason`; the line's next call starts a new one. */
  #kill(line: CueLine, engine: Engine, reason: Error): void {
    engine.stopping = true;
    this.#fail(line, engine, reason);
    engine.child.kill('SIGKILL');
  }

  /** The process ended (or never started): a crash unless we stopped it. */
  #died(line: CueLine, engine: Engine, how: string): void {
    if (engine.stopping) return;
    engine.stopping = true;
    const stderr = engine.stderr.trim();
    this.#fail(line, engine, new VelahubError('ECUE_CRASH', `the CUE evaluator crashed: ${how}${stderr ? `: ${stderr}` : ''}`));
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

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { VelahubError } from '../errors.ts';
import { enginePaths } from './engine-files.ts';
import { CUE_LINES, type CueLine } from './lines.ts';

/** What a {@link NativeEngineProcess} reports to its owner. */
export interface NativeEngineEvents {
  /** The engine answered its start-up probe: a request written now is evaluated at once. */
  onReady: () => void;
  /** One answer, in the order the requests were written. */
  onAnswer: (answer: string) => void;
  /** The process ended (or never started) without {@link NativeEngineProcess.kill}: how, with its stderr's end. */
  onCrash: (how: string) => void;
}

const probe = JSON.stringify({ op: 'version' });

/**
 * One native engine process of a CUE line (core/cue/engine built for this machine,
 * main_native.go): reads one JSON request per stdin line, writes one JSON answer per stdout
 * line, in order. It is probed with a `version` request at start, so its owner can time a
 * call from when the engine starts on it and not from the Go runtime's start. Unref'd: an
 * idle process never keeps Node running, and it exits with its parent (its stdin closes).
 */
export class NativeEngineProcess {
  readonly line: CueLine;
  #child: ChildProcessWithoutNullStreams;
  #events: NativeEngineEvents;
  #ready = false;
  #buffer = '';
  #stderr = '';
  #ended = false;

  /** Starts the process; throws ECUE_ENGINE_MISSING when the line's native engine is not built. */
  constructor(line: CueLine, events: NativeEngineEvents) {
    this.line = line;
    this.#events = events;
    const { native } = enginePaths(line);
    if (!existsSync(native)) {
      throw new VelahubError('ECUE_ENGINE_MISSING', `the native CUE engine ${CUE_LINES[line].cue} is not built (${native} is missing)`, {
        hint: 'run `npm run build:cue` (it needs Go), or unset VELAHUB_CUE_ENGINE to use the WebAssembly engine',
      });
    }
    // Only what the Go runtime reads, as the WebAssembly engine gets: the server's environment
    // (database URL, cloud credentials) is none of the engine's business.
    const env = { GOGC: process.env.VELAHUB_CUE_GOGC || '100', ...(process.env.GOMAXPROCS ? { GOMAXPROCS: process.env.GOMAXPROCS } : {}) };
    const child = spawn(native, [], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.#child = child;
    // An idle engine must not keep the process alive; a running call's timer does.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as Array<{ unref?: () => void }>) s.unref?.();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.#read(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr = (this.#stderr + chunk).slice(-4000)));
    // A write to an engine that died fails here; its exit reports the crash.
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => this.#end(err.message));
    child.on('exit', (code, signal) => this.#end(signal ? `killed by ${signal}` : `exit code ${code}`));
    child.stdin.write(probe + '\n');
  }

  /** True once the start-up probe is answered. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The process id (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Writes one request; its answer comes through `onAnswer` after those written before it. */
  send(request: string): void {
    // JSON text holds no raw newline, so the line ends the request.
    this.#child.stdin.write(request + '\n');
  }

  /** Stops the process at once (SIGKILL: a running evaluation cannot be interrupted otherwise); resolves when it has exited. */
  kill(): Promise<void> {
    const child = this.#child;
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.#ended = true;
    // Waiting for the exit needs the (unref'd) process to hold the event loop again.
    child.ref();
    child.kill('SIGKILL');
    return exited.finally(() => child.unref());
  }

  #read(chunk: string): void {
    this.#buffer += chunk;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const answer = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      if (this.#ended) continue;
      if (!this.#ready) {
        this.#ready = true;
        this.#events.onReady();
      } else this.#events.onAnswer(answer);
    }
  }

  #end(how: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const stderr = this.#stderr.trim();
    this.#events.onCrash(`${how}${stderr ? `: ${stderr}` : ''}`);
  }
}

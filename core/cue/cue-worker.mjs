// Runs velahub's CUE engine for core/cue/pool.ts inside a worker thread. The engine is
// a Go program compiled to WebAssembly that registers one synchronous function and then
// waits; this worker starts it once per CUE line and calls it for every request, so no
// Go runtime starts per call. The modules arrive compiled from the main thread
// (workerData), so every worker shares one compiled copy.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';

// Go's own loader for js/wasm programs (defines globalThis.Go); it must be the copy from
// the Go that built the modules, which the build placed beside them.
runInThisContext(readFileSync(workerData.wasmExec, 'utf8'), { filename: 'wasm_exec.js' });

/** Past this much linear memory an engine is replaced after its call (Go's wasm heap never shrinks). */
const maxMemoryBytes = 1 << 30;
const engines = new Map();

const modules = { ...workerData.modules };
const moduleWaiters = new Map();

/** A line's compiled module: sent at start for the warm line, asked of the pool for the others. */
function moduleOf(line) {
  if (modules[line]) return Promise.resolve(modules[line]);
  if (!moduleWaiters.has(line)) {
    moduleWaiters.set(line, new Promise((resolve, reject) => moduleWaiters.set(`${line}:settle`, { resolve, reject })));
    parentPort.postMessage({ needModule: line });
  }
  return moduleWaiters.get(line);
}

async function engine(line) {
  let e = engines.get(line);
  if (e && !e.exited) return e;
  const module = await moduleOf(line);
  const go = new Go();
  const name = `velahubCue_${line.replace(/\W/g, '_')}_${Date.now()}`;
  go.argv = ['velahub-cue', name];
  go.env = { GOGC: process.env.VELAHUB_CUE_GOGC || '200' };
  e = { call: undefined, exited: false, memory: undefined };
  const instance = await WebAssembly.instantiate(module, go.importObject);
  e.memory = instance.exports.mem;
  const entry = e;
  go.run(instance).finally(() => {
    entry.exited = true;
  });
  // main() has run up to its final `select {}` by now: the function is registered.
  e.call = globalThis[name];
  if (typeof e.call !== 'function') throw new Error(`the CUE engine for ${line} did not start`);
  engines.set(line, e);
  return e;
}

// Start the lines the pool asks for (the stable one, or all) before taking work, one after
// the other: most calls need them, and they load while the first call is on its way.
const ready = (async () => {
  for (const line of workerData.warmLines) await engine(line).catch(() => undefined);
})();

parentPort.on('message', async ({ id, line, request, module, moduleLine, moduleError }) => {
  if (moduleLine) {
    const settle = moduleWaiters.get(`${moduleLine}:settle`);
    moduleWaiters.delete(`${moduleLine}:settle`);
    if (module) {
      modules[moduleLine] = module;
      settle?.resolve(module);
    } else {
      moduleWaiters.delete(moduleLine);
      settle?.reject(new Error(moduleError));
    }
    return;
  }
  await ready;
  try {
    const e = await engine(line);
    // The call's timeout starts now, so it measures the call and not an engine's start-up
    // (a line's engine starts on its first call in this worker).
    parentPort.postMessage({ id, started: true });
    const response = e.call(request);
    if (e.memory && e.memory.buffer.byteLength > maxMemoryBytes) engines.delete(line);
    parentPort.postMessage({ id, response });
  } catch (error) {
    engines.delete(line);
    parentPort.postMessage({ id, error: String(error && error.stack ? error.stack : error) });
  }
});

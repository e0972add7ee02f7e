/**
 * CUE bridge benchmark: per-definition time of schema extraction (inspect) and of a render
 * with default parameters, median over repeated runs on the bundled addons' real definitions,
 * and the throughput of the worker pool with 1 worker (baseline) against 2 workers.
 *
 *   npx tsx bench/cue.ts [--runs 3]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { CuePool } from '../core/cue/pool.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const addonsDir = new URL('../addons/', import.meta.url).pathname;

/** Minimal parameters so required fields are set for the render. */
const minimal: Record<string, unknown> = {
  'stateless-component': { image: 'nginx:1.27' },
  'stateful-component': { image: 'postgres:16' },
  'helm-component': { url: 'https://charts.bitnami.com/bitnami', chart: 'redis' },
  'bizworks-ingress': { route: [{ port: 8080, ingressName: 'web', domain: 'example.com' }] },
  'hpa-trait': {},
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function definitions(): Promise<Array<{ name: string; file: string; source: string }>> {
  const out = [];
  for (const addon of (await readdir(addonsDir)).sort()) {
    const dir = join(addonsDir, addon, 'definitions');
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const f of files.filter((x) => x.endsWith('.cue'))) out.push({ name: f.replace(/\.cue$/, ''), file: `${addon}/definitions/${f}`, source: await readFile(join(dir, f), 'utf8') });
  }
  return out;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const defs = await definitions();
const cue = new CueEvaluator(new CuePool({ size: 1 }));
const coldStart = await timeIt(() => cue.inspect(defs[0]!.source, defs[0]!.file));
console.log(`CUE bridge benchmark — ${defs.length} definitions, median of ${runs} runs, 1 worker`);
console.log(`first call (worker start + WASM compile + inspect): ${coldStart.toFixed(0)} ms\n`);
console.log('definition               inspect (ms)   render (ms)');
const allInspect: number[] = [];
const allRender: number[] = [];
for (const d of defs) {
  const inspect: number[] = [];
  const render: number[] = [];
  for (let i = 0; i < runs; i++) {
    inspect.push(await timeIt(() => cue.inspect(d.source, d.file)));
    render.push(await timeIt(() => cue.render(d.source, d.file, { parameters: minimal[d.name] ?? {} })));
  }
  allInspect.push(median(inspect));
  allRender.push(median(render));
  console.log(`${d.name.padEnd(24)} ${median(inspect).toFixed(0).padStart(12)} ${median(render).toFixed(0).padStart(13)}`);
}
console.log(`${'median'.padEnd(24)} ${median(allInspect).toFixed(0).padStart(12)} ${median(allRender).toFixed(0).padStart(13)}`);
await cue.close();

// Throughput: every definition rendered 2 times concurrently, 1 worker (baseline) vs 2 workers.
for (const size of [1, 2]) {
  const ev = new CueEvaluator(new CuePool({ size }));
  await Promise.all(Array.from({ length: size }, () => ev.render(defs[0]!.source, defs[0]!.file, { parameters: minimal[defs[0]!.name] ?? {} })));
  const jobs = [...defs, ...defs];
  const ms = await timeIt(() => Promise.all(jobs.map((d) => ev.render(d.source, d.file, { parameters: minimal[d.name] ?? {} }))));
  console.log(`\npool of ${size} worker(s): ${jobs.length} renders in ${ms.toFixed(0)} ms = ${((jobs.length / ms) * 1000).toFixed(2)} renders/s${size === 1 ? ' (baseline)' : ''}`);
  await ev.close();
}

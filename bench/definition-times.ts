/**
 * Per-definition CUE times at publish, to choose the per-definition limit
 * (core/package/inspect.ts, `defaultCueBudget.definitionMs`) from real definitions: every
 * definition file (CUE, and Definition CRs converted to CUE) and every parameter.cue of the
 * bundled addons and of the KubeVela community catalog, evaluated uncached as publish
 * evaluates them — one engine call per CUE line, the kept line with the named #Defs too.
 * Per file and run the slower of the two lines counts; the table shows each file's median and
 * maximum over the runs, by median, then the limit against the catalog's slowest. The first
 * call of a worker runs cold (V8 still compiling the engine's code): the first run's figures
 * are in the maximum, and the machine's load shows there too.
 *
 *   npx tsx bench/definition-times.ts [--runs 3] [--top 15]
 *
 * Figures of 2026-12-04 (2 cores shared with Go builds, so slower than an idle server, 5 runs):
 * bench/README.md.
 */
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { CuePool } from '../core/cue/pool.ts';
import { CUE_LINES, type CueLine } from '../core/cue/lines.ts';
import { crToDefinitionCue } from '../core/package/definition-cr.ts';
import { textOf } from '../core/package/files.ts';
import { roleOf } from '../core/package/layout.ts';
import { readFolder } from '../core/package/read-folder.ts';
import { defaultCueBudget } from '../core/package/inspect.ts';
import { bundledAddonsDir } from '../test/support/bundled.ts';
import { catalogDir } from '../test/support/catalog.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const runs = flag('--runs', 3);
const top = flag('--top', 15);

interface Item {
  file: string;
  source: string;
  kind: 'definition' | 'parameter';
  from: 'bundled' | 'catalog';
}

/** Every CUE source publish evaluates in the addons under `root`. */
async function items(root: string, from: Item['from']): Promise<Item[]> {
  const out: Item[] = [];
  const addons = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const addon of addons) {
    const files = await readFolder(join(root, addon));
    for (const path of [...files.keys()].sort()) {
      const role = roleOf(path);
      const text = textOf(files, path)!;
      if (role === 'definition-cue') out.push({ file: `${addon}/${path}`, source: text, kind: 'definition', from });
      else if (role === 'parameter') out.push({ file: `${addon}/${path}`, source: text, kind: 'parameter', from });
      else if (role === 'definition-yaml') {
        try {
          out.push({ file: `${addon}/${path}`, source: crToDefinitionCue(text, path).cue, kind: 'definition', from });
        } catch {
          // A Terraform definition or a malformed CR: no CUE for the engine to evaluate.
        }
      }
    }
  }
  return out;
}

const all = [...(await items(bundledAddonsDir, 'bundled')), ...(catalogDir ? await items(catalogDir, 'catalog') : [])];
if (!catalogDir) console.log('no catalog snapshot on this machine (set VELAHUB_CATALOG): bundled addons only\n');

// One worker: each call has the engine to itself, as a publish's call has its worker.
const cue = new CueEvaluator(new CuePool({ size: 1, timeoutMs: 120_000 }));
const lines = Object.keys(CUE_LINES) as CueLine[];
for (const line of lines) await cue.version(line);

const results: Array<{ item: Item; median: number; max: number; line: CueLine; failed: number }> = [];
for (const item of all) {
  const perRun: number[] = [];
  let worst = { ms: 0, line: lines[0]! };
  let failed = 0;
  for (let run = 0; run < runs; run++) {
    let slower = 0;
    for (const line of lines) {
      const t = performance.now();
      try {
        if (item.kind === 'parameter') await cue.parameterFileSchema(item.source, item.file, { line });
        else await cue.inspectUncached(item.source, item.file, { line, refs: true });
      } catch {
        // Refusals cost time too (a line refusing list addition still evaluated the file).
        failed++;
      }
      const ms = performance.now() - t;
      slower = Math.max(slower, ms);
      if (ms > worst.ms) worst = { ms, line };
    }
    perRun.push(slower);
  }
  perRun.sort((a, b) => a - b);
  results.push({ item, median: perRun[Math.floor(perRun.length / 2)]!, max: worst.ms, line: worst.line, failed });
}
await cue.close();

const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
results.sort((a, b) => b.median - a.median);
console.log(`per file, the slower of ${lines.join(' and ')}: median and maximum over ${runs} runs; ${results.length} files, slowest ${top} by median:`);
console.log(`${'median'.padStart(9)} ${'max'.padStart(9)}  line   file`);
for (const r of results.slice(0, top)) {
  console.log(`${ms(r.median)} ${ms(r.max)}  ${r.line.padEnd(5)}  ${r.item.from === 'bundled' ? '(bundled) ' : ''}${r.item.file}${r.failed ? `  (refused ${r.failed}×)` : ''}`);
}
const catalog = results.filter((r) => r.item.from === 'catalog');
const slowest = catalog[0] ?? results[0]!;
const worstMax = results.reduce((a, b) => (b.max > a.max ? b : a));
const limit = defaultCueBudget.definitionMs;
console.log(`\nslowest catalog file: ${slowest.item.file}, median ${slowest.median.toFixed(0)} ms, max ${slowest.max.toFixed(0)} ms`);
console.log(`slowest single call of the run: ${worstMax.max.toFixed(0)} ms (${worstMax.item.file}, ${worstMax.line})`);
console.log(`per-definition limit ${limit} ms = ${(limit / slowest.median).toFixed(0)}× the catalog's slowest median, ${(limit / slowest.max).toFixed(1)}× its max, ${(limit / worstMax.max).toFixed(1)}× the run's slowest call`);

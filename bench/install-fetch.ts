/**
 * Install-fetch benchmark: what the installer spends to get one addon version ready to render —
 * download, sha256, unpack, and its manifest — from a velahub registry on 127.0.0.1, seeded with
 * addons/ plus a few catalog addons (when the snapshot is on this machine), in the same run:
 *
 *   trusted    the manifest the registry stored at publish, used because its digest is the
 *              verified archive's (the default)
 *   evaluated  every definition's CUE evaluated again (`--verify`, and any registry that is not
 *              velahub)
 *
 * Each run uses a new fetcher and a new evaluator (no remembered inspections) over one warm CUE
 * pool, so "evaluated" is the CUE work of an install, not the WASM start.
 *
 *   npx tsx bench/install-fetch.ts [--runs 5]
 */
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { CuePool } from '../core/cue/pool.ts';
import { AddonFetcher } from '../installer/fetch-addon.ts';
import { readRegistryIndex } from '../installer/registry-index.ts';
import { startTestRegistry } from '../test/support/installer-registry.ts';
import { catalogDir, packCatalogAddon } from '../test/support/catalog.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
/** Catalog addons with CUE definitions of various sizes. */
const catalogSample = ['fluxcd', 'kruise-rollout', 'o11y-definitions', 'vela-workflow'];

const ms = (t: number) => `${t.toFixed(0)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

console.log(`Install-fetch benchmark — Node ${process.version}, ${runs} runs per addon and path`);
const t0 = performance.now();
const registry = await startTestRegistry();
if (catalogDir) for (const name of catalogSample) await registry.publishArchive((await packCatalogAddon(name)).data);
console.log(`setup: registry seeded with addons/${catalogDir ? ` and ${catalogSample.join(', ')} from the catalog` : ' (no catalog snapshot; set VELAHUB_CATALOG for more)'} in ${ms(performance.now() - t0)}\n`);

const pool = new CuePool();
try {
  const source = registry.source('bench');
  const snapshot = await readRegistryIndex(source);
  const candidates = [...snapshot.addons.values()].map((versions) => versions[0]!);
  // Warm the CUE workers once, so no path pays the WASM start.
  await new AddonFetcher(new CueEvaluator(pool), [source], { verify: true }).fetch(candidates[0]!);

  const fetchOnce = async (candidate: (typeof candidates)[number], verify: boolean) => {
    const t = performance.now();
    const fetched = await new AddonFetcher(new CueEvaluator(pool), [source], { verify }).fetch(candidate);
    return { elapsed: performance.now() - t, definitions: fetched.manifest.definitions.length };
  };

  console.log(`${'addon'.padEnd(24)} ${'defs'.padStart(4)} ${'trusted'.padStart(10)} ${'evaluated'.padStart(10)} ${'saved'.padStart(10)}`);
  let trustedTotal = 0;
  let evaluatedTotal = 0;
  for (const c of candidates) {
    const trusted: number[] = [];
    const evaluated: number[] = [];
    let definitions = 0;
    // Interleaved, so drift (GC, the machine's load) falls on both paths alike.
    for (let i = 0; i < runs; i++) {
      trusted.push((await fetchOnce(c, false)).elapsed);
      const e = await fetchOnce(c, true);
      evaluated.push(e.elapsed);
      definitions = e.definitions;
    }
    const [tm, em] = [median(trusted), median(evaluated)];
    trustedTotal += tm;
    evaluatedTotal += em;
    console.log(`${`${c.name} ${c.version}`.padEnd(24)} ${String(definitions).padStart(4)} ${ms(tm).padStart(10)} ${ms(em).padStart(10)} ${ms(em - tm).padStart(10)}`);
  }
  console.log(`${'all (sum of medians)'.padEnd(29)} ${ms(trustedTotal).padStart(10)} ${ms(evaluatedTotal).padStart(10)} ${ms(evaluatedTotal - trustedTotal).padStart(10)}`);
  console.log(`\nevaluated / trusted: ${(evaluatedTotal / trustedTotal).toFixed(1)}×; saved per addon on average: ${ms((evaluatedTotal - trustedTotal) / candidates.length)}`);
} finally {
  await pool.close();
  await registry.close();
}

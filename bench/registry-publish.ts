/**
 * Publish latency against catalog size: "publishing cost must not grow with the catalog".
 *
 * For each catalog size N (default 10 and 2,000 versions) a fresh registry (PGlite on disk, blobs
 * in a temp dir) is filled to N versions with generated metadata-only addons (no definitions, so
 * no CUE calls: what is measured is the registry's own work — unpack, validate, blob write with
 * fsync, SQL transaction), then further publishes are timed one by one through `publishArchive`:
 * a new version of an existing addon, and a brand-new addon. Right after each timed publish,
 * `indexYaml()` is timed too (the first read after a change concatenates the precomputed
 * entries), then once more (served from memory).
 *
 *   npx tsx bench/registry-publish.ts [--sizes 10,2000] [--samples 40] [--versions-per-addon 10] [--fill-concurrency 4]
 *
 * The timed publishes run one at a time. Most of a publish is durability (the blob's fsync and
 * the database commit), so absolute figures follow the disk and the machine's load; compare the
 * rows of one run, not runs across machines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packFiles } from '../core/package/archive.ts';
import { publishArchive } from '../registry/publish.ts';
import { openRegistry, type Registry } from '../registry/registry.ts';
import type { TokenRecord } from '../registry/store/records.ts';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,2000' },
    samples: { type: 'string', default: '40' },
    'versions-per-addon': { type: 'string', default: '10' },
    'fill-concurrency': { type: 'string', default: '4' },
  },
});
const sizes = args.sizes.split(',').map(Number);
const samples = Number(args.samples);
const perAddon = Number(args['versions-per-addon']);
const fillConcurrency = Number(args['fill-concurrency']);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !(samples >= 1) || !(perAddon >= 1) || !(fillConcurrency >= 1)) {
  console.error('usage: npx tsx bench/registry-publish.ts [--sizes 10,2000] [--samples 40] [--versions-per-addon 10] [--fill-concurrency 4]');
  process.exit(2);
}

const admin: TokenRecord = { id: 'bench', description: 'publish benchmark', scope: 'admin', pattern: null, createdAt: new Date(0).toISOString(), revokedAt: null };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A small metadata-only addon archive (metadata.yaml + README.md, Chart.yaml added by packFiles). */
function addonArchive(name: string, version: string): Uint8Array {
  const description = `Generated addon ${name} for the publish benchmark`;
  const files = new Map([
    ['metadata.yaml', text(`name: ${name}\nversion: ${version}\ndescription: ${description}\ntags: [Bench, Generated]\nsystem:\n  vela: ">=1.6.0"\n  kubernetes: ">=1.22"\n`)],
    ['README.md', text(`# ${name}\n\n${description}, version ${version}.\n`)],
  ]);
  return packFiles(name, files, { name, version, description }).data;
}

const ms = (t0: number): number => performance.now() - t0;
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

interface Row {
  size: number;
  kind: string;
  before: number;
  after: number;
  publish: number[];
  indexCold: number[];
  indexWarm: number[];
  indexBytes: number;
}

async function publish(registry: Registry, name: string, version: string): Promise<void> {
  const r = await publishArchive(registry, addonArchive(name, version), admin);
  if (r.status !== 'created') throw new Error(`${name}@${version} was not created: ${r.status}`);
}

async function measure(size: number): Promise<{ rows: Row[]; fillMs: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'velahub-bench-publish-'));
  const registry = await openRegistry({ dataDir });
  try {
    // Fill: addons fill-0000.. with `perAddon` versions each (1.0.0, 1.0.1, ...), N versions in all.
    // A few publishes in flight (different names never conflict) overlap the blob fsyncs.
    const t0 = performance.now();
    let nextFill = 0;
    let filled = 0;
    const filler = async (): Promise<void> => {
      for (let i = nextFill++; i < size; i = nextFill++) {
        await publish(registry, `fill-${String(Math.floor(i / perAddon)).padStart(4, '0')}`, `1.0.${i % perAddon}`);
        if (++filled % 250 === 0) process.stderr.write(`  filled ${filled}/${size} versions (${(ms(t0) / 1000).toFixed(0)} s)\n`);
      }
    };
    await Promise.all(Array.from({ length: fillConcurrency }, filler));
    const fillMs = ms(t0);
    await registry.indexYaml();
    const addonsInFill = Math.ceil(size / perAddon);

    const kinds: Array<{ kind: string; next: (i: number) => [string, string] }> = [
      // New versions of existing addons, round robin: the addon already has up to `perAddon` versions.
      { kind: 'new version', next: (i) => [`fill-${String(i % addonsInFill).padStart(4, '0')}`, `1.1.${Math.floor(i / addonsInFill)}`] },
      { kind: 'new addon', next: (i) => [`new-${String(i).padStart(4, '0')}`, '1.0.0'] },
    ];
    const rows: Row[] = [];
    for (const { kind, next } of kinds) {
      const row: Row = { size, kind, before: await registry.store.countVersions(), after: 0, publish: [], indexCold: [], indexWarm: [], indexBytes: 0 };
      for (let i = 0; i < samples; i++) {
        const [name, version] = next(i);
        let t = performance.now();
        await publish(registry, name, version);
        row.publish.push(ms(t));
        t = performance.now();
        const index = await registry.indexYaml();
        row.indexCold.push(ms(t));
        t = performance.now();
        await registry.indexYaml();
        row.indexWarm.push(ms(t));
        row.indexBytes = index.text.length;
      }
      row.after = await registry.store.countVersions();
      rows.push(row);
    }
    return { rows, fillMs };
  } finally {
    await registry.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

console.log(`velahub publish benchmark: ${samples} timed publishes of each kind per catalog size, metadata-only addons, PGlite on disk`);
console.log(`(node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
const all: Row[] = [];
for (const size of sizes) {
  process.stderr.write(`catalog of ${size} versions: filling...\n`);
  const { rows, fillMs } = await measure(size);
  process.stderr.write(`  filled in ${(fillMs / 1000).toFixed(1)} s (${(fillMs / size).toFixed(1)} ms per publish)\n`);
  all.push(...rows);
}

const f = (x: number): string => x.toFixed(1);
const header = ['catalog (versions)', 'publish kind', 'publish p50 ms', 'publish p95 ms', 'index.yaml 1st read p50 ms', 'p95 ms', 'index.yaml cached p50 ms', 'index.yaml KiB'];
const table = all.map((r) => [
  `${r.before} → ${r.after}`,
  r.kind,
  f(quantile(r.publish, 0.5)),
  f(quantile(r.publish, 0.95)),
  f(quantile(r.indexCold, 0.5)),
  f(quantile(r.indexCold, 0.95)),
  f(quantile(r.indexWarm, 0.5)),
  (r.indexBytes / 1024).toFixed(0),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));

const p50At = (size: number): number => quantile(all.filter((r) => r.size === size).flatMap((r) => r.publish), 0.5);
if (sizes.length > 1) {
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
  console.log(`\npublish p50 at ${large} versions / at ${small} versions: ${(p50At(large) / p50At(small)).toFixed(2)}x`);
}

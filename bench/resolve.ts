/**
 * Resolver benchmark: time of core/resolve on a generated registry of 1,000 addons × 20 versions
 * (seeded random dependencies with caret, KubeVela comma and open ranges; some versions yanked,
 * deprecated or needing a newer KubeVela), for several request shapes, median and p95 over
 * repeated runs. The baseline, measured in the same run, is the same shapes on a 100-addon graph
 * generated the same way: the ratio shows how the resolver scales with the catalog.
 *
 *   npx tsx bench/resolve.ts [--runs 25] [--seed 42] [--skew 0.02] [--max-steps N]
 */
import { VelahubError } from '../core/errors.ts';
import { resolve } from '../core/resolve/resolve.ts';
import type { Candidate, ClusterFacts, RegistrySnapshot, Requested, ResolveInput } from '../core/resolve/types.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('runs', 25);
const seed = arg('seed', 42);
/** Catalogs to run: a consistent one (every range on the same major line) and one with skew. */
const skewArg = process.argv.indexOf('--skew');
const skews = skewArg > 0 ? [Number(process.argv[skewArg + 1])] : [0, 0.02];
/** The resolver's search bound; its own default (200,000 steps) unless given. */
const maxSteps = arg('max-steps', 0) || undefined;

/** mulberry32: a small seeded PRNG, so every run benchmarks the same graph. */
function prng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The 20 versions of every addon: majors 1–4 × minors 0–4. */
const versions = [1, 2, 3, 4].flatMap((major) => [0, 1, 2, 3, 4].map((minor) => `${major}.${minor}.0`));

/**
 * A registry of `count` addons × 20 versions. Dependencies point to addons with a higher index
 * (a DAG, like real catalogs; the last tenth are leaves), 0–2 per major line (3 for the first
 * ten, platform addons like bizworks-platform), shared by the
 * versions of that major. Like a catalog released in step, major M mostly needs major M of its
 * dependencies; `skew` of the ranges name another major, which is what makes shared
 * dependencies conflict. Range shapes vary (caret, KubeVela comma form, open, none). About 2% of
 * versions are yanked, 3% deprecated, and a fifth of the x.4.0 versions need KubeVela >= 1.11
 * (the cluster runs 1.10).
 */
function generate(count: number, rnd: () => number, skew: number): RegistrySnapshot {
  const name = (i: number) => `addon-${String(i).padStart(4, '0')}`;
  const addons = new Map<string, Candidate[]>();
  for (let i = 0; i < count; i++) {
    const list: Candidate[] = [];
    const depsByMajor = new Map<number, Candidate['dependencies']>();
    for (const major of [1, 2, 3, 4]) {
      const n = i >= count - count / 10 ? 0 : i < 10 ? 3 : Math.floor(rnd() * 3);
      const deps: Candidate['dependencies'] = [];
      for (let k = 0; k < n; k++) {
        const span = Math.min(count - i - 1, 60);
        const target = name(i + 1 + Math.floor(rnd() * span));
        if (deps.some((d) => d.name === target)) continue;
        const m = rnd() < skew ? 1 + Math.floor(rnd() * 4) : major;
        const shape = rnd();
        const range = shape < 0.5 ? `^${m}.0.0` : shape < 0.8 ? `>=${m}.${Math.floor(rnd() * 3)}.0, <${m + 1}.0.0` : shape < 0.95 ? `>=${m}.0.0` : undefined;
        deps.push(range ? { name: target, range } : { name: target });
      }
      depsByMajor.set(major, deps);
    }
    for (const version of versions) {
      const [major, minor] = version.split('.').map(Number) as [number, number];
      list.push({
        name: name(i),
        version,
        registry: 'bench',
        digest: `sha256:${(i * 100 + major * 10 + minor).toString(16).padStart(64, '0')}`,
        url: `http://bench/charts/${name(i)}-${version}.tgz`,
        dependencies: depsByMajor.get(major)!,
        system: { vela: minor === 4 && rnd() < 0.2 ? '>=1.11.0' : '>=1.6.0', kubernetes: '>=1.19' },
        deprecated: rnd() < 0.03 ? 'superseded' : undefined,
        yanked: rnd() < 0.02,
        definitions: [{ name: name(i), type: 'trait' }],
      });
    }
    addons.set(name(i), list);
  }
  return { name: 'bench', addons };
}

interface Shape {
  name: string;
  input: (count: number) => Omit<ResolveInput, 'registries'>;
}

const cluster = (installed: ClusterFacts['installed'] = []): ClusterFacts => ({ name: 'bench', velaVersion: 'v1.10.3', kubernetesVersion: 'v1.30.2-eks-1234', installed });
const pick = (count: number, n: number, s: number): Requested[] => {
  const r = prng(s);
  const set = new Set<number>();
  while (set.size < n) set.add(Math.floor(r() * Math.max(count - 10, 1)));
  return [...set].map((i) => ({ name: `addon-${String(i).padStart(4, '0')}` }));
};
const installedSet = (count: number, n: number): ClusterFacts['installed'] => pick(count, n, 7).map((r) => ({ name: r.name, version: '1.2.0', registry: 'bench' }));

const shapes: Shape[] = [
  { name: 'one leaf addon', input: (count) => ({ requested: [{ name: `addon-${String(count - 1).padStart(4, '0')}` }], cluster: cluster() }) },
  { name: 'one platform addon (deep closure)', input: () => ({ requested: [{ name: 'addon-0000' }], cluster: cluster() }) },
  { name: 'one platform addon, range ^2.0.0', input: () => ({ requested: [{ name: 'addon-0000', range: '^2.0.0' }], cluster: cluster() }) },
  { name: 'all 10 platform addons', input: () => ({ requested: Array.from({ length: 10 }, (_, i) => ({ name: `addon-${String(i).padStart(4, '0')}` })), cluster: cluster() }) },
  { name: '10 random roots', input: (count) => ({ requested: pick(count, 10, 1), cluster: cluster() }) },
  { name: '50 random roots', input: (count) => ({ requested: pick(count, Math.min(50, count - 10), 2), cluster: cluster() }) },
  { name: '10 roots, 10% installed (kept)', input: (count) => ({ requested: pick(count, 10, 1), cluster: cluster(installedSet(count, count / 10)) }) },
  { name: '10 roots, 10% installed, upgrade all', input: (count) => ({ requested: pick(count, 10, 1), cluster: cluster(installedSet(count, count / 10)), upgrade: true }) },
];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** Times one shape on one graph: the outcome (plan size or error code) and the timings. */
function measure(registry: RegistrySnapshot, count: number, shape: Shape): { outcome: string; median: number; p95: number } {
  const input = { ...shape.input(count), registries: [registry], maxSteps };
  const once = (): string => {
    try {
      return `${resolve(input).steps.length} addons`;
    } catch (err) {
      if (err instanceof VelahubError) return err.code === 'ERESOLVE' ? `ERESOLVE (${(err.data as { conflicts: string[] }).conflicts.length} conflicts)` : err.code;
      throw err;
    }
  };
  const outcome = once(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    once();
    times.push(performance.now() - t);
  }
  return { outcome, median: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

const catalogs = skews.map((sk) => {
  const t = performance.now();
  const big = generate(1000, prng(seed), sk);
  const small = generate(100, prng(seed), sk);
  return { skew: sk, big, small, ms: performance.now() - t };
});

console.log(`Resolver benchmark — seed ${seed}, ${runs} runs per shape after one warm-up, search bound ${maxSteps ?? "the resolver's default"} steps, Node ${process.version}`);
for (const { skew: sk, big, small, ms } of catalogs) {
  const edges = [...big.addons.values()].reduce((n, vs) => n + vs.reduce((m, v) => m + v.dependencies.length, 0), 0);
  console.log(`\ncatalog: 1,000 addons × ${versions.length} versions = ${1000 * versions.length} candidates, ${edges} dependency edges, ${(sk * 100).toFixed(0)}% of ranges on another major; baseline: 100 addons × ${versions.length} generated the same way (${ms.toFixed(0)} ms to generate both)`);
  const header = `${'request shape'.padEnd(40)} ${'outcome (1,000)'.padEnd(24)} ${'median ms'.padStart(10)} ${'p95 ms'.padStart(9)}   ${'baseline (100)'.padEnd(24)} ${'median ms'.padStart(10)} ${'p95 ms'.padStart(9)} ${'ratio'.padStart(7)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const shape of shapes) {
    const b = measure(small, 100, shape);
    const r = measure(big, 1000, shape);
    const ratio = b.median > 0 ? r.median / b.median : NaN;
    console.log(
      `${shape.name.padEnd(40)} ${r.outcome.padEnd(24)} ${r.median.toFixed(2).padStart(10)} ${r.p95.toFixed(2).padStart(9)}   ${b.outcome.padEnd(24)} ${b.median.toFixed(2).padStart(10)} ${b.p95.toFixed(2).padStart(9)} ${(ratio.toFixed(1) + '×').padStart(7)}`,
    );
  }
}

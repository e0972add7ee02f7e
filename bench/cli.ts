/**
 * The CLI as authors and CI jobs run it: each command a whole process (start-up, module
 * loading, CUE engine start and exit included), its wall time a median over the runs after one
 * warm-up, its peak memory: the resident sets of the whole process tree (the CLI and its
 * native engine processes) summed, sampled every 20 ms from /proc, or GNU time's largest
 * single process where the sampling saw less (or /proc is missing). The commands that evaluate
 * CUE run once per engine (VELAHUB_CUE_ENGINE=wasm and =native, when the native one is built):
 * the CLI's default is the native engine where it is built.
 * Beside them the real `vela version`, the yardstick, when the tests built it. The CLI runs
 * compiled (dist/ is rebuilt first, as `npm install` builds it); `--source` runs the TypeScript
 * sources through tsx instead, as velahub ran before it had a build step.
 *
 *   npx tsx bench/cli.ts [--runs 5] [--source] [--engine wasm|native]
 *
 * Targets (issue #25, this 2-core machine): --version ≤ 150 ms, show of one definition
 * ≤ 400 ms and ≤ 150 MiB, lint of the bundled addons ≤ 2 s.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.ts';
import { CUE_ENGINE_ENV } from '../core/cue/engine-choice.ts';
import { CUE_LINES, type CueLine } from '../core/cue/lines.ts';
import { nativeEngineCurrent } from '../core/cue/native-build.ts';
import { buildDist } from '../scripts/build-dist.ts';

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
const fromSource = args.includes('--source');
const velaBinary = '/root/.cache/velahub-testenv-tools/kubevela@v1.10.9/vela';
const gnuTime = '/usr/bin/time';

interface Case {
  label: string;
  argv: string[];
  env?: Record<string, string>;
  targetMs?: number;
  targetMiB?: number;
}

interface Run {
  ms: number;
  mib?: number;
  code: number | null;
  stderr: string;
}

const velahub = fromSource ? [process.execPath, '--import', 'tsx', 'cli/main.ts'] : [process.execPath, 'bin/velahub.js'];
const addons = readdirSync(join(packageRoot, 'addons'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => `addons/${e.name}`)
  .sort();

const engineArg = args.includes('--engine') ? args[args.indexOf('--engine') + 1] : undefined;
const nativeBuilt = (Object.keys(CUE_LINES) as CueLine[]).every(nativeEngineCurrent);
const engines = (['wasm', 'native'] as const).filter((e) => (engineArg ? e === engineArg : e === 'wasm' || nativeBuilt));

/** One case per engine for a command that evaluates CUE. */
const perEngine = (c: Case): Case[] => engines.map((e) => ({ ...c, label: `${c.label} [${e}]`, env: { [CUE_ENGINE_ENV]: e } }));

const cases: Case[] = [
  { label: 'velahub --version', argv: [...velahub, '--version'], targetMs: 150 },
  ...perEngine({ label: 'velahub show addons/hpa-trait hpa-trait', argv: [...velahub, 'show', 'addons/hpa-trait', 'hpa-trait'], targetMs: 400, targetMiB: 150 }),
  ...perEngine({ label: `velahub lint addons/* (${addons.length})`, argv: [...velahub, 'lint', ...addons], targetMs: 2000 }),
  ...perEngine({ label: 'velahub render addons/bizworks-ingress', argv: [...velahub, 'render', 'addons/bizworks-ingress', 'bizworks-ingress', '--set', 'route[0].port=8080'] }),
  ...(existsSync(velaBinary) ? [{ label: 'vela version (yardstick)', argv: [velaBinary, 'version'] }] : []),
];

/** Every process's parent and resident set (KiB), from /proc. */
function processTable(): Map<number, { ppid: number; rssKiB: number }> {
  const table = new Map<number, { ppid: number; rssKiB: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the command name: state, ppid, …, rss (in pages) is the 22nd of them.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(d), { ppid: Number(fields[1]), rssKiB: (Number(fields[21]) * pageBytes) / 1024 });
    } catch {
      // the process ended while we read
    }
  }
  return table;
}
const pageBytes = 4096;

/**
 * Samples the summed resident set of `root`'s descendants (and of `root` unless it is GNU
 * time, which only waits) every 20 ms; `stop` gives the peak in MiB.
 */
function sampleTree(root: number, countRoot: boolean): () => number | undefined {
  if (!existsSync('/proc/self/stat')) return () => undefined;
  let peak = 0;
  const sample = () => {
    const table = processTable();
    const tree = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, p] of table) if (!tree.has(pid) && tree.has(p.ppid)) (tree.add(pid), (grew = true));
    }
    if (!countRoot) tree.delete(root);
    let kib = 0;
    for (const pid of tree) kib += table.get(pid)?.rssKiB ?? 0;
    peak = Math.max(peak, kib);
  };
  const timer = setInterval(sample, 20);
  return () => {
    clearInterval(timer);
    return peak / 1024;
  };
}

/** Runs argv once from the package folder: wall time, and peak memory when GNU time can report it. */
function once(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'velahub-bench-cli-'));
  const memFile = join(dir, 'peak');
  const withTime = existsSync(gnuTime) ? [gnuTime, '-f', '%M', '-o', memFile, ...argv] : argv;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(withTime[0]!, withTime.slice(1), { cwd: packageRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    const stopSampling = sampleTree(child.pid!, withTime === argv);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const tree = stopSampling();
      const kib = existsSync(memFile) ? Number(readFileSync(memFile, 'utf8').trim().split('\n').at(-1)) : NaN;
      rmSync(dir, { recursive: true, force: true });
      const single = Number.isFinite(kib) ? kib / 1024 : undefined;
      resolve({ ms, mib: tree === undefined && single === undefined ? undefined : Math.max(tree ?? 0, single ?? 0), code, stderr });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

if (!fromSource) {
  const t = performance.now();
  await buildDist();
  console.log(`built dist/ in ${Math.round(performance.now() - t)} ms; velahub runs compiled (bin/velahub.js → dist/velahub.js)`);
} else {
  console.log('velahub runs from its TypeScript sources through tsx (--source)');
}
console.log(`${runs} runs per command after one warm-up; wall time is the median [min–max]; peak: the process tree's resident memory, median`);
console.log(`engines: ${engines.join(', ')}${nativeBuilt ? '' : ' (the native engine is not built: npm run build:cue)'}\n`);

const rows: string[][] = [];
for (const c of cases) {
  await once(c.argv, c.env);
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) results.push(await once(c.argv, c.env));
  const failed = results.find((r) => r.code !== 0);
  const ms = results.map((r) => r.ms);
  const mibs = results.flatMap((r) => (r.mib === undefined ? [] : [r.mib]));
  const wall = median(ms);
  const peak = mibs.length ? median(mibs) : undefined;
  const verdicts = [
    c.targetMs === undefined ? '' : `${wall <= c.targetMs ? 'meets' : 'misses'} ≤ ${c.targetMs} ms`,
    c.targetMiB === undefined || peak === undefined ? '' : `${peak <= c.targetMiB ? 'meets' : 'misses'} ≤ ${c.targetMiB} MiB`,
  ].filter(Boolean);
  rows.push([
    c.label,
    `${Math.round(wall)} ms [${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))}]`,
    peak === undefined ? '-' : `${peak.toFixed(0)} MiB`,
    failed ? `FAILED (exit ${failed.code}): ${failed.stderr.trim().split('\n')[0]}` : verdicts.join(', ') || '-',
  ]);
}

const headers = ['COMMAND', 'WALL (median)', 'PEAK', 'TARGET'];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const r of [headers, ...rows]) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));

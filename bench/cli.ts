/**
 * The CLI as authors and CI jobs run it: each command a whole process (start-up, module
 * loading, CUE engine start and exit included), its wall time a median over the runs after one
 * warm-up, its peak memory (the largest resident set, from GNU time when /usr/bin/time exists).
 * Beside them the real `vela version`, the yardstick, when the tests built it. The CLI runs
 * compiled (dist/ is rebuilt first, as `npm install` builds it); `--source` runs the TypeScript
 * sources through tsx instead, as velahub ran before it had a build step.
 *
 *   npx tsx bench/cli.ts [--runs 5] [--source]
 *
 * Targets (issue #25, this 2-core machine): --version ≤ 150 ms, show of one definition
 * ≤ 400 ms and ≤ 150 MiB, lint of the bundled addons ≤ 2 s.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.ts';
import { buildDist } from '../scripts/build-dist.ts';

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
const fromSource = args.includes('--source');
const velaBinary = '/root/.cache/velahub-testenv-tools/kubevela@v1.10.9/vela';
const gnuTime = '/usr/bin/time';

interface Case {
  label: string;
  argv: string[];
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

const cases: Case[] = [
  { label: 'velahub --version', argv: [...velahub, '--version'], targetMs: 150 },
  { label: 'velahub show addons/hpa-trait hpa-trait', argv: [...velahub, 'show', 'addons/hpa-trait', 'hpa-trait'], targetMs: 400, targetMiB: 150 },
  { label: `velahub lint addons/* (${addons.length})`, argv: [...velahub, 'lint', ...addons], targetMs: 2000 },
  { label: 'velahub render addons/bizworks-ingress', argv: [...velahub, 'render', 'addons/bizworks-ingress', 'bizworks-ingress', '--set', 'route[0].port=8080'] },
  ...(existsSync(velaBinary) ? [{ label: 'vela version (yardstick)', argv: [velaBinary, 'version'] }] : []),
];

/** Runs argv once from the package folder: wall time, and peak memory when GNU time can report it. */
function once(argv: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'velahub-bench-cli-'));
  const memFile = join(dir, 'peak');
  const withTime = existsSync(gnuTime) ? [gnuTime, '-f', '%M', '-o', memFile, ...argv] : argv;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(withTime[0]!, withTime.slice(1), { cwd: packageRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const kib = existsSync(memFile) ? Number(readFileSync(memFile, 'utf8').trim().split('\n').at(-1)) : NaN;
      rmSync(dir, { recursive: true, force: true });
      resolve({ ms, mib: Number.isFinite(kib) ? kib / 1024 : undefined, code, stderr });
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
console.log(`${runs} runs per command after one warm-up; wall time is the median [min–max]\n`);

const rows: string[][] = [];
for (const c of cases) {
  await once(c.argv);
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) results.push(await once(c.argv));
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

/**
 * Unpack benchmark: time and peak memory of core/package's unpackArchive on a 50 MB archive (the
 * largest a registry accepts: incompressible files up to the size limits) and on the 61 KB gzip
 * bomb of issue 13 (a valid tar followed by ~64 MiB of zeros), which must be refused in well
 * under a second with a peak RSS under 100 MB above idle. The baseline, measured in the same run,
 * is plain gunzip of the same bytes with nothing kept: the floor any unpacker pays for reading
 * the whole input.
 *
 * Each case runs in its own child process, so the peak RSS (the kernel's maxrss) belongs to that
 * case alone; "idle" is the child's RSS after loading the code and reading the input file, and
 * the peak is the kernel's maxrss when the work raised it, else the highest RSS sampled meanwhile.
 *
 *   npx tsx bench/unpack.ts [--runs 3]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip, gzipSync } from 'node:zlib';
import { packFiles, unpackArchive } from '../core/package/archive.ts';
import { isVelahubError } from '../core/errors.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/** One measurement, printed by a child as JSON. */
interface Figure {
  ms: number;
  idleMb: number;
  peakAboveIdleMb: number;
  outcome: string;
}

const mb = (bytes: number) => bytes / (1024 * 1024);

/** In a child: reads the input, then runs one mode on it and prints a Figure. */
async function child(mode: string, file: string): Promise<void> {
  const data = readFileSync(file);
  globalThis.gc?.();
  const idle = process.memoryUsage().rss;
  // The kernel's maxrss also holds start-up peaks (loading the code); when the work does not
  // raise it, the work's own peak comes from sampling RSS while it runs.
  const maxBefore = process.resourceUsage().maxRSS * 1024;
  let sampled = idle;
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 1);
  const t0 = performance.now();
  let outcome: string;
  if (mode === 'unpack') {
    try {
      const { files } = await unpackArchive(data);
      outcome = `accepted, ${files.size} files`;
    } catch (err) {
      outcome = isVelahubError(err) ? `refused ${err.code}` : `crashed: ${(err as Error).message}`;
    }
  } else {
    outcome = await new Promise<string>((resolve, reject) => {
      let n = 0;
      const g = createGunzip();
      g.on('data', (c: Buffer) => (n += c.length));
      g.on('end', () => resolve(`${(mb(n)).toFixed(1)} MB decompressed`));
      g.on('error', reject);
      g.end(data);
    });
  }
  const ms = performance.now() - t0;
  clearInterval(sampler);
  sampled = Math.max(sampled, process.memoryUsage().rss);
  const maxAfter = process.resourceUsage().maxRSS * 1024;
  const peak = maxAfter > maxBefore ? maxAfter : sampled;
  const figure: Figure = { ms, idleMb: mb(idle), peakAboveIdleMb: Math.max(0, mb(peak - idle)), outcome };
  process.stdout.write(JSON.stringify(figure));
}

/** The largest accepted package: 6 incompressible files of 8 MB under one top folder. */
function bigArchive(): Buffer {
  const files = new Map<string, Uint8Array>([['metadata.yaml', Buffer.from('name: big\nversion: 1.0.0\n')]]);
  for (let i = 0; i < 6; i++) files.set(`resources/blob-${i}.bin`, randomBytes(8 * 1024 * 1024));
  return packFiles('big', files, { name: 'big', version: '1.0.0' }).data;
}

/** Issue 13's bomb: a one-file tar, its end marker, then zeros that gzip squeezes to ~61 KB. */
function bomb(): Buffer {
  const tar = packFiles('bomb', new Map([['metadata.yaml', Buffer.from('name: bomb\nversion: 1.0.0\n')]]), { name: 'bomb', version: '1.0.0' }).data;
  const plain = Buffer.concat([gunzipAll(tar), Buffer.alloc(62 * 1024 * 1024)]);
  return gzipSync(plain, { level: 9 });
}

function gunzipAll(data: Buffer): Buffer {
  return execFileSync('gzip', ['-dc'], { input: data, maxBuffer: 1 << 30 });
}

function runChild(mode: string, file: string): Figure {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as Figure;
}

async function main(): Promise<void> {
  const runs = arg('runs', 3);
  const dir = mkdtempSync(join(tmpdir(), 'velahub-bench-unpack-'));
  try {
    const inputs = [
      { name: '50 MB archive', data: bigArchive() },
      { name: 'gzip bomb', data: bomb() },
    ];
    console.log(`unpackArchive, ${runs} runs per case (median; each run a fresh process)\n`);
    console.log(['case', 'input', 'mode', 'time ms', 'idle RSS MB', 'peak above idle MB', 'outcome'].join(' | '));
    for (const input of inputs) {
      const file = join(dir, `${input.name.replace(/\W+/g, '-')}.tgz`);
      writeFileSync(file, input.data);
      for (const mode of ['unpack', 'gunzip (baseline)']) {
        const figures = Array.from({ length: runs }, () => runChild(mode === 'unpack' ? 'unpack' : 'gunzip', file)).sort((a, b) => a.ms - b.ms);
        const mid = figures[Math.floor(figures.length / 2)]!;
        const peak = Math.max(...figures.map((f) => f.peakAboveIdleMb));
        console.log([input.name, `${(input.data.length / 1024).toFixed(0)} KB`, mode, mid.ms.toFixed(1), mid.idleMb.toFixed(0), `${peak.toFixed(1)} (max of runs)`, mid.outcome].join(' | '));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0) await child(process.argv[childAt + 1]!, process.argv[childAt + 2]!);
else await main();

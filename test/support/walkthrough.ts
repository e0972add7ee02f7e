/**
 * A README walk-through as the tests run it: the ```shell blocks of one README section, in
 * order, each run as written by bash (`set -euo pipefail`) with the environment the test gives.
 * The README is the single source: a test or bench that runs these blocks proves the
 * documentation works as written.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './bundled.ts';

/** One ```shell block of a walk-through. */
export interface WalkthroughStep {
  /** The block's first comment line without `# N. ` and up to its first colon, e.g. "Charts". */
  title: string;
  /** The block's text, run by bash as written. */
  script: string;
}

/** The ```shell blocks under the README heading `heading` (up to the next heading of its level or above). */
export async function readWalkthrough(heading: string, readme = join(repoRoot, 'README.md')): Promise<WalkthroughStep[]> {
  const text = await readFile(readme, 'utf8');
  const lines = text.split('\n');
  // A heading is a `#` line outside fenced code (a shell comment inside a block is not one).
  let fenced = false;
  const levels = lines.map((l) => {
    if (l.startsWith('```')) fenced = !fenced;
    return !fenced && /^#+ /.test(l) ? /^#+/.exec(l)![0].length : 0;
  });
  const start = lines.findIndex((l, i) => levels[i]! > 0 && l.replace(/^#+ /, '') === heading);
  if (start < 0) throw new Error(`${readme} has no heading "${heading}"`);
  const end = levels.findIndex((lv, i) => i > start && lv > 0 && lv <= levels[start]!);
  const body = lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
  return [...body.matchAll(/^```shell\n([\s\S]*?)^```$/gm)].map((m) => {
    const script = m[1]!;
    const title = (/^#\s*(?:\d+\.\s*)?([^:\n]*)/m.exec(script)?.[1] ?? script.split('\n')[0]!).trim();
    return { title, script };
  });
}

/** What running one step printed and how it ended. */
export interface StepRun {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs one step with bash in `cwd` (the repository by default), `env` added to this process's. */
export function runStep(step: WalkthroughStep, env: NodeJS.ProcessEnv, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<StepRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${step.script}`], { cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (c: Buffer): void => void (output = (output + c.toString()).slice(-100_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: performance.now() - started });
    });
  });
}

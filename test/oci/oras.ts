/**
 * The real oras CLI (oras.land/oras, built from its module by test/cluster/module-tools.ts) with
 * its credentials store in a temp dir of its own: the machine's Docker config is never read or
 * written.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeModuleToolProgress, ensureModuleTool } from '../cluster/module-tools.ts';

/** An oras with an isolated home. */
export interface OrasClient {
  /** The temp working folder (oras's cwd and HOME). */
  work: string;
  /** Runs oras; rejects with its stderr when it exits non-zero. */
  run(args: string[]): Promise<{ stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** oras built from its module (cached), in a fresh temp folder; each run may take `timeoutMs`. */
export async function startOrasClient(opts: { prefix: string; timeoutMs: number }): Promise<OrasClient> {
  const dir = await ensureModuleTool('oras', { onProgress: (p) => console.error(`[oras] ${describeModuleToolProgress('oras', p)}`) });
  const oras = join(dir, 'oras');
  const work = await mkdtemp(join(tmpdir(), opts.prefix));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work, DOCKER_CONFIG: join(work, 'docker'), NO_PROXY: '127.0.0.1' };
  return {
    work,
    run: (args) =>
      new Promise((resolve, reject) => {
        execFile(oras, args, { env, cwd: work, timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`oras ${args.join(' ')} failed: ${err.message}\n${stderr}`));
          else resolve({ stdout, stderr });
        });
      }),
    close: () => rm(work, { recursive: true, force: true }),
  };
}

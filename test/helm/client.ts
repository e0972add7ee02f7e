/**
 * The real helm CLI for the Helm compatibility tests, with its homes (cache, config, data) and
 * working folder in a temp dir of its own: the machine's repositories are never touched, and no
 * HELM_* or KUBECONFIG from the caller leaks in.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeHelmProgress, ensureHelm } from './build.ts';

/** A helm with isolated homes. */
export interface HelmClient {
  /** The temp working folder (helm's cwd and HOME). */
  work: string;
  /** helm's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Runs helm; rejects with its stderr when it exits non-zero. */
  run(args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Removes the working folder. */
  close(): Promise<void>;
}

/**
 * $VELAHUB_HELM, else helm built from test/helm/go.mod (a cold build takes minutes and shows its
 * progress), in a fresh temp folder named `<prefix>…`; each run may take `timeoutMs`.
 */
export async function startHelmClient(opts: { prefix: string; timeoutMs: number }): Promise<HelmClient> {
  const helm = process.env.VELAHUB_HELM ?? (await ensureHelm({ onProgress: (p) => console.error(`[helm] ${describeHelmProgress(p)}`) }));
  const work = await mkdtemp(join(tmpdir(), opts.prefix));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: work,
    HELM_CACHE_HOME: join(work, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(work, 'helm', 'config'),
    HELM_DATA_HOME: join(work, 'helm', 'data'),
    KUBECONFIG: join(work, 'no-kubeconfig'),
    NO_PROXY: '127.0.0.1',
  };
  return {
    work,
    env,
    run: (args) =>
      new Promise((resolve, reject) => {
        execFile(helm, args, { env, cwd: work, timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`helm ${args.join(' ')} failed: ${err.message}\n${stderr}`));
          else resolve({ stdout, stderr });
        });
      }),
    close: () => rm(work, { recursive: true, force: true }),
  };
}

/**
 * Runs the real `vela` CLI (built by the test runner from KubeVela's module) against the KubeVela
 * test cluster, with a HOME of its own so nothing of the user's ~/.vela is read or written.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeVelaTestCluster } from '../cluster/env.ts';
import type { CliResult } from './cli.ts';

const home = mkdtempSync(join(tmpdir(), 'velahub-vela-home-'));

/** Runs `vela ...args`; never rejects on a non-zero exit (the caller asserts on the result). */
export function vela(cluster: Pick<KubeVelaTestCluster, 'vela' | 'kubeconfigPath'>, args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cluster.vela, args, {
      env: { PATH: process.env.PATH ?? '', HOME: home, KUBECONFIG: cluster.kubeconfigPath, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 180_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A run's output for an assertion message. */
export function describeVela(args: string[], r: CliResult): string {
  return `vela ${args.join(' ')} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

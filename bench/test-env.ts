/**
 * Test-environment benchmark: the README's "A test environment in minutes" walk-through, run as
 * written (the same blocks its test runs) on a clean KubeVela cluster with Pods on a kwok node,
 * the real vela-core, and the fluxcd addon's Flux (2.1) running out of cluster. Prints each
 * block's time and `test environment ready in N s`: from a clean cluster until every HelmRelease
 * is Ready and every Pod Running (blocks 1-3, with Flux's start). The BizWorks report's figure for
 * the same is 15 minutes; the yardstick measured in the same run is plain `helm install --wait`
 * of the same two charts from the same repository, on the same cluster (no KubeVela, no Flux).
 *
 *   npx tsx bench/test-env.ts
 */
import { execFile } from 'node:child_process';
import { startTestEnvironment, ensureTestEnvironmentTools, TEST_ENVIRONMENT_HEADING } from '../test/cluster/test-environment.ts';
import { KUBEVELA_VERSION } from '../test/cluster/module-tools.ts';
import { readWalkthrough, runStep } from '../test/support/walkthrough.ts';

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const steps = await readWalkthrough(TEST_ENVIRONMENT_HEADING);
console.log(`Test-environment benchmark — the README walk-through (${steps.length} blocks), Node ${process.version}`);
let t = performance.now();
const tools = await ensureTestEnvironmentTools();
const toolsMs = performance.now() - t;
t = performance.now();
const envt = await startTestEnvironment({ name: 'bench-testenv', tools });
console.log(`setup (not counted): tools ${s(toolsMs)}; clean KubeVela cluster (kwok node, vela-core ${KUBEVELA_VERSION}) and registry started in ${s(performance.now() - t)}\n`);

let failed = false;
try {
  /** Blocks 1-3: from a clean cluster until every HelmRelease is Ready and every Pod Running. */
  let ready = 0;
  for (const [i, step] of steps.entries()) {
    const r = await runStep(step, envt.env);
    let extra = '';
    if (i === 0 && r.code === 0) {
      // The fluxcd addon's Pods run no container on kwok's node: its Flux starts here instead.
      const f = performance.now();
      await envt.startAddonFlux();
      const fluxMs = performance.now() - f;
      r.ms += fluxMs;
      extra = ` (with Flux 2.1's controllers started in ${s(fluxMs)})`;
    }
    console.log(`${String(i + 1).padStart(2)}. ${step.title.padEnd(16)} ${s(r.ms).padStart(8)}${extra}`);
    if (r.code !== 0) {
      console.log(`    exited ${r.code}:\n${r.output.split('\n').slice(-30).join('\n')}`);
      failed = true;
      break;
    }
    if (i <= 2) ready += r.ms;
  }

  // Yardstick: the same two charts with plain helm, into a namespace of their own.
  if (!failed) {
    const helm = (...args: string[]) =>
      new Promise<void>((resolve, reject) =>
        execFile(tools.helm, args, { env: { ...process.env, ...envt.env } }, (err, _out, stderr) => (err ? reject(new Error(`helm ${args.join(' ')}: ${stderr}`)) : resolve())),
      );
    const h = performance.now();
    await helm('repo', 'add', 'velahub', `${envt.registry.url}/helm`);
    for (const chart of ['web-shop', 'cache']) await helm('install', chart, `velahub/${chart}`, '--version', '1.0.0', '--namespace', 'helm-yardstick', '--create-namespace', '--wait', '--timeout', '5m');
    console.log(`yardstick: helm install --wait of the same two charts (no KubeVela, no Flux): ${s(performance.now() - h)}`);
    console.log(`(blocks 1-3: platform enabled, charts pushed, every HelmRelease Ready and every Pod Running; the report's figure: 15 min)`);
    console.log(`test environment ready in ${(ready / 1000).toFixed(0)} s`);
  }
} finally {
  await envt.stop();
}
process.exit(failed ? 1 : 0);

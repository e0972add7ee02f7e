/**
 * `npm run cluster [-- --count 2] [--api-only] [--bare] [--flux] [--rollouts]`: throwaway
 * clusters for poking at by hand, the same as the tests get: by default each runs workloads
 * (controllers, scheduler, kwok nodes) and the real KubeVela (chart + vela-core); `--api-only`
 * gives the controller-less planes (with KubeVela's CRDs, unless `--bare`); `--flux` runs Flux
 * 2.7's source- and helm-controller, with its CRDs, against each (as
 * test/kubevela/flux-oci.test.ts does); `--rollouts` runs Kruise Rollout's controller against each (as
 * test/kubevela/rollout.test.ts does). Prints the
 * kubeconfig, kubectl and vela to use, then runs until Ctrl-C and cleans up.
 */
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeProgress, ensureBinaries } from './build.ts';
import { startControlPlane, writeKubeconfig, type ControlPlane } from './control-plane.ts';
import { CONTEXT_NAMES, prepareCluster } from './prepare.ts';
import { FLUX_TOOLS, ensureFlux, startFlux } from './flux.ts';
import { startKubeVelaCluster } from './kubevela-cluster.ts';
import { describeModuleToolProgress, ensureKubeVela, ensureKwok, ensureModuleTool, FLUX_RELEASES, ROLLOUTS_VERSION } from './module-tools.ts';
import { ensureRollouts, ROLLOUTS_FEATURE_GATES, startRollouts } from './rollouts.ts';
import { ensureHelm, describeHelmProgress } from '../helm/build.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1' },
    bare: { type: 'boolean', default: false },
    'api-only': { type: 'boolean', default: false },
    flux: { type: 'boolean', default: false },
    rollouts: { type: 'boolean', default: false },
  },
});
if (values.rollouts && (values['api-only'] || values.bare)) {
  console.error('--rollouts needs a cluster that runs workloads: leave out --api-only and --bare');
  process.exit(2);
}
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || count > CONTEXT_NAMES.length) {
  console.error(`--count "${values.count}" is not a whole number from 1 to ${CONTEXT_NAMES.length}`);
  process.exit(2);
}

const planes: ControlPlane[] = [];
const controllers: Array<{ stop(): Promise<void> }> = [];
let stopping = false;
const keepAlive = setInterval(() => {}, 1 << 30);
const shutdown = async (code: number): Promise<never> => {
  if (!stopping) {
    stopping = true;
    console.error('\nstopping...');
    await Promise.allSettled(controllers.map((c) => c.stop()));
    await Promise.allSettled(planes.map((p) => p.stop()));
    clearInterval(keepAlive);
  }
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const bins = await ensureBinaries({ onProgress: (p) => console.error(describeProgress(p)) });
  const apiOnly = values['api-only'] || values.bare;
  const kubevela = apiOnly ? undefined : await ensureKubeVela({ onProgress: (p) => console.error(describeModuleToolProgress('kubevela', p)) });
  const kwok = apiOnly ? undefined : await ensureKwok({ onProgress: (p) => console.error(describeModuleToolProgress('kwok', p)) });
  const helm = apiOnly ? undefined : await ensureHelm({ onProgress: (p) => console.error(`helm: ${describeHelmProgress(p)}`) });
  const t0 = Date.now();
  const names = CONTEXT_NAMES.slice(0, count);
  // Each plane is recorded as soon as it is up, so Ctrl-C during the start stops it too.
  await Promise.all(
    names.map(async (name) => {
      if (kubevela && kwok && helm) {
        console.error(`${name}: starting the control plane, controllers, kwok, KubeVela's chart and vela-core`);
        planes.push(await startKubeVelaCluster({ name, tools: { binaries: bins, helm, kubevela, kwok } }));
      } else {
        const p = await startControlPlane({ name, binaries: bins });
        planes.push(p);
        if (!values.bare) await prepareCluster(p.kubeconfig);
      }
    }),
  );
  const upIn = ((Date.now() - t0) / 1000).toFixed(1);
  if (values.flux) {
    for (const tool of FLUX_TOOLS['2.7']) await ensureModuleTool(tool, { onProgress: (p) => console.error(describeModuleToolProgress(tool, p)) });
    const tools = await ensureFlux('2.7');
    for (const p of planes) controllers.push(await startFlux(p.kubeconfig, p.kubeconfigPath, tools));
    console.log(`Flux 2.7's source-controller ${FLUX_RELEASES['2.7'].sourceController} and helm-controller ${FLUX_RELEASES['2.7'].helmController} run against each cluster`);
  }
  if (values.rollouts) {
    const tools = await ensureRollouts({ onProgress: (p) => console.error(describeModuleToolProgress('rollouts', p)) });
    for (const p of planes) controllers.push(await startRollouts(p.kubeconfig, p.kubeconfigPath, tools));
    console.log(`Kruise Rollout ${ROLLOUTS_VERSION} runs against each cluster (feature gates ${ROLLOUTS_FEATURE_GATES})`);
  }
  const kubeconfig = join(dirname(planes[0]!.kubeconfigPath), 'all-clusters.kubeconfig');
  await writeKubeconfig(kubeconfig, planes);
  console.log(`${count} control plane(s) ${planes[0]!.version} up in ${upIn}s`);
  for (const p of planes) console.log(`  context ${p.name}: ${p.server}`);
  console.log(`kubeconfig: ${kubeconfig}`);
  console.log(`kubectl:    ${bins.kubectl}`);
  if (kubevela) console.log(`vela:       ${kubevela.vela}`);
  console.log('');
  console.log(`export KUBECONFIG=${kubeconfig}`);
  console.log(`alias kubectl=${bins.kubectl}`);
  if (kubevela) console.log(`alias vela=${kubevela.vela}`);
  console.log('');
  console.log('Press Ctrl-C to stop and delete everything.');
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await shutdown(1);
}

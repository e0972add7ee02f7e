/**
 * A cluster as KubeVela users have one: the control plane, kube-controller-manager,
 * kube-scheduler and kwok (Pods run on a fake node), KubeVela's chart, and the real vela-core.
 */
import { ensureBinaries, type Binaries } from './build.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { installKubeVelaChart, startVelaCore } from './kubevela.ts';
import { ensureKubeVela, ensureKwok, type KubeVelaTools, type KwokTools } from './module-tools.ts';
import { startWorkloads } from './workloads.ts';
import { ensureHelm } from '../helm/build.ts';

/** The binaries a KubeVela cluster runs, as the runner has already built them. */
export interface KubeVelaClusterTools {
  binaries: Binaries;
  helm: string;
  kubevela: KubeVelaTools;
  kwok: KwokTools;
}

/** Context name of the KubeVela cluster in the runner's kubeconfig. */
export const KUBEVELA_CONTEXT = 'velahub-kv';

/** Builds (or finds cached) everything a KubeVela cluster needs. */
export async function ensureKubeVelaClusterTools(): Promise<KubeVelaClusterTools> {
  const binaries = await ensureBinaries();
  const helm = await ensureHelm();
  return { binaries, helm, kubevela: await ensureKubeVela(), kwok: await ensureKwok() };
}

/** Starts a plane that runs workloads and KubeVela; stop() ends vela-core and the controllers first. */
export async function startKubeVelaCluster(opts: { name?: string; tools?: KubeVelaClusterTools } = {}): Promise<ControlPlane & { vela: string }> {
  const tools = opts.tools ?? (await ensureKubeVelaClusterTools());
  const plane = await startControlPlane({ name: opts.name ?? KUBEVELA_CONTEXT, binaries: tools.binaries });
  try {
    await startWorkloads(plane, tools);
    await installKubeVelaChart(plane, { helm: tools.helm, kubectl: tools.binaries.kubectl, kubevela: tools.kubevela });
    await startVelaCore(plane, tools.kubevela);
    return { ...plane, vela: tools.kubevela.vela };
  } catch (err) {
    await plane.stop();
    throw err;
  }
}

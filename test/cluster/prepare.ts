/**
 * The shape every test cluster has, shared by the runner, the cluster CLI and test files that
 * start their own planes: context names, and KubeVela's CRDs plus a vela-core stand-in.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { installKubeVelaCrds, installVelaCoreStandIn } from './fixtures.ts';

/** The variable the runner sets to the kubeconfig holding every started plane. */
export const KUBECONFIG_ENV = 'VELAHUB_TEST_KUBECONFIG';

/** Context names of the planes, in order: the first test cluster is velahub-a. */
export const CONTEXT_NAMES = ['velahub-a', 'velahub-b', 'velahub-c', 'velahub-d'] as const;

/** KubeVela version the vela-core stand-in reports. */
export const STAND_IN_VELA_VERSION = '1.10.3';

/** Readies a bare plane the way every test expects to find it. */
export async function prepareCluster(kc: KubeConfig): Promise<void> {
  await installKubeVelaCrds(kc);
  await installVelaCoreStandIn(kc, STAND_IN_VELA_VERSION);
}

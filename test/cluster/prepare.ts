/**
 * The shape every API-only test plane has, shared by the runner, the cluster CLI and test files
 * that start their own planes: context names, KubeVela's own CRDs (from its chart), and a record
 * of a vela-core Deployment. No controller runs there: the installer tests that drive an
 * Application's status by hand run on these; the KubeVela cluster (kubevela-cluster.ts) runs the
 * real vela-core.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { installVelaCoreStandIn } from './fixtures.ts';
import { installKubeVelaCrds } from './kubevela.ts';

/** The variable the runner sets to the kubeconfig holding every started plane. */
export const KUBECONFIG_ENV = 'VELAHUB_TEST_KUBECONFIG';

/** The variable the runner sets to the KubeVela cluster's own kubeconfig (one context, current). */
export const KUBEVELA_KUBECONFIG_ENV = 'VELAHUB_KUBEVELA_KUBECONFIG';

/** The variable the runner sets to the real `vela` CLI it built. */
export const VELA_ENV = 'VELAHUB_VELA';

/** The variable the runner sets to the planes' kubectl. */
export const KUBECTL_ENV = 'VELAHUB_KUBECTL';

/** Context names of the planes, in order: the first test cluster is velahub-a. */
export const CONTEXT_NAMES = ['velahub-a', 'velahub-b', 'velahub-c', 'velahub-d'] as const;

/** KubeVela version the vela-core stand-in reports. */
export const STAND_IN_VELA_VERSION = '1.10.3';

/** Readies a bare plane the way every test expects to find it. */
export async function prepareCluster(kc: KubeConfig): Promise<void> {
  await installKubeVelaCrds(kc);
  await installVelaCoreStandIn(kc, STAND_IN_VELA_VERSION);
}

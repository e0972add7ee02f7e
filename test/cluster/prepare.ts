/**
 * The shape every API-only test plane has, shared by the runner, the cluster CLI and test files
 * that start their own planes: context names, KubeVela's own CRDs and vela-core Deployment (both
 * from its chart). No controller runs there: the installer tests that drive an
 * Application's status by hand run on these; the KubeVela cluster (kubevela-cluster.ts) runs the
 * real vela-core.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { installKubeVelaCrds, installVelaCoreDeployment, VELA_SYSTEM } from './kubevela.ts';
import { KUBEVELA_VERSION } from './module-tools.ts';

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

/** Readies a bare plane the way every test expects to find it. */
export async function prepareCluster(kc: KubeConfig): Promise<void> {
  await installKubeVelaCrds(kc);
  await installVelaCoreDeployment(kc, VELA_SYSTEM, KUBEVELA_VERSION);
}

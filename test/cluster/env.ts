/**
 * How a test file gets its clusters. Under `npm test` the runner has already started two control
 * planes and exported VELAHUB_TEST_KUBECONFIG; a test file run alone
 * (`node --import tsx --test some.test.ts`) starts its own, and stops them when it ends.
 * Either way the clusters are shared, so tests isolate themselves with `uniqueNamespace()`.
 *
 * Only test files import this module: importing it registers a node:test hook.
 */
import { after } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { TestEnvError } from './errors.ts';
import { CONTEXT_NAMES, KUBECONFIG_ENV, KUBECTL_ENV, KUBEVELA_KUBECONFIG_ENV, VELA_ENV, prepareCluster } from './prepare.ts';

export { CONTEXT_NAMES, KUBECONFIG_ENV, KUBEVELA_KUBECONFIG_ENV, VELA_ENV, prepareCluster } from './prepare.ts';

/**
 * `count` clusters as KubeConfigs (current context = velahub-a, velahub-b, ...), each with the
 * KubeVela CRDs and vela-system. Call it at the top of a test file or in `before`.
 */
export async function testClusters(count = 1): Promise<KubeConfig[]> {
  const file = process.env[KUBECONFIG_ENV];
  return file ? fromRunner(file, count) : startedHere(count);
}

function fromRunner(file: string, count: number): KubeConfig[] {
  return CONTEXT_NAMES.slice(0, count).map((context) => {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    if (!kc.getContextObject(context)) {
      throw new TestEnvError(
        'TESTENV_NO_CLUSTER',
        `${KUBECONFIG_ENV}=${file} has no context "${context}" (a test asked for ${count} clusters)`,
        'start more planes in test/run.ts, or ask for fewer',
      );
    }
    kc.setCurrentContext(context);
    return kc;
  });
}

const planes: Promise<ControlPlane>[] = [];

// Registered while this module is imported, i.e. at the top level of the test file: a hook
// registered later from inside a `before` would run when that hook ends. This one stops the
// planes gracefully when the file is done; the control plane's exit handler is the backstop.
if (!process.env[KUBECONFIG_ENV]) after(() => stopStartedHere());

async function startedHere(count: number): Promise<KubeConfig[]> {
  if (count > CONTEXT_NAMES.length) {
    throw new TestEnvError('TESTENV_NO_CLUSTER', `asked for ${count} clusters, at most ${CONTEXT_NAMES.length} are supported`);
  }
  while (planes.length < count) {
    const name = CONTEXT_NAMES[planes.length] ?? 'velahub';
    planes.push(
      startControlPlane({ name }).then(async (plane) => {
        await prepareCluster(plane.kubeconfig);
        return plane;
      }),
    );
  }
  const started = await Promise.all(planes.slice(0, count));
  return started.map((p) => p.kubeconfig);
}

async function stopStartedHere(): Promise<void> {
  const all = planes.splice(0);
  await Promise.allSettled(all.map(async (p) => (await p).stop()));
}


/** The cluster with workloads and the real vela-core, as a test sees it. */
export interface KubeVelaTestCluster {
  kc: KubeConfig;
  /** A kubeconfig file whose current context is this cluster, for `vela`, `kubectl` and `velahub`. */
  kubeconfigPath: string;
  /** The real `vela` CLI (KubeVela v1.10.9). */
  vela: string;
  /** The plane's kubectl. */
  kubectl: string;
}

let kubeVelaHere: Promise<KubeVelaTestCluster> | undefined;
let kubeVelaPlane: Promise<{ stop(): Promise<void> }> | undefined;
if (!process.env[KUBEVELA_KUBECONFIG_ENV]) after(async () => void (await (await kubeVelaPlane?.catch(() => undefined))?.stop()));

/**
 * The KubeVela cluster: kube-controller-manager, kube-scheduler, kwok (Pods run), KubeVela's
 * chart and the real vela-core. Under `npm test` the runner's; run alone, a file starts its own.
 * Shared like the others: tests isolate themselves with `uniqueNamespace()`.
 */
export function kubeVelaCluster(): Promise<KubeVelaTestCluster> {
  const file = process.env[KUBEVELA_KUBECONFIG_ENV];
  if (file) {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    const vela = process.env[VELA_ENV];
    const kubectl = process.env[KUBECTL_ENV];
    if (!vela || !kubectl) throw new TestEnvError('TESTENV_NO_CLUSTER', `${KUBEVELA_KUBECONFIG_ENV} is set but ${VELA_ENV} or ${KUBECTL_ENV} is not`, 'run the tests through npm test');
    return Promise.resolve({ kc, kubeconfigPath: file, vela, kubectl });
  }
  kubeVelaHere ??= (async () => {
    const { startKubeVelaCluster, ensureKubeVelaClusterTools } = await import('./kubevela-cluster.ts');
    const tools = await ensureKubeVelaClusterTools();
    const started = startKubeVelaCluster({ tools });
    kubeVelaPlane = started;
    const plane = await started;
    return { kc: plane.kubeconfig, kubeconfigPath: plane.kubeconfigPath, vela: plane.vela, kubectl: tools.binaries.kubectl };
  })();
  return kubeVelaHere;
}

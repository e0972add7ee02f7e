import type { ClusterFacts, InstalledAddon } from '../core/resolve/types.ts';
import { addonLabels, dependenciesAnnotation } from './addon-objects.ts';
import type { Kube, KubeObject } from './kube.ts';

/** An enabled addon as found in a cluster. */
export interface EnabledAddon extends InstalledAddon {
  /** The Application's phase (`running` = enabled and healthy), or `unknown`. */
  phase: string;
  dependencies: Array<{ name: string; version?: string }>;
  application: KubeObject;
}

/** The image tag of the `kubevela` container: KubeVela's version, as `vela` reads it. */
function velaVersionOf(deployment: KubeObject): string | undefined {
  const containers = ((deployment.spec as { template?: { spec?: { containers?: Array<{ name: string; image?: string }> } } })?.template?.spec?.containers ?? []);
  const image = containers.find((c) => c.name === 'kubevela')?.image;
  const tag = image?.split('@')[0]?.split(':').pop();
  return tag && tag !== image ? tag : undefined;
}

/** KubeVela's controller Deployment: labelled `controller.oam.dev/name=vela-core`, else `kubevela-vela-core`. */
async function velaCoreDeployment(kube: Kube, namespace: string): Promise<KubeObject | undefined> {
  const labelled = await kube.list('apps/v1', 'Deployment', namespace, 'controller.oam.dev/name=vela-core');
  return labelled[0] ?? (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kubevela-vela-core', namespace } }));
}

/** Addons enabled on a cluster: Applications `addon-*` labelled with `addons.oam.dev/name`. */
export async function enabledAddons(kube: Kube, namespace: string): Promise<EnabledAddon[]> {
  const apps = await kube.list('core.oam.dev/v1beta1', 'Application', namespace, addonLabels.name);
  return apps
    .map((app) => {
      const labels = app.metadata.labels ?? {};
      let dependencies: EnabledAddon['dependencies'] = [];
      try {
        dependencies = JSON.parse(app.metadata.annotations?.[dependenciesAnnotation] ?? '[]') as EnabledAddon['dependencies'];
      } catch {
        /* written by another tool: unknown dependencies */
      }
      return {
        name: labels[addonLabels.name]!,
        version: labels[addonLabels.version] ?? '0.0.0',
        registry: labels[addonLabels.registry],
        phase: ((app as { status?: { status?: string } }).status?.status) ?? 'unknown',
        dependencies,
        application: app,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A cluster as read before planning: the resolver's facts, the enabled addons in full, whether vela-core runs. */
export type ClusterState = ClusterFacts & { enabled: EnabledAddon[]; velaCoreReady: boolean };

/** What the resolver needs from a cluster: versions of KubeVela and Kubernetes, installed addons. */
export async function readClusterFacts(kube: Kube, namespace: string): Promise<ClusterState> {
  const [kubernetesVersion, deployment, enabled] = await Promise.all([kube.kubernetesVersion(), velaCoreDeployment(kube, namespace), enabledAddons(kube, namespace)]);
  const readyReplicas = (deployment as { status?: { readyReplicas?: number } } | undefined)?.status?.readyReplicas ?? 0;
  return {
    name: kube.context,
    kubernetesVersion,
    velaVersion: deployment ? velaVersionOf(deployment) : undefined,
    installed: enabled.map(({ name, version, registry }) => ({ name, version, registry })),
    enabled,
    velaCoreReady: readyReplicas > 0,
  };
}

import { VelahubError } from '../core/errors.ts';
import type { Kube, KubeObject } from './kube.ts';

/** The ConfigMap `vela` keeps its addon registries in (namespace vela-system, key `registries`). */
export const velaRegistryConfigMap = 'vela-addon-registry';

/**
 * Adds (or updates) a Helm-type registry in the cluster's `vela-addon-registry`
 * ConfigMap so `vela addon registry list` and VelaUX see it, keeping the other
 * entries. Credentials are never written there: vela keeps that ConfigMap in
 * plain text. Returns the registry names now in the ConfigMap.
 */
export async function syncVelaRegistry(kube: Kube, namespace: string, registry: { name: string; url: string }): Promise<string[]> {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: velaRegistryConfigMap, namespace } };
  const live = await kube.get(ref);
  let registries: Record<string, unknown> = {};
  const raw = (live as { data?: Record<string, string> } | undefined)?.data?.registries;
  if (raw) {
    try {
      registries = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new VelahubError('EINVALID', `${kube.context}: ${namespace}/${velaRegistryConfigMap} key "registries" is not JSON; fix or delete it before syncing`);
    }
    if (!registries || typeof registries !== 'object' || Array.isArray(registries)) {
      throw new VelahubError('EINVALID', `${kube.context}: ${namespace}/${velaRegistryConfigMap} key "registries" must be a JSON object keyed by registry name`);
    }
  }
  registries[registry.name] = { name: registry.name, helm: { url: registry.url.replace(/\/+$/, '') } };
  const data = { ...((live as { data?: Record<string, string> } | undefined)?.data ?? {}), registries: JSON.stringify(registries) };
  await kube.apply({ ...ref, data } as unknown as KubeObject);
  return Object.keys(registries).sort();
}

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

/**
 * The registry names `vela` can resolve on a cluster: the keys of
 * `vela-addon-registry`'s `registries` (KubeVela's built-in `KubeVela` registry
 * always resolves). Undefined when the ConfigMap is unreadable JSON.
 */
async function velaRegistryNames(kube: Kube, namespace: string): Promise<string[] | undefined> {
  const live = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: velaRegistryConfigMap, namespace } });
  const raw = (live as { data?: Record<string, string> } | undefined)?.data?.registries;
  if (!raw) return ['KubeVela'];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? ['KubeVela', ...Object.keys(parsed)] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Warnings for addon Applications about to be labelled with a registry `vela`
 * cannot resolve: `vela addon list`, `vela addon upgrade` and the dependents'
 * checks look the label up in `vela-addon-registry` and fail otherwise.
 */
export async function unresolvableRegistryWarnings(kube: Kube, namespace: string, registries: string[]): Promise<string[]> {
  const known = await velaRegistryNames(kube, namespace);
  const missing = [...new Set(registries)].filter((r) => !known?.includes(r)).sort();
  return missing.map(
    (r) =>
      `${kube.context}: registry "${r}" is not in ${namespace}/${velaRegistryConfigMap}, so vela addon list/upgrade cannot resolve the addons labelled with it; ` +
      (r === 'default' ? 'name the registry (velahub registry add NAME URL --sync) instead of --registry/VELAHUB_REGISTRY' : `run velahub registry add ${r} URL --sync`),
  );
}

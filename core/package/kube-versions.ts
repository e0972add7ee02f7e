/**
 * The first Kubernetes minor that serves each API group/version (for the kinds
 * definitions commonly emit), to infer an addon's `system.kubernetes`.
 */
const firstServed: Record<string, number> = {
  'networking.k8s.io/v1': 19,
  'autoscaling/v2': 23,
  'autoscaling/v1': 2,
  'autoscaling/v2beta2': 12,
  'policy/v1': 21,
  'batch/v1': 2,
  'batch/v1beta1': 8,
  'discovery.k8s.io/v1': 21,
  'apps/v1': 9,
  'rbac.authorization.k8s.io/v1': 8,
  'storage.k8s.io/v1': 6,
  'admissionregistration.k8s.io/v1': 16,
  'apiextensions.k8s.io/v1': 16,
  'coordination.k8s.io/v1': 14,
  'scheduling.k8s.io/v1': 14,
  'node.k8s.io/v1': 20,
  'flowcontrol.apiserver.k8s.io/v1': 29,
  'gateway.networking.k8s.io/v1': 0,
};

/** Kinds a group/version served later than the version itself (batch/v1 CronJob: 1.21). */
const kindFirstServed: Record<string, Record<string, number>> = {
  'batch/v1': { CronJob: 21 },
};

/**
 * Infers `system.kubernetes` from the API versions a definition's template
 * writes (`apiVersion: "networking.k8s.io/v1"` → `>=1.19`; a default `*"…"` and a quoted label count too). When a template
 * offers alternatives for one group (branching on context.clusterVersion), the
 * oldest alternative counts. Undefined when nothing constrains it.
 */
export function inferKubernetesRange(templates: string[]): string | undefined {
  let floor = 0;
  for (const text of templates) {
    const byGroup = new Map<string, number>();
    const kinds = new Set([...text.matchAll(/kind"?:\s*\*?\s*"(\w+)"/g)].map((m) => m[1]!));
    for (const m of text.matchAll(/apiVersion"?:\s*\*?\s*"([a-z0-9.-]+\/)?(v[0-9a-z]+)"/g)) {
      const api = `${m[1] ?? ''}${m[2]}`;
      let minor = firstServed[api];
      if (minor === undefined) continue;
      for (const [kind, since] of Object.entries(kindFirstServed[api] ?? {})) if (kinds.has(kind)) minor = Math.max(minor, since);
      const group = m[1] ?? 'core/';
      byGroup.set(group, Math.min(byGroup.get(group) ?? Infinity, minor));
    }
    for (const minor of byGroup.values()) floor = Math.max(floor, minor);
  }
  return floor > 0 ? `>=1.${floor}` : undefined;
}

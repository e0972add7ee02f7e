import type { KubernetesObject } from '@kubernetes/client-node';

/** A Kubernetes object as plain data. */
export type KubeObject = KubernetesObject & { [key: string]: unknown; metadata: NonNullable<KubernetesObject['metadata']> & { name: string } };

/** Names one object in messages: `TraitDefinition vela-system/hpa-trait`. */
export function describeObject(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

import { VelahubError } from '../core/errors.ts';
import type { DefinitionCR } from '../core/package/definition-cr.ts';
import type { Kube, KubeObject } from './kube.ts';

const kinds = ['ComponentDefinition', 'TraitDefinition', 'PolicyDefinition', 'WorkflowStepDefinition'];

/** Annotations a cluster adds that are not part of a definition. */
const noise = [/^kubectl\.kubernetes\.io\//, /^meta\.helm\.sh\//, /^definitionrevision\.oam\.dev\//];

/** A CR reduced to what the definition is: name, its own annotations and labels, spec. */
function clean(o: KubeObject): DefinitionCR {
  const annotations = Object.fromEntries(Object.entries(o.metadata.annotations ?? {}).filter(([k]) => !noise.some((re) => re.test(k))));
  const labels = Object.fromEntries(Object.entries(o.metadata.labels ?? {}).filter(([k]) => !k.startsWith('app.kubernetes.io/managed-by')));
  return {
    apiVersion: o.apiVersion ?? 'core.oam.dev/v1beta1',
    kind: o.kind!,
    metadata: { name: o.metadata.name, ...(Object.keys(annotations).length ? { annotations } : {}), ...(Object.keys(labels).length ? { labels } : {}) },
    spec: (o.spec ?? {}) as DefinitionCR['spec'],
  };
}

/**
 * The Definition CRs in a namespace that no addon owns (no ownerReference to an
 * `addon-*` Application): the platform's own, hand-applied definitions.
 * `select` narrows to the named ones and reports names that were not found.
 */
export async function unownedDefinitions(kube: Kube, namespace: string, select?: string[]): Promise<DefinitionCR[]> {
  const all: KubeObject[] = [];
  for (const kind of kinds) all.push(...(await kube.list('core.oam.dev/v1beta1', kind, namespace)));
  const owned = (o: KubeObject) => (o.metadata.ownerReferences ?? []).some((r) => r.kind === 'Application' && r.name.startsWith('addon-'));
  let found = all.filter((o) => !owned(o));
  if (select?.length) {
    const missing = select.filter((n) => !found.some((o) => o.metadata.name === n));
    if (missing.length) {
      const ownedNames = all.filter(owned).map((o) => o.metadata.name);
      throw new VelahubError('ENOT_FOUND', `${kube.context}: no unowned definition named ${missing.join(', ')} in ${namespace}${missing.some((m) => ownedNames.includes(m)) ? ' (some belong to an addon already)' : ''}; unowned: ${found.map((o) => o.metadata.name).join(', ') || 'none'}`, { path: '--select' });
    }
    found = found.filter((o) => select.includes(o.metadata.name));
  }
  return found.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map(clean);
}

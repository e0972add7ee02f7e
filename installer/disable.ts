import { VelahubError } from '../core/errors.ts';
import { addonLabels, applicationName, auxiliaryAnnotation } from './addon-objects.ts';
import { enabledAddons } from './cluster-facts.ts';
import type { Kube } from './kube.ts';
import { describeObject, type KubeObject } from './kube-object.ts';

const definitionKinds: Array<{ kind: string; annotation: string; uses: (app: AppSpec) => string[] }> = [
  { kind: 'ComponentDefinition', annotation: 'addon.oam.dev/componentDefinitions', uses: (a) => (a.components ?? []).map((c) => c.type) },
  { kind: 'TraitDefinition', annotation: 'addon.oam.dev/traitDefinitions', uses: (a) => (a.components ?? []).flatMap((c) => (c.traits ?? []).map((t) => t.type)) },
  { kind: 'PolicyDefinition', annotation: 'addon.oam.dev/policyDefinitions', uses: (a) => (a.policies ?? []).map((p) => p.type) },
  { kind: 'WorkflowStepDefinition', annotation: 'addon.oam.dev/workflowStepDefinitions', uses: (a) => (a.workflow?.steps ?? []).flatMap((s) => [s.type, ...(s.subSteps ?? []).map((x) => x.type)]) },
];

interface AppSpec {
  components?: Array<{ type: string; traits?: Array<{ type: string }> }>;
  policies?: Array<{ type: string }>;
  workflow?: { steps?: Array<{ type: string; subSteps?: Array<{ type: string }> }> };
}

/** Applications (outside addons) that use any definition an addon provides. */
export async function applicationsUsing(kube: Kube, addonApp: KubeObject): Promise<string[]> {
  const annotations = addonApp.metadata.annotations ?? {};
  const users = new Set<string>();
  const apps = await kube.list('core.oam.dev/v1beta1', 'Application');
  for (const k of definitionKinds) {
    const provided = new Set((annotations[k.annotation] ?? '').split(',').filter(Boolean));
    if (provided.size === 0) continue;
    for (const app of apps) {
      if (app.metadata.labels?.[addonLabels.name]) continue;
      const used = k.uses((app.spec ?? {}) as AppSpec).filter((t) => provided.has(t));
      for (const t of used) users.add(`${app.metadata.namespace}/${app.metadata.name} (uses ${t})`);
    }
  }
  return [...users].sort();
}

/** The auxiliary objects (template.cue's outputs) an addon's Application lists. */
function auxiliaryObjectsOf(app: KubeObject): KubeObject[] {
  try {
    const list = JSON.parse(app.metadata.annotations?.[auxiliaryAnnotation] ?? '[]') as Array<{ apiVersion: string; kind: string; namespace?: string; name: string }>;
    return list.map((a) => ({ apiVersion: a.apiVersion, kind: a.kind, metadata: { name: a.name, namespace: a.namespace } }));
  } catch {
    return []; // written by another tool: garbage collection removes them (they are owned)
  }
}

/** What disabling did. */
export interface DisableResult {
  cluster: string;
  deleted: string[];
  warnings: string[];
}

/**
 * Disables an addon: refuses while another enabled addon depends on it or an
 * Application uses one of its definitions (naming them), unless `force`. Deletes
 * the Application, the definitions, ConfigMaps and auxiliary objects it owns and
 * its parameter Secret (deleting
 * the owned objects explicitly rather than trusting garbage collection).
 */
export async function disableAddon(kube: Kube, name: string, opts: { namespace?: string; force?: boolean; dryRun?: boolean } = {}): Promise<DisableResult> {
  const namespace = opts.namespace ?? 'vela-system';
  const enabled = await enabledAddons(kube, namespace);
  const me = enabled.find((a) => a.name === name);
  if (!me) throw new VelahubError('ENOT_FOUND', `${kube.context}: addon ${name} is not enabled (enabled: ${enabled.map((a) => a.name).join(', ') || 'none'})`);
  const dependents = enabled.filter((a) => a.name !== name && a.dependencies.some((d) => d.name === name)).map((a) => `${a.name} ${a.version}`);
  const users = await applicationsUsing(kube, me.application);
  const warnings: string[] = [];
  if (dependents.length || users.length) {
    const why = [dependents.length ? `enabled addons depend on it: ${dependents.join(', ')}` : '', users.length ? `Applications use its definitions: ${users.join(', ')}` : ''].filter(Boolean).join('; ');
    if (!opts.force) throw new VelahubError('EIN_USE', `${kube.context}: refusing to disable ${name}: ${why}`, { data: { dependents, applications: users }, hint: 'disable those first, or pass --force' });
    warnings.push(`disabled ${name} although ${why}`);
  }
  const deleted: string[] = [];
  const owned: KubeObject[] = [];
  const ownedByAddon = (o: KubeObject): boolean => (o.metadata.ownerReferences ?? []).some((r) => r.kind === 'Application' && r.name === applicationName(name));
  for (const kind of ['ComponentDefinition', 'TraitDefinition', 'PolicyDefinition', 'WorkflowStepDefinition']) {
    owned.push(...(await kube.list('core.oam.dev/v1beta1', kind, namespace)).filter(ownedByAddon));
  }
  // ConfigMaps (UI schemas, views, config templates) carry KubeVela's labels, not the addon's: found by owner.
  owned.push(...(await kube.list('v1', 'ConfigMap', namespace)).filter(ownedByAddon));
  owned.push(...auxiliaryObjectsOf(me.application).filter((a) => !owned.some((o) => o.kind === a.kind && o.metadata.name === a.metadata.name && o.metadata.namespace === a.metadata.namespace)));
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `addon-secret-${name}`, namespace } };
  for (const o of [me.application, ...owned, secret as KubeObject]) {
    if (opts.dryRun ? await kube.get(o) : await kube.delete(o)) deleted.push(describeObject(o));
  }
  return { cluster: kube.context, deleted, warnings };
}

import type { AddonManifest } from '../core/package/inspect.ts';
import { textOf, type PackageFiles } from '../core/package/files.ts';
import { roleOf } from '../core/package/layout.ts';
import { definitionToCR } from '../core/package/definition-cr.ts';
import type { RenderedAddonApp } from '../core/package/render-app.ts';
import type { ConfigTemplateMap } from '../core/package/config-template.ts';
import { parseYamlAsKubeVela } from '../core/package/kubevela-yaml.ts';
import { goJson } from '../core/package/go-json.ts';
import type { KubeObject } from './kube.ts';

/** Labels and annotations KubeVela reads from an addon's Application. */
export const addonLabels = {
  name: 'addons.oam.dev/name',
  version: 'addons.oam.dev/version',
  registry: 'addons.oam.dev/registry',
} as const;

const providedAnnotations: Record<string, string> = {
  component: 'addon.oam.dev/componentDefinitions',
  trait: 'addon.oam.dev/traitDefinitions',
  'workflow-step': 'addon.oam.dev/workflowStepDefinitions',
  policy: 'addon.oam.dev/policyDefinitions',
};

/** Where velahub records an enabled addon's dependencies (KubeVela ignores it). */
export const dependenciesAnnotation = 'velahub.dev/dependencies';

/** The key of the enable parameters in `addon-secret-NAME`. */
export const parameterDataKey = 'addonParameterDataKey';

/** The name of an addon's Application: `addon-NAME`. */
export function applicationName(addon: string): string {
  return `addon-${addon}`;
}

/** The objects enabling an addon creates, by role. */
export interface AddonObjects {
  application: KubeObject;
  /** Definitions, UI-schema and view ConfigMaps, template.cue's outputs: owned by the Application. */
  owned: KubeObject[];
  /** `addon-secret-NAME`, when there are parameters (owned by the Application too, as KubeVela does). */
  secret?: KubeObject;
}

/** Where velahub lists an addon's auxiliary objects (template.cue's outputs), so disable finds them. */
export const auxiliaryAnnotation = 'velahub.dev/auxiliary-objects';

/**
 * The objects `vela addon enable` would create for an addon, in namespace `ns`,
 * from its rendered Application ({@link renderAddonApp}): Application
 * `addon-NAME` (labels name/version/registry, annotations listing the
 * definitions it provides), each definition as a CR, UI schemas, views and
 * config templates (`config-template-NAME`) as ConfigMaps, template.cue's auxiliary outputs, and the parameters in Secret
 * `addon-secret-NAME`. Owner references are added at apply time, once the
 * Application's UID is known.
 */
export function addonObjects(input: { manifest: AddonManifest; files: PackageFiles; rendered: RenderedAddonApp; registry: string; namespace: string; parameters?: Record<string, unknown>; configTemplates?: ConfigTemplateMap[] }): AddonObjects {
  const { manifest, files, namespace, rendered } = input;
  const { name, version } = manifest.metadata;
  const annotations: Record<string, string> = {};
  for (const [type, key] of Object.entries(providedAnnotations)) {
    const names = manifest.definitions.filter((d) => d.type === type).map((d) => d.name);
    if (names.length) annotations[key] = names.join(',');
  }
  const addonOwn = { [addonLabels.name]: name, [addonLabels.version]: version };
  const auxiliary = rendered.auxiliary.map((o) => {
    const meta = (o.metadata ?? {}) as KubeObject['metadata'];
    return { ...o, metadata: { ...meta, namespace: meta.namespace ?? namespace, labels: { ...(meta.labels ?? {}), ...addonOwn } } } as KubeObject;
  });
  if (auxiliary.length) annotations[auxiliaryAnnotation] = JSON.stringify(auxiliary.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name })));
  const baseMeta = (rendered.application.metadata as Record<string, unknown> | undefined) ?? {};
  const application: KubeObject = {
    ...rendered.application,
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: {
      name: applicationName(name),
      namespace,
      labels: { ...((baseMeta.labels as Record<string, string>) ?? {}), ...addonOwn, [addonLabels.registry]: input.registry },
      annotations: { ...((baseMeta.annotations as Record<string, string>) ?? {}), ...annotations, [dependenciesAnnotation]: JSON.stringify(manifest.metadata.dependencies ?? []) },
    },
  };
  delete (application as { status?: unknown }).status;
  const owned: KubeObject[] = manifest.definitions
    .filter((d) => d.schematic === 'cue')
    .map((d) => definitionToCR({ name: d.name, type: d.type, description: d.description, annotations: d.annotations, labels: d.labels, attributes: d.attributes, ...(d.alias !== undefined ? { alias: d.alias } : {}), ...(d.emptyDescription ? { emptyDescription: true as const } : {}) }, d.template, namespace) as unknown as KubeObject);
  // Terraform ComponentDefinitions are YAML CRs: applied as they are, in the KubeVela namespace, as KubeVela does.
  for (const d of manifest.definitions.filter((x) => x.schematic === 'terraform')) {
    const cr = parseYamlAsKubeVela(textOf(files, d.file)!, d.file).documents[0] as KubeObject;
    owned.push({ ...cr, metadata: { ...cr.metadata, namespace } });
  }
  for (const p of [...files.keys()].sort()) {
    const role = roleOf(p);
    if (role !== 'ui-schema' && role !== 'view') continue;
    // KubeVela names the ConfigMap after the file up to its first dot.
    const base = p.split('/').pop()!.split('.')[0]!;
    // VelaUX unmarshals the UI schema as JSON (and silently shows no form for YAML): KubeVela converts it.
    const data = role === 'ui-schema' ? { 'ui-schema': goJson(parseYamlAsKubeVela(textOf(files, p)!, p).documents[0] ?? null) } : { template: textOf(files, p)! };
    // No labels, as KubeVela writes them: the Application's ownerReference ties them to the addon.
    owned.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: base, namespace }, data });
  }
  for (const t of input.configTemplates ?? []) {
    owned.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: t.name, namespace, labels: t.labels, annotations: t.annotations }, data: t.data });
  }
  owned.push(...auxiliary);
  const params = input.parameters ?? {};
  const secret: KubeObject | undefined = Object.keys(params).length
    ? { apiVersion: 'v1', kind: 'Secret', metadata: { name: `addon-secret-${name}`, namespace, labels: { [addonLabels.name]: name } }, type: 'Opaque', data: { [parameterDataKey]: Buffer.from(JSON.stringify(params)).toString('base64') } }
    : undefined;
  return { application, owned, secret };
}

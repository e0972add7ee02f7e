import { parse, parseAllDocuments } from 'yaml';
import { VelahubError } from '../core/errors.ts';
import type { AddonManifest } from '../core/package/inspect.ts';
import { textOf, type PackageFiles } from '../core/package/files.ts';
import { roleOf } from '../core/package/layout.ts';
import { definitionToCR } from '../core/package/definition-cr.ts';
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
  /** Definitions, UI-schema and view ConfigMaps: owned by the Application. */
  owned: KubeObject[];
  /** `addon-secret-NAME`, when there are parameters. */
  secret?: KubeObject;
}

/**
 * The objects `vela addon enable` would create for an addon, in namespace `ns`:
 * Application `addon-NAME` (labels name/version/registry, annotations listing the
 * definitions it provides, resources/ YAML bundled into one k8s-objects
 * component), each definition as a CR, UI schemas and views as ConfigMaps, and
 * the parameters in Secret `addon-secret-NAME`. Owner references are added at
 * apply time, once the Application's UID is known.
 */
export function addonObjects(input: { manifest: AddonManifest; files: PackageFiles; registry: string; namespace: string; parameters?: Record<string, unknown> }): AddonObjects {
  const { manifest, files, namespace } = input;
  const { name, version } = manifest.metadata;
  const unsupported = [...files.keys()].filter((p) => p === 'template.cue' || (roleOf(p) === 'resource' && p.endsWith('.cue')));
  if (unsupported.length > 0) {
    throw new VelahubError('ENOT_SUPPORTED', `${name} ${version} renders its Application with CUE (${unsupported.join(', ')}), which velahub enable does not support yet`, { hint: `use vela addon enable ${name} for this addon` });
  }
  const annotations: Record<string, string> = {};
  for (const [type, key] of Object.entries(providedAnnotations)) {
    const names = manifest.definitions.filter((d) => d.type === type).map((d) => d.name);
    if (names.length) annotations[key] = names.join(',');
  }
  const base = files.has('template.yaml') ? (parse(textOf(files, 'template.yaml')!) as Record<string, unknown>) : {};
  const baseSpec = (base.spec as Record<string, unknown> | undefined) ?? {};
  const components = [...((baseSpec.components as unknown[] | undefined) ?? [])];
  const resources = [...files.keys()].filter((p) => roleOf(p) === 'resource' && /\.ya?ml$/.test(p) && p !== 'resources/parameter.cue').sort();
  if (resources.length > 0) {
    const objects = resources.flatMap((p) => parseAllDocuments(textOf(files, p)!).map((d) => d.toJS() as unknown).filter(Boolean));
    components.push({ name: `${name}-resources`, type: 'k8s-objects', properties: { objects } });
  }
  const baseMeta = (base.metadata as Record<string, unknown> | undefined) ?? {};
  const application: KubeObject = {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: {
      name: applicationName(name),
      namespace,
      labels: { ...((baseMeta.labels as Record<string, string>) ?? {}), [addonLabels.name]: name, [addonLabels.version]: version, [addonLabels.registry]: input.registry },
      annotations: { ...((baseMeta.annotations as Record<string, string>) ?? {}), ...annotations, [dependenciesAnnotation]: JSON.stringify(manifest.metadata.dependencies ?? []) },
    },
    spec: { ...baseSpec, components },
  };
  const owned: KubeObject[] = manifest.definitions
    .filter((d) => d.schematic === 'cue')
    .map((d) => definitionToCR({ name: d.name, type: d.type, description: d.description, annotations: d.annotations, labels: d.labels, attributes: d.attributes }, d.template, namespace) as unknown as KubeObject);
  for (const p of [...files.keys()].sort()) {
    const role = roleOf(p);
    if (role !== 'ui-schema' && role !== 'view') continue;
    const base = p.split('/').pop()!.replace(/\.(ya?ml|cue)$/, '');
    owned.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: base, namespace, labels: { [addonLabels.name]: name } }, data: { [role === 'ui-schema' ? 'ui-schema' : 'template']: textOf(files, p)! } });
  }
  const params = input.parameters ?? {};
  const secret: KubeObject | undefined = Object.keys(params).length
    ? { apiVersion: 'v1', kind: 'Secret', metadata: { name: `addon-secret-${name}`, namespace, labels: { [addonLabels.name]: name } }, type: 'Opaque', data: { [parameterDataKey]: Buffer.from(JSON.stringify(params)).toString('base64') } }
    : undefined;
  return { application, owned, secret };
}

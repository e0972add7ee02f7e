import { VelahubError } from '../errors.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { AddonRenderResult, CueEvaluator, CueSourceFile } from '../cue/evaluator.ts';
import type { CueLine } from '../cue/lines.ts';
import { textOf, type PackageFiles } from './files.ts';
import { roleOf } from './layout.ts';
import type { AddonMetadata } from './metadata.ts';
import { parseYamlAsKubeVela } from './kubevela-yaml.ts';

type Json = Record<string, unknown>;

/** An addon's Application and auxiliary objects, rendered as `vela addon enable` renders them. */
export interface RenderedAddonApp {
  /** The Application as the template gives it (name, namespace and addon labels not yet set). */
  application: Json;
  /** Template.cue's `outputs`, labelled `addons.oam.dev/auxiliary-name` as KubeVela labels them. */
  auxiliary: Json[];
  /** The parameters as unified with parameter.cue (defaults filled in); the given ones without it. */
  parameter: Json;
  warnings: Diagnostic[];
}

/** The label KubeVela puts on each auxiliary object: its key under `outputs`. */
export const auxiliaryNameLabel = 'addons.oam.dev/auxiliary-name';

/** KubeVela's parameter name for the clusters an addon is deployed to. */
const clustersParameter = 'clusters';

/** The `package` clause of a CUE file, if it has one. */
export function cuePackageOf(source: string): string | undefined {
  return /^\s*package\s+([A-Za-z_$][\w$]*)/m.exec(source.replace(/^\s*\/\/.*$/gm, ''))?.[1];
}

/** The addon's parameter file: parameter.cue, or the legacy resources/parameter.cue. */
export function parameterFileOf(files: PackageFiles): string | undefined {
  return files.has('parameter.cue') ? 'parameter.cue' : files.has('resources/parameter.cue') ? 'resources/parameter.cue' : undefined;
}

/**
 * Renders files as one CUE package. The engine needs every file in the same
 * package, and KubeVela adds `package main` to the files that lack a clause
 * (template.cue, parameter.cue, a resource file joined to parameter.cue), so
 * those get the clause here too; the lines of diagnostics are shifted back.
 */
async function renderPackage(cue: CueEvaluator, files: CueSourceFile[], options: Parameters<CueEvaluator['renderAddon']>[1]): Promise<AddonRenderResult> {
  const added = new Set(files.filter((f) => cuePackageOf(f.source) === undefined).map((f) => f.name));
  try {
    return await cue.renderAddon(
      files.map((f) => (added.has(f.name) ? { ...f, source: `package main\n${f.source}` } : f)),
      options,
    );
  } catch (err) {
    if (!(err instanceof VelahubError) || !Array.isArray(err.data)) throw err;
    const list = (err.data as Diagnostic[]).map((d) => (d.file && added.has(d.file) && d.line ? { ...d, line: d.line - 1 } : d));
    throw new VelahubError(err.code, err.message, { data: list, path: err.path, hint: err.hint, cause: err });
  }
}

/**
 * Renders an addon's Application as KubeVela's pkg/addon/render.go does:
 *
 * - template.cue with parameter.cue and every `package main` CUE file under
 *   resources/ as one package, with the parameters and `context.metadata`
 *   (the addon's metadata.yaml): `output` is the Application, `outputs` the
 *   auxiliary objects; else template.yaml, else an empty Application;
 * - a `raw` Namespace component per `needNamespace` entry (not vela-system);
 * - resources/ YAML bundled into one `k8s-objects` component `NAME-resources`;
 * - every other CUE file under resources/ rendered on its own with parameter.cue,
 *   its `output` a component named after the file unless it names itself;
 * - for a YAML template and `deployTo.runtimeCluster`, the topology policy for
 *   the `clusters` parameter (all clusters when it is empty).
 *
 * Without template.cue the parameters are still unified with parameter.cue,
 * so a missing required parameter fails here, naming it, before anything is written.
 */
export async function renderAddonApp(input: { files: PackageFiles; metadata: AddonMetadata; parameters: Json; cue: CueEvaluator; line?: CueLine; signal?: AbortSignal }): Promise<RenderedAddonApp> {
  const { files, metadata, cue } = input;
  const call = { line: input.line, signal: input.signal, context: { metadata } };
  const warnings: Diagnostic[] = [];
  const paramFile = parameterFileOf(files);
  const paramSource: CueSourceFile[] = paramFile ? [{ name: paramFile, source: textOf(files, paramFile)! }] : [];
  const cueResources = [...files.keys()].filter((p) => roleOf(p) === 'resource' && p.endsWith('.cue') && p !== paramFile).sort();
  const isMain = (p: string) => cuePackageOf(textOf(files, p)!) === 'main';

  let application: Json;
  let auxiliary: Json[] = [];
  let parameter: Json = input.parameters;
  const templateCue = textOf(files, 'template.cue');
  if (templateCue !== undefined) {
    const mainPackage = cuePackageOf(templateCue) ?? 'main';
    const joined = cueResources.filter((p) => (cuePackageOf(textOf(files, p)!) ?? '') === mainPackage).map((p) => ({ name: p, source: textOf(files, p)! }));
    const paramJoins = paramSource.filter((f) => (cuePackageOf(f.source) ?? 'main') === mainPackage);
    const res = await renderPackage(cue, [{ name: 'template.cue', source: templateCue }, ...paramJoins, ...joined], { ...call, parameters: input.parameters });
    if (!res.output) throw new VelahubError('ERENDER', `template.cue of ${metadata.name} ${metadata.version} has no "output": KubeVela takes the addon's Application from it`, { path: 'template.cue' });
    application = res.output;
    parameter = res.parameter ?? parameter;
    auxiliary = Object.keys(res.outputs)
      .sort()
      .map((key) => {
        const o = res.outputs[key]!;
        const meta = (o.metadata as Json | undefined) ?? {};
        return { ...o, metadata: { ...meta, labels: { ...((meta.labels as Record<string, string> | undefined) ?? {}), [auxiliaryNameLabel]: key } } };
      });
  } else {
    const yamlTemplate = textOf(files, 'template.yaml');
    application = yamlTemplate !== undefined ? documentOf(yamlTemplate, 'template.yaml', warnings) : { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application' };
    if (paramSource.length > 0) parameter = (await renderPackage(cue, paramSource, { ...call, parameters: input.parameters })).parameter ?? parameter;
  }
  const spec = { ...((application.spec as Json | undefined) ?? {}) };
  const components = [...((spec.components as Json[] | undefined) ?? [])];
  for (const ns of metadata.needNamespace ?? []) {
    if (ns === 'vela-system') continue;
    components.push({ name: `${ns}-namespace`, type: 'raw', properties: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
  }
  const yamlResources = [...files.keys()].filter((p) => roleOf(p) === 'resource' && !p.endsWith('.cue')).sort();
  if (yamlResources.length > 0) {
    const objects = yamlResources.map((p) => documentOf(textOf(files, p)!, p, warnings));
    components.push({ name: `${metadata.name}-resources`, type: 'k8s-objects', properties: { objects } });
  }
  for (const p of cueResources.filter((r) => !isMain(r))) {
    const res = await renderPackage(cue, [...paramSource, { name: p, source: textOf(files, p)! }], { ...call, parameters: input.parameters });
    if (!res.output) continue; // KubeVela skips a resource file without `output`.
    const base = p.split('/').pop()!.replace(/\.cue$/, '');
    components.push({ ...res.output, name: (res.output.name as string | undefined) || base.replaceAll('.', '-') });
  }
  spec.components = components.map(asApplicationComponent);
  const policies = (spec.policies as Json[] | undefined) ?? [];
  if (templateCue === undefined && metadata.deployTo?.runtimeCluster && !policies.some((p) => p.type === 'topology')) {
    spec.policies = [...policies, topologyPolicy(input.parameters[clustersParameter])];
  }
  return { application: { ...application, spec }, auxiliary, parameter, warnings };
}

/**
 * A component as KubeVela keeps it: it decodes each into its ApplicationComponent type, so a field
 * that type lacks is dropped (the catalog's chartmuseum marks traits `enabled`, a CUE workaround)
 * and empty optional fields are left out, as their `omitempty` says. Properties stay as written.
 */
function asApplicationComponent(c: Json): Json {
  // Not a mapping: left for the API server's validation to name.
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return c;
  const out: Json = { name: c.name ?? '', type: c.type ?? '' };
  if (c.externalRevision) out.externalRevision = c.externalRevision;
  if (c.properties !== undefined && c.properties !== null) out.properties = c.properties;
  for (const list of ['dependsOn', 'inputs', 'outputs'] as const) {
    if (Array.isArray(c[list]) && (c[list] as unknown[]).length > 0) out[list] = c[list];
  }
  if (Array.isArray(c.traits) && c.traits.length > 0) {
    out.traits = (c.traits as Json[]).map((t) => ({ type: t.type ?? '', ...(t.properties !== undefined && t.properties !== null ? { properties: t.properties } : {}) }));
  }
  if (c.scopes && typeof c.scopes === 'object' && Object.keys(c.scopes).length > 0) out.scopes = c.scopes;
  return out;
}

/**
 * KubeVela's policy for an addon deployed to runtime clusters: the clusters
 * named by the `clusters` parameter plus `local`, or every cluster.
 */
export function topologyPolicy(clusters: unknown): Json {
  const named = Array.isArray(clusters) ? clusters.filter((c): c is string => typeof c === 'string') : [];
  if (named.length === 0) return { name: 'deploy-addon-to-all-clusters', type: 'topology', properties: { clusterLabelSelector: {} } };
  return { name: 'deploy-addon-to-specified-clusters', type: 'topology', properties: { clusters: named.includes('local') ? named : [...named, 'local'] } };
}

/** The single document of a YAML file KubeVela reads as one object. */
function documentOf(text: string, file: string, warnings: Diagnostic[]): Json {
  const parsed = parseYamlAsKubeVela(text, file);
  if (parsed.error) throw new VelahubError('EINVALID', `${file}: ${parsed.error.message}`, { path: file, data: [parsed.error] });
  warnings.push(...parsed.warnings);
  const doc = parsed.documents[0];
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new VelahubError('EINVALID', `${file}: not a YAML mapping (a Kubernetes object)`, { path: file });
  return doc as Json;
}

/**
 * The post-install message of NOTES.cue, as `vela addon enable` prints it:
 * NOTES.cue evaluated with parameter.cue, the parameters and `context`
 * (`metadata`, and `installer.upgrade` when the addon was enabled already);
 * its `notes` field. Undefined when the addon has no NOTES.cue.
 */
export async function renderAddonNotes(input: { files: PackageFiles; metadata: AddonMetadata; parameters: Json; cue: CueEvaluator; upgrade: boolean; line?: CueLine; signal?: AbortSignal }): Promise<string | undefined> {
  const notes = textOf(input.files, 'NOTES.cue');
  if (notes === undefined) return undefined;
  const paramFile = parameterFileOf(input.files);
  const files: CueSourceFile[] = [
    ...(paramFile ? [{ name: paramFile, source: textOf(input.files, paramFile)! }] : []),
    { name: 'NOTES.cue', source: notes },
    // The engine exports `output`: it carries `notes` out (NOTES.cue has no output of its own).
    { name: 'velahub-notes.cue', source: 'output: notes\n' },
  ];
  const context = { metadata: input.metadata, installer: input.upgrade ? { upgrade: true } : {} };
  const res = await renderPackage(input.cue, files, { line: input.line, signal: input.signal, parameters: input.parameters, context });
  const text = res.output as unknown;
  if (typeof text !== 'string') throw new VelahubError('ERENDER', `NOTES.cue of ${input.metadata.name} ${input.metadata.version}: "notes" must be a string, got ${JSON.stringify(text)}`, { path: 'NOTES.cue' });
  return text;
}

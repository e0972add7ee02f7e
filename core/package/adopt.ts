import { stringify } from 'yaml';
import { VelahubError } from '../errors.ts';
import type { CueEvaluator } from '../cue/evaluator.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { crToDefinitionCue, type DefinitionCR } from './definition-cr.ts';
import { diagnosticsOf, inspectAddon, inspectDefinitionFile, type DefinitionInfo } from './inspect.ts';
import type { PackageFiles } from './files.ts';
import { inferKubernetesRange } from './kube-versions.ts';
import { addonReadme } from './readme.ts';
import { isVersion } from './versions.ts';

/** What the author says about the addon being made. */
export interface AdoptMetadata {
  name: string;
  version: string;
  description: string;
  tags?: string[];
}

/** An addon built from Definition CRs, and what the author must still fix. */
export interface AdoptResult {
  files: PackageFiles;
  definitions: DefinitionInfo[];
  /** Lint findings on the result (errors mean the author must fix something). */
  diagnostics: Diagnostic[];
}

/**
 * Turns Definition CRs (as a cluster holds them) into an addon in the KubeVela
 * layout: each definition converted to the definition CUE format under
 * definitions/, metadata.yaml with `system.kubernetes` inferred from the API
 * versions the templates write, and a README with the parameter reference.
 * The result is linted; problems come back as diagnostics, not exceptions.
 */
export async function adoptDefinitions(crs: DefinitionCR[], meta: AdoptMetadata, cue: CueEvaluator): Promise<AdoptResult> {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(meta.name)) throw new VelahubError('EUSAGE', `--name ${JSON.stringify(meta.name)} is not a valid addon name: lowercase letters and digits separated by dashes`, { path: '--name' });
  if (!isVersion(meta.version)) throw new VelahubError('EUSAGE', `--version ${JSON.stringify(meta.version)} is not a semantic version, e.g. 1.0.0`, { path: '--version' });
  if (crs.length === 0) throw new VelahubError('EUSAGE', 'no definitions to adopt', { hint: 'check --namespace and --select' });
  const files: PackageFiles = new Map();
  const definitions: DefinitionInfo[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const cr of crs) {
    const file = `definitions/${cr.metadata.name}.cue`;
    let text: string;
    try {
      text = crToDefinitionCue(stringify(cr), file).cue;
    } catch (err) {
      // E.g. a Terraform definition or a CR without a template: say so, adopt the others.
      diagnostics.push(...diagnosticsOf(err, file));
      continue;
    }
    files.set(file, Buffer.from(text));
    const r = await inspectDefinitionFile(file, text, cue);
    diagnostics.push(...r.diagnostics);
    if (r.definition) definitions.push(r.definition);
  }
  const kubernetes = inferKubernetesRange(definitions.map((d) => d.template));
  const metadata = {
    name: meta.name,
    version: meta.version,
    description: meta.description,
    tags: meta.tags ?? [...new Set(definitions.map((d) => d.type))],
    ...(kubernetes ? { system: { kubernetes } } : {}),
  };
  files.set('metadata.yaml', Buffer.from(stringify(metadata)));
  files.set('README.md', Buffer.from(addonReadme(metadata, definitions)));
  const lint = await inspectAddon(files, cue);
  const seen = new Set(diagnostics.map((d) => `${d.file}:${d.message}`));
  for (const d of lint.diagnostics) if (!seen.has(`${d.file}:${d.message}`)) diagnostics.push(d);
  return { files, definitions, diagnostics };
}

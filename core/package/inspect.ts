import type { Diagnostic } from '../diagnostics.ts';
import { isVelahubError } from '../errors.ts';
import type { CueEvaluator, DefinitionHeader, DefinitionType } from '../cue/evaluator.ts';
import { parameterSchemaFromOpenApi, type JsonSchema } from '../params/schema.ts';
import { textOf, type PackageFiles } from './files.ts';
import { checkLayout, roleOf } from './layout.ts';
import { parseMetadata, type AddonMetadata } from './metadata.ts';
import { crToDefinitionCue } from './definition-cr.ts';
import { parse } from 'yaml';
import { terraformParameterSchema } from '../terraform/variables.ts';
import { maxYamlAliases } from './yaml-limits.ts';
import { sizeProblems } from './text-limits.ts';

/** Everything velahub derives from one definition at publish time. */
export interface DefinitionInfo {
  name: string;
  type: DefinitionType;
  description: string;
  /** Path of the source file inside the addon. */
  file: string;
  /** `cue` for CUE-schematic definitions, `terraform` for Terraform ones. */
  schematic: 'cue' | 'terraform';
  annotations: Record<string, string>;
  labels: Record<string, string>;
  attributes: Record<string, unknown>;
  /** The normalized parameter schema (see params/schema.ts). */
  schema: JsonSchema;
  /** The definition in CUE format (as evaluated). */
  cue: string;
  /** The template body, as a Definition CR carries it. */
  template: string;
}

/** An addon as velahub understands it after validation. */
export interface AddonManifest {
  metadata: AddonMetadata;
  readme: string;
  definitions: DefinitionInfo[];
  /** The schema of the addon's own parameter.cue, when it has one. */
  parameterSchema?: JsonSchema;
  /** Warnings found (errors refuse the package, so a manifest holds none). */
  warnings: Diagnostic[];
}

/** The outcome of inspecting a package: a manifest when it holds no error. */
export interface InspectResult {
  manifest?: AddonManifest;
  diagnostics: Diagnostic[];
}

/**
 * Validates a package for real — layout, metadata, and every definition and
 * parameter.cue evaluated by CUE — and derives its manifest. Every problem is
 * reported at once; `strict` makes warnings refuse the package too.
 */
export async function inspectAddon(files: PackageFiles, cue: CueEvaluator, options: { strict?: boolean; signal?: AbortSignal } = {}): Promise<InspectResult> {
  const diagnostics: Diagnostic[] = [...checkLayout(files), ...sizeProblems(files)];
  const metaText = textOf(files, 'metadata.yaml');
  let metadata: AddonMetadata | undefined;
  // An oversized metadata.yaml is not even parsed: it is refused by sizeProblems above.
  if (metaText !== undefined && !diagnostics.some((d) => d.file === 'metadata.yaml' && d.code === 'file-too-large')) {
    const parsed = parseMetadata(metaText);
    diagnostics.push(...parsed.diagnostics);
    metadata = parsed.metadata;
  }

  const definitionFiles = [...files.keys()].filter((p) => roleOf(p) === 'definition-cue' || roleOf(p) === 'definition-yaml').sort();
  const results = await Promise.all(definitionFiles.map((file) => inspectDefinitionFile(file, textOf(files, file)!, cue, options.signal)));
  const definitions: DefinitionInfo[] = [];
  for (const r of results) {
    diagnostics.push(...r.diagnostics);
    if (r.definition) definitions.push(r.definition);
  }
  const seen = new Map<string, string>();
  for (const d of definitions) {
    const key = `${d.type}/${d.name}`;
    const other = seen.get(key);
    if (other) diagnostics.push({ severity: 'error', code: 'duplicate-definition', file: d.file, message: `${d.type} "${d.name}" is also defined in ${other}` });
    seen.set(key, d.file);
  }

  let parameterSchema: JsonSchema | undefined;
  const parameterFile = files.has('parameter.cue') ? 'parameter.cue' : files.has('resources/parameter.cue') ? 'resources/parameter.cue' : undefined;
  if (parameterFile) {
    try {
      parameterSchema = parameterSchemaFromOpenApi(await cue.parameterFileSchema(textOf(files, parameterFile)!, parameterFile, options.signal));
    } catch (err) {
      diagnostics.push(...diagnosticsOf(err, parameterFile));
    }
  }

  const strict = options.strict ?? false;
  const refused = diagnostics.some((d) => d.severity === 'error' || strict);
  if (refused || !metadata) return { diagnostics };
  const readme = textOf(files, 'README.md') ?? textOf(files, 'readme.md') ?? '';
  if (!readme.trim()) diagnostics.push({ severity: 'warning', code: 'missing-readme', file: 'README.md', message: 'no README.md: the addon page and `vela addon list` will show no documentation' });
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  return { manifest: { metadata, readme, definitions, parameterSchema, warnings }, diagnostics };
}

/** Evaluates one definition file (CUE format or Definition CR YAML). */
export async function inspectDefinitionFile(
  file: string,
  text: string,
  cue: CueEvaluator,
  signal?: AbortSignal,
): Promise<{ definition?: DefinitionInfo; diagnostics: Diagnostic[] }> {
  let source = text;
  const fromYaml = /\.ya?ml$/.test(file);
  try {
    if (fromYaml) {
      const terraform = await terraformDefinition(file, text);
      if (terraform) return terraform;
      source = crToDefinitionCue(text, file).cue;
    }
    const inspected = await cue.inspect(source, file, signal);
    const header: DefinitionHeader = inspected.header;
    return {
      definition: {
        name: header.name,
        type: header.type,
        description: header.description,
        file,
        schematic: 'cue',
        annotations: header.annotations,
        labels: header.labels,
        attributes: header.attributes,
        schema: parameterSchemaFromOpenApi(inspected.openapi),
        cue: source,
        template: inspected.template,
      },
      diagnostics: header.description ? [] : [{ severity: 'warning', code: 'definition-no-description', file, message: `${header.type} "${header.name}" has no description: \`vela def list\` and the docs pages will show none` }],
    };
  } catch (err) {
    // Lines of a CR converted to CUE do not match the YAML file; keep the message only.
    return { diagnostics: diagnosticsOf(err, file).map((d) => (fromYaml ? { ...d, line: undefined, column: undefined } : d)) };
  }
}

/**
 * A Terraform ComponentDefinition: inline HCL has its parameters read from the
 * module's `variable` blocks; a remote module's parameters live in the module,
 * so the schema stays empty and records where they come from.
 */
async function terraformDefinition(file: string, text: string): Promise<{ definition?: DefinitionInfo; diagnostics: Diagnostic[] } | undefined> {
  let cr: { kind?: string; metadata?: { name?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: { schematic?: { terraform?: Record<string, unknown> } } };
  try {
    cr = parse(text, { maxAliasCount: maxYamlAliases }) as typeof cr;
  } catch {
    return undefined;
  }
  const terraform = cr?.spec?.schematic?.terraform;
  if (!terraform || cr.kind !== 'ComponentDefinition' || !cr.metadata?.name) return undefined;
  const { schematic: _s, ...attributes } = cr.spec as Record<string, unknown>;
  const annotations = { ...(cr.metadata.annotations ?? {}) };
  const description = annotations['definition.oam.dev/description'] ?? '';
  delete annotations['definition.oam.dev/description'];
  const kind = String(terraform.type ?? 'hcl');
  const configuration = terraform.configuration;
  const diagnostics: Diagnostic[] = [];
  let schema: JsonSchema = { type: 'object', properties: {} };
  if (typeof configuration !== 'string' || configuration.trim() === '') {
    diagnostics.push({ severity: 'error', code: 'terraform-configuration', file, message: `Terraform component "${cr.metadata.name}": spec.schematic.terraform.configuration is missing (inline HCL, or a module URL with type: remote)` });
  } else if (kind === 'remote') {
    schema = { type: 'object', properties: {}, 'x-terraform-module': { url: configuration.trim(), path: typeof terraform.path === 'string' ? terraform.path : '' } };
  } else if (kind === 'hcl') {
    try {
      schema = await terraformParameterSchema(configuration, file);
    } catch (err) {
      diagnostics.push(...diagnosticsOf(err, file));
    }
  } else {
    diagnostics.push({ severity: 'warning', code: 'terraform-parameters', file, message: `Terraform component "${cr.metadata.name}": configuration of type "${kind}" is not read; its parameters are not documented` });
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return {
    definition: {
      name: cr.metadata.name,
      type: 'component',
      description,
      file,
      schematic: 'terraform',
      annotations,
      labels: cr.metadata.labels ?? {},
      attributes: { ...attributes, terraform },
      schema,
      cue: '',
      template: '',
    },
    diagnostics,
  };
}

/** The diagnostics an error stands for (an ECUE error carries a list). */
export function diagnosticsOf(err: unknown, file: string): Diagnostic[] {
  if (isVelahubError(err)) {
    if (Array.isArray(err.data)) return err.data as Diagnostic[];
    return [{ severity: 'error', code: err.code.toLowerCase(), file, message: err.message.replace(`${file}: `, '') }];
  }
  throw err;
}

import { hasErrors, type Diagnostic } from '../diagnostics.ts';
import { isVelahubError, VelahubError } from '../errors.ts';
import type { CueEvaluator, DefinitionHeader, DefinitionType } from '../cue/evaluator.ts';
import { markDefinitions, parameterSchemaFromOpenApi, type JsonSchema } from '../params/schema.ts';
import { textOf, type PackageFiles } from './files.ts';
import { checkLayout, roleOf } from './layout.ts';
import { parseMetadata, type AddonMetadata } from './metadata.ts';
import { crToDefinitionCue } from './definition-cr.ts';
import { parse } from 'yaml';
import semver from 'semver';
import { CUE_LINES, describeLine, lineForVelaRange, type CueLine } from '../cue/lines.ts';
import type { InspectedDefinition } from '../cue/evaluator.ts';
import { setMaxListeners } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
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
  /** The header's `alias` (KubeVela's annotation `definition.oam.dev/alias`). */
  alias?: string;
  /** The header says `description: ""` (KubeVela writes an empty description annotation). */
  emptyDescription?: true;
  /** The normalized parameter schema (see params/schema.ts). */
  schema: JsonSchema;
  /** The definition in CUE format (as evaluated). */
  cue: string;
  /** The template body, as a Definition CR carries it. */
  template: string;
  /** What KubeVela stores in the definition's schema ConfigMap (absent when its generator makes none). */
  kubevelaSchema?: Record<string, unknown>;
  /** The CUE line whose results are stored (the one the addon's `system.vela` targets). */
  cueLine?: CueLine;
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

/** How much CUE evaluation one package may cost: definitions are evaluated on every CUE line. */
export interface CueBudget {
  /** Most definition files in one package. */
  maxDefinitions: number;
  /** Total wall time for evaluating the package's CUE, all definitions and lines together. */
  totalMs: number;
  /**
   * Time one definition (or parameter.cue) may take on one CUE line, counted while the engine
   * evaluates it (not while it waits for a worker). Unset: {@link defaultCueBudget}'s.
   */
  definitionMs?: number;
}

/**
 * Generous for real addons: the largest catalog addon has 12 definitions and evaluates in
 * seconds. `definitionMs`: KubeVela evaluates a definition on every reconcile, so a real one
 * never needs seconds. The community catalog's slowest, kruise-rollout's
 * definitions/kruise-rollout.cue, takes 189 ms (median; 261 ms at most) on its slower CUE
 * line: 5 s is 26× that, and 2.5× the slowest of all, the bundled bizworks-ingress (1.2 s
 * median, 2.0 s at most), measured on a loaded 2-core machine (`npx tsx
 * bench/definition-times.ts`, bench/README.md).
 */
export const defaultCueBudget = { maxDefinitions: 100, totalMs: 60_000, definitionMs: 5_000 } as const satisfies CueBudget;

/** Options of {@link inspectAddon}. */
export interface InspectOptions {
  strict?: boolean;
  signal?: AbortSignal;
  budget?: CueBudget;
  /** Whose publish this is (the token's id): the evaluator shares its workers fairly between groups. */
  group?: string;
}

/**
 * Validates a package for real — layout, metadata, and every definition and
 * parameter.cue evaluated by CUE — and derives its manifest. Every problem is
 * reported at once; `strict` makes warnings refuse the package too. The
 * package's CUE shares one time budget, so slow definitions cannot hold the
 * evaluator's workers for long.
 */
export async function inspectAddon(files: PackageFiles, cue: CueEvaluator, options: InspectOptions = {}): Promise<InspectResult> {
  const budget = options.budget ?? defaultCueBudget;
  const definitionCount = [...files.keys()].filter((p) => roleOf(p) === 'definition-cue' || roleOf(p) === 'definition-yaml').length;
  if (definitionCount > budget.maxDefinitions) {
    return {
      diagnostics: [
        {
          severity: 'error',
          code: 'too-many-definitions',
          file: 'definitions/',
          message: `the package has ${definitionCount} definition files; at most ${budget.maxDefinitions} are accepted in one addon`,
          hint: 'split it into several addons that depend on each other',
        },
      ],
    };
  }
  const timeout = new AbortController();
  // Every definition is evaluated on every line at once, each call listening on this signal
  // until it settles: that many listeners is the design, not a leak.
  setMaxListeners(definitionCount * Object.keys(CUE_LINES).length + 8, timeout.signal);
  const timer = setTimeout(
    () => timeout.abort(new VelahubError('ECUE_BUDGET', `evaluating the package's CUE took longer than its budget of ${budget.totalMs / 1000} s and was stopped`, { hint: 'simplify the slowest definitions (lint each one alone to find them)' })),
    budget.totalMs,
  );
  // The caller's signal aborts the budget's too; its listener goes afterwards (AbortSignal.any
  // would leave one on a long-lived signal per package).
  const forward = () => timeout.abort(options.signal!.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener('abort', forward, { once: true });
  try {
    const result = await inspectWithin(files, cue, { ...options, signal: timeout.signal });
    if (timeout.signal.aborted) throw timeout.signal.reason;
    return result;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', forward);
  }
}

async function inspectWithin(files: PackageFiles, cue: CueEvaluator, options: InspectOptions): Promise<InspectResult> {
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
  const line = lineForVelaRange(metadata?.system?.vela, (a, b) => semver.intersects(a, b, { includePrerelease: true }));
  const call = { signal: options.signal, timeoutMs: options.budget?.definitionMs ?? defaultCueBudget.definitionMs, group: options.group };
  const results = await Promise.all(definitionFiles.map((file) => inspectDefinitionFile(file, textOf(files, file)!, cue, { ...call, line })));
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
      parameterSchema = parameterSchemaFromOpenApi(await cue.parameterFileSchema(textOf(files, parameterFile)!, parameterFile, { ...call, line }));
    } catch (err) {
      diagnostics.push(...(isVelahubError(err, 'ECUE_TIMEOUT') ? [tooSlow(parameterFile, line, call.timeoutMs)] : diagnosticsOf(err, parameterFile)));
    }
  }

  const strict = options.strict ?? false;
  const refused = hasErrors(diagnostics, strict);
  if (refused || !metadata) return { diagnostics };
  const readme = textOf(files, 'README.md') ?? textOf(files, 'readme.md') ?? '';
  if (!readme.trim()) diagnostics.push({ severity: 'warning', code: 'missing-readme', file: 'README.md', message: 'no README.md: the addon page and `vela addon list` will show no documentation' });
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  return { manifest: { metadata, readme, definitions, parameterSchema, warnings }, diagnostics };
}

/** Options of {@link inspectDefinitionFile}. */
export interface DefinitionCallOptions {
  signal?: AbortSignal;
  /** The addon's target line, whose results are kept (default: the evaluator's). */
  line?: CueLine;
  /** The time each line's evaluation may take (see {@link CueBudget.definitionMs}). */
  timeoutMs?: number;
  /** Whose work this is, for the evaluator's fair share. */
  group?: string;
}

/**
 * Evaluates one definition file (CUE format or Definition CR YAML) with every
 * CUE line KubeVela runs. The results of `line` (the addon's target) are kept;
 * where the lines disagree — one refuses it, or their schemas differ — a
 * warning names the KubeVela versions affected. A line that runs over
 * `timeoutMs` refuses the file, whichever line it is.
 */
export async function inspectDefinitionFile(
  file: string,
  text: string,
  cue: CueEvaluator,
  options: DefinitionCallOptions = {},
): Promise<{ definition?: DefinitionInfo; diagnostics: Diagnostic[] }> {
  const { signal, timeoutMs, group } = options;
  const line = options.line ?? cue.line;
  let source = text;
  // A Definition CR in YAML is applied by KubeVela as written: its template text is kept, not reformatted.
  let templateAsWritten: string | undefined;
  const fromYaml = /\.ya?ml$/.test(file);
  try {
    if (fromYaml) {
      const terraform = await terraformDefinition(file, text);
      if (terraform) return terraform;
      const converted = crToDefinitionCue(text, file);
      source = converted.cue;
      templateAsWritten = converted.cr.spec.schematic?.cue?.template;
    }
    const others = (Object.keys(CUE_LINES) as CueLine[]).filter((l) => l !== line);
    // The kept line also gives the named #Defs for the docs; the others only need comparing.
    const lines = [line, ...others];
    const settled = await Promise.allSettled(lines.map((l) => cue.inspect(source, file, { signal, line: l, refs: l === line, timeoutMs, group })));
    const slow = settled.findIndex((r) => r.status === 'rejected' && isVelahubError(r.reason, 'ECUE_TIMEOUT'));
    if (slow >= 0) return { diagnostics: [tooSlow(file, lines[slow]!, timeoutMs)] };
    const [primary, ...rest] = settled;
    if (primary!.status === 'rejected') throw primary!.reason;
    const inspected = primary!.value;
    const header: DefinitionHeader = inspected.header;
    const diagnostics: Diagnostic[] = [];
    if (!header.description) diagnostics.push({ severity: 'warning', code: 'definition-no-description', file, message: `${header.type} "${header.name}" has no description: \`vela def list\` and the docs pages will show none` });
    if (inspected.schemaError) {
      diagnostics.push({
        severity: 'warning',
        code: 'schema-unsupported',
        file,
        message: `${header.type} "${header.name}": KubeVela will store no parameter schema for it, so VelaUX shows no form (${describeLine(line)}'s OpenAPI generator: ${inspected.schemaError})`,
        hint: 'avoid constraints inside disjunctions (e.g. *1 | >=2) in parameter, or accept that VelaUX shows no form',
      });
    }
    rest.forEach((r, i) => diagnostics.push(...lineDisagreement(file, header.name, line, inspected, others[i]!, r)));
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
        ...(header.alias !== undefined ? { alias: header.alias } : {}),
        ...(header.emptyDescription ? { emptyDescription: true as const } : {}),
        schema: inspected.openapi ? withDefinitionNames(parameterSchemaFromOpenApi(inspected.openapi), inspected.openapiRefs) : { type: 'object', properties: {} },
        cue: source,
        template: templateAsWritten ?? inspected.template,
        ...(inspected.kubevelaSchema ? { kubevelaSchema: inspected.kubevelaSchema } : {}),
        cueLine: line,
      },
      diagnostics,
    };
  } catch (err) {
    // Lines of a CR converted to CUE do not match the YAML file; keep the message only.
    return { diagnostics: diagnosticsOf(err, file).map((d) => (fromYaml ? { ...d, line: undefined, column: undefined } : d)) };
  }
}

/** The error for a file whose evaluation ran over its per-definition limit. */
function tooSlow(file: string, line: CueLine, timeoutMs: number | undefined): Diagnostic {
  const limit = timeoutMs === undefined ? "the evaluator's limit" : `the limit of ${timeoutMs / 1000} s per definition`;
  return {
    severity: 'error',
    code: 'definition-too-slow',
    file,
    message: `evaluating it with ${describeLine(line)} took longer than ${limit} and was stopped: KubeVela evaluates a definition on every reconcile`,
    hint: 'simplify the template (large comprehensions, deep recursion); real definitions evaluate in milliseconds',
  };
}

function withDefinitionNames(schema: JsonSchema, refs: Record<string, unknown> | undefined): JsonSchema {
  return refs ? markDefinitions(schema, refs) : schema;
}

/** The warning for a definition that another CUE line refuses, or gives another schema. */
function lineDisagreement(file: string, name: string, line: CueLine, kept: InspectedDefinition, other: CueLine, result: PromiseSettledResult<InspectedDefinition>): Diagnostic[] {
  if (result.status === 'rejected') {
    const why = isVelahubError(result.reason) && Array.isArray(result.reason.data) ? (result.reason.data as Diagnostic[])[0] : undefined;
    const where = why?.line ? ` (line ${why.line})` : '';
    return [
      {
        severity: 'warning',
        code: 'cue-line-refuses',
        file,
        ...(why?.line ? { line: why.line, column: why.column } : {}),
        message: `"${name}" evaluates with ${describeLine(line)} but ${describeLine(other)} refuses it${where}: ${why?.message ?? String(result.reason)}`,
        ...(why?.hint ? { hint: why.hint } : { hint: `clusters running KubeVela ${CUE_LINES[other].kubevela} cannot use it` }),
      },
    ];
  }
  const a = kept.kubevelaSchema;
  const b = result.value.kubevelaSchema;
  if ((a === undefined) !== (b === undefined)) {
    const without = a === undefined ? line : other;
    return [{ severity: 'warning', code: 'cue-line-schema', file, message: `"${name}": ${describeLine(without)} generates no parameter schema where ${describeLine(without === line ? other : line)} does: VelaUX on KubeVela ${CUE_LINES[without].kubevela} shows no form` }];
  }
  if (a && b && !isDeepStrictEqual(a, b)) {
    return [{ severity: 'warning', code: 'cue-line-schema', file, message: `"${name}": the parameter schema KubeVela stores differs between ${describeLine(line)} and ${describeLine(other)} (first at ${firstDifference(a, b) || 'the root'})` }];
  }
  return [];
}

/** The first path where two JSON values differ, e.g. `properties.port.default`. */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d !== undefined) return d;
    }
  }
  return path;
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
      // Loaded here, not at the top: its HCL parser is a WebAssembly module that every
      // `velahub show` and `lint` would otherwise decompress and compile for nothing.
      const { terraformParameterSchema } = await import('../terraform/variables.ts');
      schema = await terraformParameterSchema(configuration, file);
    } catch (err) {
      diagnostics.push(...diagnosticsOf(err, file));
    }
  } else {
    diagnostics.push({ severity: 'warning', code: 'terraform-parameters', file, message: `Terraform component "${cr.metadata.name}": configuration of type "${kind}" is not read; its parameters are not documented` });
  }
  if (hasErrors(diagnostics)) return { diagnostics };
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

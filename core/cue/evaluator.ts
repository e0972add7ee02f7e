import { createHash } from 'node:crypto';
import { VelahubError } from '../errors.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { CuePool, type CuePriority, type CueRunOptions } from './pool.ts';
import type { CueRunner } from './runner.ts';
import { explainCueErrors } from './cue-errors.ts';
import { sampleContext, type RenderContext } from './context.ts';
import { STABLE_LINE, type CueLine } from './lines.ts';

/** The four kinds of X-Definition. */
export type DefinitionType = 'component' | 'trait' | 'policy' | 'workflow-step';

/** The header of a definition in the definition CUE format. */
export interface DefinitionHeader {
  name: string;
  type: DefinitionType;
  description: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  attributes: Record<string, unknown>;
  /** `alias`, which KubeVela writes to the annotation `definition.oam.dev/alias`. */
  alias?: string;
  /** Set when the header says `description: ""`: KubeVela then writes the annotation, empty. */
  emptyDescription?: true;
}

/** What evaluating one definition yields. */
export interface InspectedDefinition {
  header: DefinitionHeader;
  /**
   * The OpenAPI v3 document KubeVela's generator makes for `parameter`
   * (`openapi.Gen` with references expanded); absent when it cannot (see `schemaError`).
   */
  openapi?: Record<string, unknown>;
  /** The same document with references kept (`$ref` to each named `#Def`), for the docs' table names. */
  openapiRefs?: Record<string, unknown>;
  /** What KubeVela stores in the definition's `schema-NAME` ConfigMap (`openapi-v3-json-schema`). */
  kubevelaSchema?: Record<string, unknown>;
  /** Why KubeVela's generator makes no schema for this definition (it then stores none). */
  schemaError?: string;
  /** The text of `template`'s body: what a Definition CR carries in `spec.schematic.cue.template`. */
  template: string;
  /** The CUE line that evaluated it. */
  line: CueLine;
}

/** The objects a definition produced for one set of parameters. */
export interface RenderResult {
  /** A component's main workload. */
  output?: Record<string, unknown>;
  /** Extra objects, keyed as in the template. */
  outputs: Record<string, Record<string, unknown>>;
  /** A trait's patch to the workload (not applied). */
  patch?: Record<string, unknown>;
  /** A trait's patch as CUE, with its patch-strategy comments, for {@link CueEvaluator.patch}. */
  patchSource?: string;
}

/** One CUE file of an addon, by its path inside the addon. */
export interface CueSourceFile {
  name: string;
  source: string;
}

/** What an addon's CUE files rendered to. */
export interface AddonRenderResult {
  /** The addon's Application (`output`). */
  output?: Record<string, unknown>;
  /** The auxiliary objects (`outputs`), keyed as in the files. */
  outputs: Record<string, Record<string, unknown>>;
  /** The parameters as unified with parameter.cue: defaults filled in. */
  parameter?: Record<string, unknown>;
}

/** Per-call options: which CUE line to use, and a way to cancel. */
export interface CueCallOptions {
  line?: CueLine;
  signal?: AbortSignal;
  /** Renders default to interactive, everything else to batch (see {@link CuePool}). */
  priority?: CuePriority;
  /** This call's limit in place of the pool's (see {@link CueRunOptions.timeoutMs}). */
  timeoutMs?: number;
  /** Whose work this is, for the pool's fair share (see {@link CueRunOptions.group}). */
  group?: string;
}

/** Options of {@link CueEvaluator.inspect}. */
export interface InspectCallOptions extends CueCallOptions {
  /** Also return `openapiRefs` (costs a second OpenAPI generation): for the docs' table names. */
  refs?: boolean;
}

interface EngineDiagnostic {
  message: string;
  file?: string;
  line?: number;
  column?: number;
  path?: string;
  code?: string;
}

/** Every definition type, in the order KubeVela documents them. */
export const definitionTypes: readonly DefinitionType[] = ['component', 'trait', 'policy', 'workflow-step'];
const inspectCacheSize = 64;

/**
 * The bridge to velahub's CUE engine (cuelang.org/go, one build per KubeVela
 * line). Every call runs on a {@link CueRunner}: by default a worker of a shared
 * {@link CuePool} (WebAssembly); the CLI's one-shot commands pass the native
 * engine's (see engine-choice.ts). Failures throw a VelahubError `ECUE` whose `data` is a list
 * of diagnostics pointing at the user's file and line.
 */
export class CueEvaluator {
  /** The engine backend: a {@link CuePool} (WebAssembly) unless the caller chose another. */
  readonly pool: CueRunner;
  /** The line used when a call names none: KubeVela's stable line unless told otherwise. */
  readonly line: CueLine;

  /** Recent inspections by line, file and source: the same definition is often inspected twice in one run. */
  readonly #inspected = new Map<string, Promise<InspectedDefinition>>();

  constructor(pool: CueRunner = new CuePool(), options: { line?: CueLine } = {}) {
    this.pool = pool;
    this.line = options.line ?? STABLE_LINE;
  }

  /**
   * Evaluates a definition: its header, its template text, and its parameter
   * schema generated as KubeVela generates it. Results are remembered (a few
   * dozen, most recent) since they depend only on the text.
   */
  inspect(source: string, file: string, signalOrOptions?: AbortSignal | InspectCallOptions): Promise<InspectedDefinition> {
    const { line, ...run } = this.#options(signalOrOptions);
    const refs = !(signalOrOptions instanceof AbortSignal) && signalOrOptions?.refs === true;
    const key = `${line}\0${refs}\0${file}\0${createHash('sha256').update(source).digest('hex')}`;
    const known = this.#inspected.get(key);
    if (known) {
      this.#inspected.delete(key);
      this.#inspected.set(key, known);
      return known;
    }
    const running = this.inspectUncached(source, file, { ...run, line, refs });
    this.#inspected.set(key, running);
    running.catch(() => this.#inspected.delete(key));
    while (this.#inspected.size > inspectCacheSize) this.#inspected.delete(this.#inspected.keys().next().value!);
    return running;
  }

  /** {@link inspect} without the memory of recent results (benchmarks measure this). */
  async inspectUncached(source: string, file: string, options: InspectCallOptions = {}): Promise<InspectedDefinition> {
    const line = options.line ?? this.line;
    const res = await this.#call<{ name: string; header: Record<string, unknown>; template: string; openapi?: Record<string, unknown>; openapiRefs?: Record<string, unknown>; schema?: Record<string, unknown>; schemaError?: string }>(
      line,
      { op: 'inspect', file, source, refs: options.refs === true },
      file,
      options,
    );
    return {
      header: toHeader(res.name, res.header, file),
      openapi: res.openapi,
      openapiRefs: res.openapiRefs,
      kubevelaSchema: res.schema,
      schemaError: res.schemaError,
      template: res.template,
      line,
    };
  }

  /**
   * Renders a definition with the given parameters and context. Missing required
   * parameters and type mismatches come back as diagnostics naming the parameter.
   */
  async render(
    source: string,
    file: string,
    options: { parameters?: unknown; context?: Partial<RenderContext> } & CueCallOptions = {},
  ): Promise<RenderResult> {
    const res = await this.#call<{ output?: Record<string, unknown>; outputs?: Record<string, Record<string, unknown>>; patch?: Record<string, unknown>; patchSource?: string }>(
      options.line ?? this.line,
      { op: 'render', file, source, parameters: options.parameters ?? {}, context: sampleContext(options.context) },
      file,
      { ...options, priority: options.priority ?? 'interactive' },
      explainRenderErrors,
    );
    return { output: res.output, outputs: res.outputs ?? {}, patch: res.patch, patchSource: res.patchSource };
  }

  /**
   * Renders an addon whose `template.cue`, `resources/**\/*.cue` and
   * `parameter.cue` form one CUE package, as KubeVela's addon renderer does:
   * the parameters are unified with parameter.cue (so nested defaults fill in)
   * and `context` is KubeVela's addon context.
   */
  async renderAddon(files: CueSourceFile[], options: { parameters?: unknown; context?: Record<string, unknown> } & CueCallOptions = {}): Promise<AddonRenderResult> {
    const res = await this.#call<AddonRenderResult>(
      options.line ?? this.line,
      { op: 'renderAddon', files, parameters: options.parameters ?? {}, context: options.context ?? {} },
      files[0]?.name ?? 'template.cue',
      options,
      explainRenderErrors,
    );
    return { output: res.output, outputs: res.outputs ?? {}, parameter: res.parameter };
  }

  /**
   * Applies a trait's patch (CUE, with KubeVela's `+patchKey` / `+patchStrategy`
   * comments) to a workload, as KubeVela does when the trait is attached.
   */
  patch(workload: Record<string, unknown>, patchSource: string, options: CueCallOptions = {}): Promise<Record<string, unknown>> {
    return this.#call<Record<string, unknown>>(options.line ?? this.line, { op: 'patch', workload, patch: patchSource }, 'patch', options);
  }

  /**
   * The OpenAPI document of an addon's parameter.cue (`parameter: {...}` at the
   * root, possibly in `package main`), generated as for a definition.
   */
  async parameterFileSchema(source: string, file: string, signalOrOptions?: AbortSignal | CueCallOptions): Promise<Record<string, unknown>> {
    const { line, ...run } = this.#options(signalOrOptions);
    const res = await this.#call<{ openapi?: Record<string, unknown>; schemaError?: string }>(line, { op: 'parameterFile', file, source }, file, run);
    if (!res.openapi) {
      throw evalError([{ severity: 'error', code: 'schema-unsupported', file, message: `KubeVela cannot generate a schema for this parameter.cue: ${res.schemaError}` }], file);
    }
    return res.openapi;
  }

  /** Evaluates a CUE file on its own and returns it as JSON (every value must be concrete). */
  exportJson(source: string, file: string, options: CueCallOptions = {}): Promise<unknown> {
    return this.#call<unknown>(options.line ?? this.line, { op: 'export', file, source }, file, options);
  }

  /**
   * A JSON value as the YAML KubeVela stores (sigs.k8s.io/yaml: keys sorted, go-yaml v2's
   * folding), for data that must be byte-identical to what `vela addon enable` writes.
   */
  async kubevelaYaml(value: unknown, options: CueCallOptions = {}): Promise<string> {
    return (await this.#call<{ yaml: string }>(options.line ?? this.line, { op: 'kubevelaYaml', value }, 'kubevelaYaml', options)).yaml;
  }

  /**
   * The `expanded-writer` YAML KubeVela stores for a config template: its `template.nacos` decoded
   * into KubeVela's writer type (defaults taken, values from parameters left empty).
   */
  async configExpandedWriter(source: string, file: string, options: CueCallOptions = {}): Promise<string> {
    return (await this.#call<{ yaml: string }>(options.line ?? this.line, { op: 'configExpandedWriter', file, source }, file, options)).yaml;
  }

  /** The cuelang.org/go version of a line's engine, as the engine reports it. */
  async version(line: CueLine = this.line): Promise<string> {
    return (await this.#call<{ cue: string }>(line, { op: 'version' }, '', {})).cue;
  }

  /** Stops the evaluator's workers. */
  close(): Promise<void> {
    return this.pool.close();
  }

  #options(signalOrOptions: AbortSignal | CueCallOptions | undefined): CueRunOptions & { line: CueLine } {
    if (signalOrOptions instanceof AbortSignal) return { signal: signalOrOptions, line: this.line };
    const { signal, priority, timeoutMs, group } = signalOrOptions ?? {};
    return { signal, priority, timeoutMs, group, line: signalOrOptions?.line ?? this.line };
  }

  async #call<T>(
    line: CueLine,
    request: Record<string, unknown>,
    file: string,
    options: CueRunOptions,
    explain: (d: Diagnostic[]) => Diagnostic[] = (d) => d,
  ): Promise<T> {
    // Only what the pool reads: a caller's options object carries parameters and lines too.
    const { signal, priority, timeoutMs, group } = options;
    const raw = await this.pool.run(line, JSON.stringify(request), { signal, priority, timeoutMs, group });
    const response = JSON.parse(raw) as { diagnostics?: EngineDiagnostic[]; result?: T };
    if (response.diagnostics?.length) {
      const list = response.diagnostics.map(
        (d): Diagnostic => ({
          severity: 'error',
          code: d.code ?? 'cue-error',
          file: d.file || file,
          ...(d.line ? { line: d.line, column: d.column } : {}),
          message: d.message,
        }),
      );
      throw evalError(explainCueErrors(explain(list), line), file);
    }
    return response.result as T;
  }
}

function toHeader(name: string, raw: Record<string, unknown>, file: string): DefinitionHeader {
  const problems: Diagnostic[] = [];
  const type = raw.type;
  if (typeof type !== 'string' || !definitionTypes.includes(type as DefinitionType)) {
    problems.push(diag(file, 'definition-type', `${name}.type is ${JSON.stringify(type)}: expected one of ${definitionTypes.map((t) => `"${t}"`).join(', ')}`));
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    problems.push(diag(file, 'definition-name', `definition name "${name}" is not a valid Kubernetes name: use lowercase letters, digits and "-", at most 63 characters`));
  }
  for (const key of ['annotations', 'labels', 'attributes'] as const) {
    const v = raw[key];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) {
      problems.push(diag(file, 'definition-header', `${name}.${key} must be a struct`));
    }
  }
  if (raw.description !== undefined && typeof raw.description !== 'string') {
    problems.push(diag(file, 'definition-header', `${name}.description must be a string`));
  }
  if (problems.length > 0) throw evalError(problems, file);
  return {
    name,
    type: type as DefinitionType,
    description: (raw.description as string | undefined) ?? '',
    annotations: (raw.annotations as Record<string, string> | undefined) ?? {},
    labels: (raw.labels as Record<string, string> | undefined) ?? {},
    attributes: (raw.attributes as Record<string, unknown> | undefined) ?? {},
    ...(typeof raw.alias === 'string' ? { alias: raw.alias } : {}),
    ...(raw.description === '' ? { emptyDescription: true as const } : {}),
  };
}

/** Rewrites CUE's paths into the names a template author uses (`parameter.route[0].port`). */
function explainRenderErrors(list: Diagnostic[]): Diagnostic[] {
  // CUE writes list indexes as path elements (`route.0.port`); users write `route[0].port`.
  const indexes = (path: string) => path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  const explained = list.map((d) => {
    const m = /^parameter\.([\w.\-[\]"]+): incomplete value (.*)$/.exec(d.message);
    if (m) return { ...d, code: 'parameter-required', field: indexes(m[1]!), message: `parameter "${indexes(m[1]!)}" is required (type ${m[2]})` };
    return { ...d, message: d.message.replace(/^parameter\.([\w.\-[\]"]+)/, (_, path: string) => `parameter.${indexes(path)}`) };
  });
  // What is wrong with the parameters first: the error's message shows the first diagnostic,
  // and "parameter "image" is required" says more than the output field it made incomplete.
  const rank = (d: Diagnostic) => (d.code === 'parameter-required' ? 0 : d.message.startsWith('parameter.') ? 1 : 2);
  return explained.sort((a, b) => rank(a) - rank(b));
}

function diag(file: string, code: string, message: string): Diagnostic {
  return { severity: 'error', code, file, message };
}

function evalError(diagnostics: Diagnostic[], file: string): VelahubError {
  const head = diagnostics[0]?.message ?? 'CUE evaluation failed';
  const extra = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '';
  return new VelahubError('ECUE', `${file}: ${head}${extra}`, { path: file, data: diagnostics, hint: diagnostics[0]?.hint });
}

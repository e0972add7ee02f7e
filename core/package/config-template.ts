import { VelahubError } from '../errors.ts';
import type { CueEvaluator } from '../cue/evaluator.ts';
import type { CueLine } from '../cue/lines.ts';

/** The ConfigMap KubeVela stores a config template in (pkg/config ParseTemplate), without namespace. */
export interface ConfigTemplateMap {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Record<string, string>;
}

/** What KubeVela appends to a config template before it evaluates and stores it (pkg/config/context). */
const configDefaultContext = '\n\tcontext: {\n\t\tname: string\n\t\tnamespace: string\n\t}\n';

/** The text of the first `LABEL: {...}` block starting a line, braces matched (strings skipped). */
function block(source: string, label: RegExp): string | undefined {
  const start = label.exec(source);
  if (!start) return undefined;
  let depth = 0;
  let quote: string | undefined;
  for (let i = start.index + start[0].length - 1; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"') quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return source.slice(start.index, i + 1);
  }
  return undefined;
}

/**
 * The `config-template-NAME` ConfigMap for a file of `config-templates/`, as
 * `vela addon enable` writes it: NAME, alias, scope, sensitive and description
 * from the template's `metadata`, the CUE text with KubeVela's default `context` under `template`, the schema of
 * its parameter under `schema` (YAML, as KubeVela stores it), and the expanded
 * writers under `expanded-writer` (`nacos: null` when it writes nowhere else). The metadata
 * block is literal data and is evaluated on its own, so templates that import
 * KubeVela's `vela/*` packages are read too.
 */
export async function configTemplateConfigMap(file: string, source: string, cue: CueEvaluator, options: { line?: CueLine; signal?: AbortSignal } = {}): Promise<ConfigTemplateMap> {
  const metadataBlock = block(source, /^metadata:\s*\{/m);
  if (!metadataBlock) throw new VelahubError('EINVALID', `${file}: no top-level "metadata: {...}": a config template names itself in metadata.name`, { path: file });
  const meta = ((await cue.exportJson(metadataBlock, file, options)) as { metadata?: Record<string, unknown> }).metadata ?? {};
  if (typeof meta.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(meta.name)) {
    throw new VelahubError('EINVALID', `${file}: metadata.name is ${JSON.stringify(meta.name)}: a config template needs a name of lowercase letters, digits and "-"`, { path: file });
  }
  const text = (k: string) => (typeof meta[k] === 'string' ? (meta[k] as string) : '');
  const schema = await parameterSchema(source, file, cue, options);
  return {
    name: `config-template-${meta.name}`,
    labels: { 'config.oam.dev/catalog': 'velacore-config', 'config.oam.dev/scope': text('scope') },
    annotations: { 'config.oam.dev/description': text('description'), 'config.oam.dev/alias': text('alias'), 'config.oam.dev/sensitive': String(meta.sensitive === true) },
    data: {
      template: source + '\n' + configDefaultContext,
      ...(schema ? { schema: await cue.kubevelaYaml(schema, options) } : {}),
      // Only a template with a writer needs evaluating whole; the others write nowhere else.
      'expanded-writer': /\bnacos\s*:/.test(source) ? await cue.configExpandedWriter(source, file, options) : await cue.kubevelaYaml({ nacos: null }, options),
    },
  };
}

/**
 * The schema KubeVela stores for a config template's `template.parameter`
 * (its OpenAPI generator, as for a definition's parameter). The parameter
 * block is evaluated on its own, so templates importing `vela/*` are read
 * too; a block that needs the rest of the template gives no schema.
 */
async function parameterSchema(source: string, file: string, cue: CueEvaluator, options: { line?: CueLine; signal?: AbortSignal }): Promise<Record<string, unknown> | undefined> {
  const parameter = block(source, /^\s*parameter:\s*\{/m);
  if (!parameter) return undefined;
  try {
    const inspected = await cue.inspect(`"config-template": {\n\ttype: "component"\n}\ntemplate: {\n${parameter.trim()}\n}\n`, file, options);
    return inspected.kubevelaSchema;
  } catch {
    return undefined;
  }
}

/** The ConfigMaps of every file under `config-templates/`, in path order. */
export async function configTemplatesOf(files: Map<string, Uint8Array>, cue: CueEvaluator, options: { line?: CueLine; signal?: AbortSignal } = {}): Promise<ConfigTemplateMap[]> {
  const paths = [...files.keys()].filter((p) => p.startsWith('config-templates/') && p.endsWith('.cue')).sort();
  return Promise.all(paths.map((p) => configTemplateConfigMap(p, Buffer.from(files.get(p)!).toString('utf8'), cue, options)));
}

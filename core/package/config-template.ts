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

/** The text of the top-level `metadata: {...}` block of a config template, braces matched. */
function metadataBlock(source: string): string | undefined {
  const start = /^metadata:\s*\{/m.exec(source);
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
 * from the template's `metadata`, the CUE text under `template`. The metadata
 * block is literal data and is evaluated on its own, so templates that import
 * KubeVela's `vela/*` packages are read too.
 */
export async function configTemplateConfigMap(file: string, source: string, cue: CueEvaluator, options: { line?: CueLine; signal?: AbortSignal } = {}): Promise<ConfigTemplateMap> {
  const block = metadataBlock(source);
  if (!block) throw new VelahubError('EINVALID', `${file}: no top-level "metadata: {...}": a config template names itself in metadata.name`, { path: file });
  const meta = ((await cue.exportJson(block, file, options)) as { metadata?: Record<string, unknown> }).metadata ?? {};
  if (typeof meta.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(meta.name)) {
    throw new VelahubError('EINVALID', `${file}: metadata.name is ${JSON.stringify(meta.name)}: a config template needs a name of lowercase letters, digits and "-"`, { path: file });
  }
  const text = (k: string) => (typeof meta[k] === 'string' ? (meta[k] as string) : '');
  return {
    name: `config-template-${meta.name}`,
    labels: { 'config.oam.dev/catalog': 'velacore-config', 'config.oam.dev/scope': text('scope') },
    annotations: { 'config.oam.dev/description': text('description'), 'config.oam.dev/alias': text('alias'), 'config.oam.dev/sensitive': String(meta.sensitive === true) },
    data: { template: source },
  };
}

/** The ConfigMaps of every file under `config-templates/`, in path order. */
export async function configTemplatesOf(files: Map<string, Uint8Array>, cue: CueEvaluator, options: { line?: CueLine; signal?: AbortSignal } = {}): Promise<ConfigTemplateMap[]> {
  const paths = [...files.keys()].filter((p) => p.startsWith('config-templates/') && p.endsWith('.cue')).sort();
  return Promise.all(paths.map((p) => configTemplateConfigMap(p, Buffer.from(files.get(p)!).toString('utf8'), cue, options)));
}

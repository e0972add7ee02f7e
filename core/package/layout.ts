import type { Diagnostic } from '../diagnostics.ts';
import { textOf, type PackageFiles } from './files.ts';
import { parseYamlAsKubeVela } from './kubevela-yaml.ts';

/** How KubeVela treats a file of an addon folder. */
export type FileRole =
  | 'metadata'
  | 'readme'
  | 'template'
  | 'parameter'
  | 'resource'
  | 'definition-cue'
  | 'definition-yaml'
  | 'ui-schema'
  | 'view'
  | 'config-template'
  | 'notes'
  | 'chart'
  | 'example'
  | 'ignored';

/**
 * The role of a path in the KubeVela addon layout (kubevela-contract.md).
 * `examples/` and `Chart.yaml` are velahub conventions KubeVela skips harmlessly.
 */
export function roleOf(path: string): FileRole {
  const [head, ...rest] = path.split('/');
  const nested = rest.length > 0;
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (!nested) {
    if (head === 'metadata.yaml') return 'metadata';
    if (head === 'README.md' || head === 'readme.md') return 'readme';
    if (head === 'template.yaml' || head === 'template.cue') return 'template';
    if (head === 'parameter.cue') return 'parameter';
    if (head === 'NOTES.cue') return 'notes';
    if (head === 'Chart.yaml') return 'chart';
    return 'ignored';
  }
  switch (head) {
    case 'resources':
      if (path === 'resources/parameter.cue') return 'parameter';
      return ext === 'yaml' || ext === 'yml' || ext === 'cue' || ext === 'json' ? 'resource' : 'ignored';
    case 'definitions':
      if (ext === 'cue') return 'definition-cue';
      if (ext === 'yaml' || ext === 'yml') return 'definition-yaml';
      return 'ignored';
    case 'schemas':
      return ext === 'yaml' || ext === 'yml' ? 'ui-schema' : 'ignored';
    case 'views':
      return ext === 'cue' || ext === 'yaml' || ext === 'yml' ? 'view' : 'ignored';
    case 'config-templates':
      return ext === 'cue' ? 'config-template' : 'ignored';
    case 'examples':
      return 'example';
    default:
      return 'ignored';
  }
}

/**
 * Checks the folder layout without evaluating CUE: one template at most,
 * parseable YAML where KubeVela parses YAML, and a warning for every file
 * KubeVela would silently ignore.
 */
export function checkLayout(files: PackageFiles): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!files.has('metadata.yaml')) {
    out.push({ severity: 'error', code: 'missing-metadata', file: 'metadata.yaml', message: 'missing metadata.yaml: an addon needs one with at least "name" and "version"', hint: 'run `velahub init NAME` for a starting point' });
  }
  if (files.has('template.yaml') && files.has('template.cue')) {
    out.push({ severity: 'error', code: 'two-templates', file: 'template.yaml', message: 'both template.yaml and template.cue exist: KubeVela uses only one; keep one' });
  }
  if (files.has('README.md') && files.has('readme.md')) {
    out.push({ severity: 'warning', code: 'two-readmes', file: 'readme.md', message: 'both README.md and readme.md exist: KubeVela shows only README.md' });
  }
  if (files.has('resources/parameter.cue') && files.has('parameter.cue')) {
    out.push({ severity: 'error', code: 'two-parameters', file: 'resources/parameter.cue', message: 'both parameter.cue and resources/parameter.cue exist: keep parameter.cue' });
  }
  for (const path of [...files.keys()].sort()) {
    const role = roleOf(path);
    if (role === 'ignored') {
      out.push({ severity: 'warning', code: 'ignored-file', file: path, message: `KubeVela ignores "${path}": it is not part of the addon layout`, hint: 'move it to resources/, definitions/, schemas/, views/ or config-templates/, or remove it' });
      continue;
    }
    if (role === 'resource' || role === 'definition-yaml' || role === 'ui-schema' || (role === 'template' && path.endsWith('.yaml'))) {
      if (!/\.(ya?ml)$/.test(path)) continue;
      const parsed = parseYamlAsKubeVela(textOf(files, path) ?? '', path);
      out.push(...parsed.warnings);
      if (parsed.error) out.push(parsed.error);
      if (role === 'resource' && !parsed.error) {
        const objects = parsed.documents;
        if (objects.length !== 1) {
          out.push({ severity: 'error', code: 'resource-count', file: path, message: `holds ${objects.length} YAML documents: KubeVela reads one object per file in resources/` });
        } else {
          const o = objects[0] as { apiVersion?: unknown; kind?: unknown };
          if (typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
            out.push({ severity: 'error', code: 'resource-not-object', file: path, message: 'is not a Kubernetes object: apiVersion and kind are required' });
          }
        }
      }
    }
  }
  return out;
}

/**
 * Tiny addon packages built in code for the registry tests. Most carry no
 * definition, so publishing them costs no CUE evaluation; the ones that test
 * parameter schemas carry one small trait ({@link traitCue}).
 */
import { packFiles } from '../../core/package/archive.ts';
import type { PackageFiles } from '../../core/package/files.ts';
import { packageFiles, type FileTree } from './addons.ts';
import { definitionCue } from './definitions.ts';

/** Options of {@link addonTree}. */
export interface AddonOptions {
  description?: string;
  /** README text (default: a short one). */
  readme?: string;
  /** Lines appended to metadata.yaml verbatim. */
  metadataExtra?: string;
  /** Extra files, or replacements; `null` removes one. */
  files?: Record<string, string | Uint8Array | null>;
}

/** An addon folder as files: metadata.yaml and README.md, plus `options.files`. */
export function addonTree(name: string, version: string, options: AddonOptions = {}): FileTree {
  const tree: FileTree = {
    'metadata.yaml': `name: ${name}\nversion: ${version}\ndescription: ${options.description ?? `The ${name} addon`}\ntags:\n  - demo\n${options.metadataExtra ?? ''}`,
    'README.md': options.readme ?? `# ${name}\n\nA test addon.\n`,
  };
  for (const [path, body] of Object.entries(options.files ?? {})) {
    if (body === null) delete tree[path];
    else tree[path] = body;
  }
  return tree;
}

/** Packs files the way `velahub package` does (top folder `top`, default the name). */
export function archiveOf(tree: FileTree | PackageFiles, meta: { name: string; version: string }, top = meta.name): Buffer {
  return packFiles(top, tree instanceof Map ? tree : packageFiles(tree), meta).data;
}

/** {@link addonTree} packed: the bytes `velahub publish` would upload. */
export function addonArchive(name: string, version: string, options: AddonOptions = {}): Buffer {
  return archiveOf(addonTree(name, version, options), { name, version });
}

/**
 * A trait in the definition CUE format whose `parameter` body is `params`
 * (CUE lines, e.g. `domain: string` and `port?: int`).
 */
export function traitCue(name: string, params: string): string {
  return definitionCue({
    name,
    type: 'trait',
    description: `The ${name} trait`,
    attributes: 'podDisruptive: false',
    template: `\tpatch: metadata: labels: "velahub.dev/${name}": "on"\n`,
    parameter: params.split('\n').join('\n\t\t'),
  });
}

import { stringify } from 'yaml';
import type { AddonMetadata } from '../core/package/metadata.ts';
import type { AddonManifest } from '../core/package/inspect.ts';
import { indexAnnotations } from '../core/package/index-annotations.ts';

/**
 * The archive path of a version, relative to its repository (the registry's base URL for
 * addons, `/helm/` for charts): the `urls` entry of its index.yaml entry.
 */
export function archivePath(name: string, version: string): string {
  return `charts/${name}-${version}.tgz`;
}

/**
 * A version's entry of a Helm repository index: `fields` (keys of Helm's ChartVersion only) with
 * the repository's own `urls`, `created` and bare-hex `digest` after them, for addons and charts alike.
 */
export function indexEntryFields(fields: Record<string, unknown>, archive: { name: string; version: string; digest: string; createdAt: string }): Record<string, unknown> {
  return { ...fields, urls: [archivePath(archive.name, archive.version)], created: archive.createdAt, digest: archive.digest.replace(/^sha256:/, '') };
}

/** An index entry as YAML list-item text indented for `entries.<name>`: computed once at publish, so index.yaml is assembled by concatenation. */
export function indexEntryText(entry: Record<string, unknown>): string {
  return stringify([entry], { lineWidth: 0 })
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/**
 * One version's entry of a Helm repository index, as YAML list-item text
 * indented for `entries.<name>`. Only keys of Helm's ChartVersion schema are
 * used — Helm's strict parser rejects the whole index otherwise — and
 * everything velahub adds goes into string `annotations`.
 */
export function indexEntry(input: { metadata: AddonMetadata; manifest: AddonManifest; digest: string; createdAt: string; deprecated: string | null }): string {
  const m = input.metadata;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.annotations ?? {})) annotations[k] = String(v);
  if (m.system?.vela) annotations[indexAnnotations.systemVela] = m.system.vela;
  if (m.system?.kubernetes) annotations[indexAnnotations.systemKubernetes] = m.system.kubernetes;
  // Always present (even `[]`) so installers know the dependencies without downloading the archive.
  annotations[indexAnnotations.dependencies] = JSON.stringify(m.dependencies ?? []);
  if (input.manifest.definitions.length) {
    annotations[indexAnnotations.definitions] = JSON.stringify(input.manifest.definitions.map((d) => ({ name: d.name, type: d.type })));
  }
  if (input.deprecated) annotations[indexAnnotations.deprecation] = input.deprecated;
  const entry: Record<string, unknown> = {
    apiVersion: 'v2',
    name: m.name,
    version: m.version,
    type: 'library',
  };
  if (m.description) entry.description = m.description;
  if (m.icon) entry.icon = m.icon;
  if (m.url) entry.home = m.url;
  if (m.tags?.length) entry.keywords = m.tags;
  if (input.deprecated) entry.deprecated = true;
  if (Object.keys(annotations).length) entry.annotations = annotations;
  return indexEntryText(indexEntryFields(entry, { name: m.name, version: m.version, digest: input.digest, createdAt: input.createdAt }));
}

/**
 * Assembles index.yaml from precomputed entries (already sorted by name, then
 * newest version first): string concatenation only, no serialization on reads.
 */
export function assembleIndex(entries: Array<{ name: string; entry: string }>, generated: string): string {
  const parts: string[] = ['apiVersion: v1', 'entries:'];
  if (entries.length === 0) parts[1] = 'entries: {}';
  let current: string | undefined;
  for (const e of entries) {
    if (e.name !== current) {
      parts.push(`  ${e.name}:`);
      current = e.name;
    }
    parts.push(e.entry);
  }
  parts.push(`generated: "${generated}"`);
  return parts.join('\n') + '\n';
}

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import type { ChartMetadata } from '../../core/chart/chart-yaml.ts';
import { assembleIndex } from '../index-yaml.ts';
import type { IndexDocument } from '../registry.ts';
import type { ChartStore } from '../store/chart-store.ts';

/** The archive path of a chart version, relative to the chart repository (`/helm/`). */
export function chartArchivePath(name: string, version: string): string {
  return `charts/${name}-${version}.tgz`;
}

/**
 * One chart version as Helm's index (and ChartMuseum's JSON API) describe it:
 * Chart.yaml's fields — only keys of Helm's ChartVersion schema, which Helm
 * parses strictly — plus urls, created and the bare-hex digest.
 */
export function chartVersionEntry(input: { metadata: ChartMetadata; digest: string; createdAt: string }): Record<string, unknown> {
  const m = input.metadata;
  const entry: Record<string, unknown> = { apiVersion: m.apiVersion, name: m.name, version: m.version, type: m.type };
  for (const key of ['description', 'appVersion', 'kubeVersion', 'home', 'icon', 'keywords', 'sources', 'maintainers', 'dependencies', 'annotations', 'deprecated'] as const) {
    if (m[key] !== undefined) entry[key] = m[key];
  }
  entry.urls = [chartArchivePath(m.name, m.version)];
  entry.created = input.createdAt;
  entry.digest = input.digest.replace(/^sha256:/, '');
  return entry;
}

/** {@link chartVersionEntry} as YAML list-item text indented for `entries.<name>`, computed once at upload. */
export function chartIndexEntry(input: { metadata: ChartMetadata; digest: string; createdAt: string }): string {
  return stringify([chartVersionEntry(input)], { lineWidth: 0 })
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

const cache = new WeakMap<ChartStore, { doc: IndexDocument }>();

/**
 * /helm/index.yaml for the current chart revision: text, gzip and a strong ETag,
 * assembled from the precomputed entries once per revision and shared by readers.
 */
export async function chartIndexDocument(store: ChartStore): Promise<IndexDocument> {
  const revision = await store.revision();
  const held = cache.get(store);
  if (held && held.doc.revision === revision) return held.doc;
  const build = async (): Promise<IndexDocument> => {
    const text = assembleIndex(await store.indexEntries(), new Date().toISOString());
    return { text, gzip: gzipSync(text), etag: `"${createHash('sha256').update(text).digest('base64url')}"`, revision };
  };
  const doc = await build();
  cache.set(store, { doc });
  return doc;
}

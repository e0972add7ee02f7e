import { VelahubError } from '../../core/errors.ts';
import { versionDetail } from '../api-models.ts';
import { requireAddon, requireVersion } from '../lookups.ts';
import type { Registry } from '../registry.ts';
import { archiveSource, indexSource, jsonSource, type DocumentSource } from './send-documents.ts';

/**
 * The hot documents: the one table of the URLs that both the hot-read front (hot-reads.ts) and
 * express (routes/read.ts) answer, with what loads each. Both send what `load` returns through
 * the same preparation (send-documents.ts), so their bytes, headers and ETags cannot drift.
 */

/** One hot URL. */
export interface HotRoute {
  /** The path as express names it: its route, and its label in /metrics from either front. */
  route: string;
  /** `revision`: dropped on every catalog change; `immutable`: an archive, kept across revisions. */
  cache: 'revision' | 'immutable';
  /** The document for the route's (decoded) params; throws the lookups' errors for what is not there. */
  load(registry: Registry, params: Record<string, string>): Promise<DocumentSource>;
}

/** An archive name under /charts/: a leading v is part of the version as published (KubeVela's catalog writes v1.9.5). */
const archiveFile = /^([a-z0-9]+(?:-[a-z0-9]+)*)-(v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\.tgz$/;

async function addonArchive(registry: Registry, name: string, version: string): Promise<DocumentSource> {
  const v = await requireVersion(registry.store, name, version);
  return archiveSource(registry.blobs, v.digest);
}

/** The table, most specific paths first. */
export const hotRoutes: readonly HotRoute[] = [
  {
    route: '/index.yaml',
    cache: 'revision',
    async load(registry) {
      // Served from the per-revision cache: text, gzip and ETag are computed once per catalog change.
      const doc = await registry.indexYaml();
      return indexSource(doc, { 'X-Catalog-Revision': String(doc.revision) });
    },
  },
  {
    route: '/charts/:file',
    cache: 'immutable',
    async load(registry, { file }) {
      const m = archiveFile.exec(file!);
      if (!m) throw new VelahubError('ENOT_FOUND', `${file} is not an archive name: expected NAME-VERSION.tgz`);
      return addonArchive(registry, m[1]!, m[2]!);
    },
  },
  {
    route: '/api/v1/addons/:name/versions/:version/archive',
    cache: 'immutable',
    load: (registry, { name, version }) => addonArchive(registry, name!, version!),
  },
  {
    route: '/api/v1/addons/:name/versions/:version',
    cache: 'revision',
    load: async (registry, { name, version }) => jsonSource(versionDetail(await requireVersion(registry.store, name!, version!))),
  },
  {
    route: '/api/v1/addons/:name',
    cache: 'revision',
    load: async (registry, { name }) => jsonSource(await requireAddon(registry.store, name!)),
  },
];

/** Each route as a regular expression over a raw path, with its parameter names in order. */
const compiled = hotRoutes.map((hot) => {
  const names: string[] = [];
  const source = hot.route.replace(/[.]/g, '\\.').replace(/:(\w+)/g, (_, name: string) => (names.push(name), '([^/]+)'));
  return { hot, names, pattern: new RegExp(`^${source}$`) };
});

/** The hot route a raw request path (no query string) names, with its decoded params; undefined when none does. */
export function matchHotRoute(path: string): { hot: HotRoute; params: Record<string, string> } | undefined {
  for (const { hot, names, pattern } of compiled) {
    const m = pattern.exec(path);
    if (!m) continue;
    try {
      return { hot, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    } catch {
      // A malformed escape: express answers it.
      return undefined;
    }
  }
  return undefined;
}

import { VelahubError } from '../core/errors.ts';
import type { DefinitionInfo } from '../core/package/inspect.ts';
import type { ChartDetail } from './charts/chart-models.ts';
import { addonDocument } from './read-documents.ts';
import { newestVersion, type ChartStore, type ChartVersionRecord } from './store/chart-store.ts';
import type { MetadataStore } from './store/metadata-store.ts';
import type { VersionRecord } from './store/records.ts';

/**
 * Finding what a request names, or refusing with the one message each miss
 * has everywhere (API, pages, render, admin): the addon, a version of it (the
 * message lists the versions there are), a definition of a version (it lists
 * the definitions there are), a chart and a chart version.
 */

/** An addon as GET /api/v1/addons/:name returns it: its row, `distTags.latest` and its versions. */
export type AddonDetail = NonNullable<Awaited<ReturnType<typeof addonDocument>>>;

/** The addon `name`, or ENOT_FOUND. */
export async function requireAddon(store: MetadataStore, name: string): Promise<AddonDetail> {
  const doc = await addonDocument(store, name);
  if (!doc) throw new VelahubError('ENOT_FOUND', `addon "${name}" not found`);
  return doc;
}

/** The version `name@version`, or ENOT_FOUND naming the addon's versions. */
export async function requireVersion(store: Pick<MetadataStore, 'getVersion' | 'listVersions'>, name: string, version: string): Promise<VersionRecord> {
  const v = await store.getVersion(name, version);
  if (v) return v;
  const versions = (await store.listVersions(name)).map((x) => x.version);
  throw new VelahubError('ENOT_FOUND', versions.length ? `${name}@${version} not found: available versions are ${versions.join(', ')}` : `addon "${name}" not found`);
}

/**
 * The definition `name` of a version (of `type`, when two share the name), or
 * EDEFINITION_NOT_FOUND naming the definitions it has. Takes the version
 * already looked up, so callers that hold one (the render cache) read nothing again.
 */
export function requireDefinition(v: VersionRecord, name: string, type?: string): DefinitionInfo {
  const def = v.manifest.definitions.find((d) => d.name === name && (!type || d.type === type));
  if (!def) throw new VelahubError('EDEFINITION_NOT_FOUND', `${v.name}@${v.version} has no definition "${name}": it provides ${v.manifest.definitions.map((d) => d.name).join(', ') || 'none'}`);
  return def;
}

/** A chart's live versions and its newest, or ENOT_FOUND. */
export async function requireChart(charts: ChartStore, name: string): Promise<ChartDetail> {
  const versions = await charts.versions(name);
  if (versions.length === 0) throw new VelahubError('ENOT_FOUND', `chart "${name}" not found`, { hint: 'list the charts with `velahub chart list`' });
  return { name, latest: newestVersion(versions.map((v) => v.version))!, versions };
}

/** A live chart version, or ENOT_FOUND naming the versions there are (and when it was deleted, if it was). */
export async function requireChartVersion(charts: ChartStore, name: string, version: string): Promise<ChartVersionRecord> {
  const v = await charts.get(name, version);
  if (v && !v.deletedAt) return v;
  const { versions } = await requireChart(charts, name);
  throw new VelahubError('ENOT_FOUND', `chart ${name}@${version} ${v?.deletedAt ? `was deleted at ${v.deletedAt}` : 'not found'}: its versions are ${versions.map((x) => x.version).join(', ')}`);
}

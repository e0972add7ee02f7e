import { VelahubError } from '../core/errors.ts';
import type { DefinitionInfo } from '../core/package/inspect.ts';
import { addonDocument } from './read-documents.ts';
import type { MetadataStore } from './store/metadata-store.ts';
import type { VersionRecord } from './store/records.ts';

/**
 * Finding what a request names, or refusing with the one message each miss
 * has everywhere (API, pages, render, admin): the addon, a version of it (the
 * message lists the versions there are) and a definition of a version (it
 * lists the definitions there are). Charts have theirs in charts/chart-lookups.ts.
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

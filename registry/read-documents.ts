import type { MetadataStore } from './store/metadata-store.ts';

/**
 * `GET /api/v1/addons/NAME`: the addon row, its versions and `distTags.latest`, or undefined when
 * there is no such addon. One function for the express route and the hot-read layer, so both
 * serve the same document.
 */
export async function addonDocument(store: MetadataStore, name: string) {
  const addon = await store.getAddon(name);
  if (!addon) return undefined;
  const versions = await store.listVersions(name);
  return { ...addon, distTags: { latest: addon.latest }, versions };
}

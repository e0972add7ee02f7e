import { requireOwnedVersion, type VersionChangeDeps } from './owned-version.ts';
import type { TokenRecord } from './store/records.ts';

/**
 * Yanks a version, as `cargo yank` does: ranges never pick it again, while
 * an exact pin (a lock file) still gets it. Owners of the name or admins only.
 */
export async function yankVersion(deps: VersionChangeDeps, token: TokenRecord | undefined, input: { name: string; version: string; reason: string | null }): Promise<{ name: string; version: string; yanked: true; reason: string | null }> {
  const v = await requireOwnedVersion(deps.store, token, input.name, input.version);
  await deps.store.setYanked(v.name, v.version, true, input.reason);
  await deps.refreshIndex();
  return { name: v.name, version: v.version, yanked: true, reason: input.reason };
}

/** Takes a yank back: ranges may pick the version again. Owners of the name or admins only. */
export async function unyankVersion(deps: VersionChangeDeps, token: TokenRecord | undefined, input: { name: string; version: string }): Promise<{ name: string; version: string; yanked: false }> {
  const v = await requireOwnedVersion(deps.store, token, input.name, input.version);
  await deps.store.setYanked(v.name, v.version, false, null);
  await deps.refreshIndex();
  return { name: v.name, version: v.version, yanked: false };
}

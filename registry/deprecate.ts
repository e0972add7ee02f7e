import { VelahubError } from '../core/errors.ts';
import { indexEntry } from './index-yaml.ts';
import { requireOwnedVersion, type VersionChangeDeps } from './owned-version.ts';
import type { TokenRecord, VersionRecord } from './store/records.ts';

/** A version's deprecation after the change. */
export interface DeprecateResult {
  name: string;
  version: string;
  deprecated: string | null;
}

/**
 * Marks a version deprecated with a message (why, and what to use instead),
 * as `npm deprecate` does: it stays installable, and index.yaml and the pages
 * show the message. Owners of the name or admins only.
 */
export async function deprecateVersion(deps: VersionChangeDeps, token: TokenRecord | undefined, input: { name: string; version: string; message: string }): Promise<DeprecateResult> {
  const v = await requireOwnedVersion(deps.store, token, input.name, input.version);
  const message = input.message.trim();
  if (!message) throw new VelahubError('EBAD_REQUEST', 'body must be {"message": "why, and what to use instead"}');
  return setDeprecation(deps, v, message);
}

/** Takes a version's deprecation back. Owners of the name or admins only. */
export async function undeprecateVersion(deps: VersionChangeDeps, token: TokenRecord | undefined, input: { name: string; version: string }): Promise<DeprecateResult> {
  return setDeprecation(deps, await requireOwnedVersion(deps.store, token, input.name, input.version), null);
}

/** The index entry is rewritten with the row: index.yaml is assembled from stored entries. */
async function setDeprecation(deps: VersionChangeDeps, v: VersionRecord, message: string | null): Promise<DeprecateResult> {
  await deps.store.setDeprecated(v.name, v.version, message, indexEntry({ metadata: v.metadata, manifest: v.manifest, digest: v.digest, createdAt: v.createdAt, deprecated: message }));
  await deps.refreshIndex();
  return { name: v.name, version: v.version, deprecated: message };
}

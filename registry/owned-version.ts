import { VelahubError } from '../core/errors.ts';
import { requireVersion } from './lookups.ts';
import type { MetadataStore } from './store/metadata-store.ts';
import type { TokenRecord, VersionRecord } from './store/records.ts';
import { mayPublish } from './tokens.ts';

/** What changing a published version's state (deprecate, yank) needs: the store, and the index rebuild that publishes the change. */
export interface VersionChangeDeps {
  store: MetadataStore;
  refreshIndex: () => Promise<void>;
}

/**
 * The version `name@version`, once the token is known to cover the name
 * (its owners' publish tokens, or an admin): what deprecating and yanking change.
 * The token is checked first, so who may not change a name learns nothing about its versions.
 */
export async function requireOwnedVersion(store: MetadataStore, token: TokenRecord | undefined, name: string, version: string): Promise<VersionRecord> {
  if (!token) throw new VelahubError('EUNAUTHORIZED', 'this needs a token: send Authorization: Bearer <token>');
  if (!mayPublish(token, name)) throw new VelahubError('EFORBIDDEN', `token ${token.id} may not change "${name}"`);
  return requireVersion(store, name, version);
}

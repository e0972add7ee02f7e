import { randomBytes } from 'node:crypto';
import { VelahubError } from '../core/errors.ts';
import type { MetadataStore } from './store/metadata-store.ts';
import type { TokenRecord, TokenScope } from './store/records.ts';

const scopes: readonly TokenScope[] = ['read', 'publish', 'admin'];
const patternRe = /^[a-z0-9]+(-[a-z0-9]+)*(-\*)?$|^\*$/;

/** Creates a token; the secret is returned once and only its hash is stored. */
export async function createToken(store: MetadataStore, input: { scope: string; pattern?: string; description?: string; secret?: string }): Promise<{ token: string; record: TokenRecord }> {
  if (!scopes.includes(input.scope as TokenScope)) {
    throw new VelahubError('EUSAGE', `scope ${JSON.stringify(input.scope)} is invalid: use one of ${scopes.join(', ')}`, { path: 'scope' });
  }
  const scope = input.scope as TokenScope;
  if (scope === 'publish') {
    if (!input.pattern || !patternRe.test(input.pattern)) {
      throw new VelahubError('EUSAGE', `a publish token needs a name or prefix pattern such as "bizworks-*", got ${JSON.stringify(input.pattern ?? '')}`, { path: 'pattern' });
    }
  } else if (input.pattern) {
    throw new VelahubError('EUSAGE', `pattern applies to publish tokens only (scope is ${scope})`, { path: 'pattern' });
  }
  const token = input.secret ?? `vh_${randomBytes(24).toString('base64url')}`;
  const record: TokenRecord = {
    id: `tok_${randomBytes(6).toString('hex')}`,
    description: input.description ?? '',
    scope,
    pattern: scope === 'publish' ? input.pattern! : null,
    createdAt: new Date().toISOString(),
    revokedAt: null,
  };
  await store.createToken({ ...record, hash: store.tokenHash(token) });
  return { token, record };
}

/** True when a publish pattern (`name`, `prefix-*`, `*`) covers an addon name. */
function patternAllows(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('-*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

/** True when a token may publish (or change) the addon `name`. */
export function mayPublish(token: TokenRecord, name: string): boolean {
  if (token.revokedAt) return false;
  if (token.scope === 'admin') return true;
  return token.scope === 'publish' && token.pattern !== null && patternAllows(token.pattern, name);
}

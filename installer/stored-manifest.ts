import type { AddonManifest } from '../core/package/inspect.ts';
import type { Candidate } from '../core/resolve/types.ts';
import type { StoredManifest } from '../registry/api-models.ts';
import { registryHeaders, type RegistrySource } from './registry-index.ts';

/**
 * The manifest a velahub registry derived at publish for a candidate, when it
 * was derived from exactly the archive the index promised (its digest equals
 * the candidate's, which the download verifies against the archive's sha256).
 * Undefined whenever it cannot be trusted or had: not a velahub registry, one
 * without the route, unreachable, an unreadable answer, another digest — the
 * caller then evaluates the archive's CUE itself, as it always did.
 */
export async function storedManifestFor(candidate: Candidate, source: RegistrySource | undefined, signal?: AbortSignal): Promise<AddonManifest | undefined> {
  if (!candidate.manifestUrl || !candidate.digest) return undefined;
  try {
    const res = await fetch(candidate.manifestUrl, { headers: { accept: 'application/json', ...(source ? registryHeaders(source) : {}) }, signal: signal ?? AbortSignal.timeout(30_000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Partial<StoredManifest>;
    const m = body.manifest;
    // A manifest short of what enabling reads (a registry of another velahub version) is not used either.
    const complete = typeof m?.metadata?.name === 'string' && Array.isArray(m.definitions) && m.definitions.every((d) => typeof d?.template === 'string' && typeof d.schematic === 'string');
    if (body.digest !== candidate.digest || !complete) return undefined;
    return m;
  } catch {
    signal?.throwIfAborted();
    return undefined;
  }
}

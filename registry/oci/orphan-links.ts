import { blobDigests, parseImageManifest } from '../../core/oci/manifest.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { OciStore } from '../store/oci-store.ts';

/**
 * Unlinks the OCI blob links that no manifest of their repository names, once untouched since
 * `cutoff`: blobs pushed for a manifest that never came, or left by a deleted image manifest.
 * Their blobs are then unreferenced and collected like any other. A repository holding a
 * manifest whose bytes cannot be read keeps all its links (what it names is unknown). Returns
 * `REPO@DIGEST` of each link removed (or, with dryRun, that would be).
 */
export async function unlinkOrphanBlobs(deps: { oci: OciStore; blobs: BlobStore }, cutoff: Date, dryRun = false): Promise<string[]> {
  const old = await deps.oci.linksOlderThan(cutoff);
  if (old.length === 0) return [];
  const named = new Set<string>();
  const unreadable = new Set<string>();
  for (const m of await deps.oci.allManifests()) {
    const bytes = await deps.blobs.get(m.digest);
    const parsed = bytes ? parseImageManifest(bytes, m.mediaType) : undefined;
    if (!parsed || 'code' in parsed) {
      unreadable.add(m.repo);
      continue;
    }
    for (const d of blobDigests(parsed)) named.add(`${m.repo}@${d}`);
  }
  const removed: string[] = [];
  for (const { repo, digest } of old) {
    const link = `${repo}@${digest}`;
    if (unreadable.has(repo) || named.has(link)) continue;
    // Conditional on the link's age: a manifest pushed since the list was read refreshed it.
    if (dryRun || (await deps.oci.unlinkIfOlder(repo, digest, cutoff))) removed.push(link);
  }
  return removed;
}

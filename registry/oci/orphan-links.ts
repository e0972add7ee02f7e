import { blobDigests, parseImageManifest } from '../../core/oci/manifest.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { OciStore } from '../store/oci-store.ts';

/**
 * Unlinks the OCI blob links that no manifest of their repository names, once untouched since
 * `cutoff`: blobs pushed for a manifest that never came, or left by a deleted image manifest.
 * Their blobs are then unreferenced and collected like any other. Only repositories with a
 * candidate link ({@link OciStore.unlinkCandidates}) have their manifests read, so an hourly gc
 * of a registry of charts reads none. A repository holding a manifest whose bytes cannot be
 * read keeps all its links (what it names is unknown). Returns `REPO@DIGEST` of each link
 * removed (or, with dryRun, that would be).
 */
export async function unlinkOrphanBlobs(deps: { oci: OciStore; blobs: BlobStore }, cutoff: Date, dryRun = false): Promise<string[]> {
  const byRepo = new Map<string, string[]>();
  for (const { repo, digest } of await deps.oci.unlinkCandidates(cutoff)) byRepo.set(repo, [...(byRepo.get(repo) ?? []), digest]);
  const removed: string[] = [];
  for (const [repo, candidates] of byRepo) {
    const named = await layersNamedIn(deps, repo);
    if (!named) continue;
    for (const digest of candidates) {
      if (named.has(digest)) continue;
      // Conditional on the link's age: a manifest pushed since the candidates were read refreshed it.
      if (dryRun || (await deps.oci.unlinkIfOlder(repo, digest, cutoff))) removed.push(`${repo}@${digest}`);
    }
  }
  return removed;
}

/** Every blob the manifests of `repo` name; undefined when one of them cannot be read. */
async function layersNamedIn(deps: { oci: OciStore; blobs: BlobStore }, repo: string): Promise<Set<string> | undefined> {
  const named = new Set<string>();
  for (const m of await deps.oci.manifestsIn(repo)) {
    const bytes = await deps.blobs.get(m.digest);
    const parsed = bytes ? parseImageManifest(bytes, m.mediaType) : undefined;
    if (!parsed || 'code' in parsed) return undefined;
    for (const d of blobDigests(parsed)) named.add(d);
  }
  return named;
}

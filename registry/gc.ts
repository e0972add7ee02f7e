import type { BlobStore } from './store/blob-store.ts';
import type { MetadataStore } from './store/metadata-store.ts';
import type { OciStore } from './store/oci-store.ts';
import { unlinkOrphanBlobs } from './oci/orphan-links.ts';
import { Uploads, type OciUploadOptions } from './oci/uploads.ts';

/** What a collection found and did. */
export interface GcResult {
  /** Unreferenced blobs removed (or, with dryRun, that would be). */
  removed: string[];
  /** Unreferenced blobs kept because they were written too recently (a publish may be about to reference them). */
  young: string[];
  /** Leftover temp files of crashed writes removed. */
  tempFiles: string[];
  /** Blobs a version, an OCI manifest or an OCI repository refers to. */
  referenced: number;
  /** OCI blob uploads in progress removed because nobody sent a chunk for longer than their time bound. */
  uploads: string[];
  /** OCI blob links (`REPO@DIGEST`) no manifest of their repository names, removed once older than the bound. */
  links: string[];
}

/** How old an unreferenced blob must be before it is collected. */
export const defaultGcAgeMs = 60 * 60 * 1000;

/**
 * Removes archive blobs no version refers to and that were last written more than `olderThanMs`
 * ago, plus stale temp files, OCI uploads in progress past their time bound and OCI blob links
 * no manifest names (older than the same bound; their blobs go in the same run). Publish writes a blob only inside the transaction that inserts its
 * row, so unreferenced blobs come from crashes; the age bound and the blob store's
 * move-aside-then-check removal keep any blob a concurrent publish is writing or re-marking.
 */
export async function collectGarbage(
  deps: { store: MetadataStore; blobs: BlobStore; oci?: OciStore; ociUploads?: OciUploadOptions },
  options: { olderThanMs?: number; now?: Date; dryRun?: boolean } = {},
): Promise<GcResult> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - (options.olderThanMs ?? defaultGcAgeMs));
  // Links first: a blob pushed for a manifest that never came is then unreferenced below.
  const links = deps.oci ? await unlinkOrphanBlobs({ oci: deps.oci, blobs: deps.blobs }, cutoff, options.dryRun) : [];
  // Blobs first, references second: a row committed in between refers to a blob already listed,
  // and that blob was marked fresh by its publish, so the age bound keeps it.
  const blobs = await deps.blobs.list();
  const referenced = await deps.store.referencedDigests();
  const result: GcResult = { removed: [], young: [], tempFiles: [], referenced: referenced.size, uploads: [], links };
  // Uploads that never finished: gone once untouched for their own time bound (they are refused as unknown from then on).
  if (deps.ociUploads) {
    const now = options.now ?? new Date();
    result.uploads = await new Uploads(deps.store.db, deps.ociUploads).sweep(new Date(now.getTime() - deps.ociUploads.ttlMs), options.dryRun);
  }
  for (const blob of blobs) {
    if (!blob.digest) {
      if (blob.writtenAt < cutoff && (options.dryRun || (await deps.blobs.removeTempIfStale(blob.path, cutoff)))) result.tempFiles.push(blob.path);
      continue;
    }
    if (referenced.has(blob.digest)) continue;
    if (blob.writtenAt >= cutoff) {
      result.young.push(blob.digest);
      continue;
    }
    if (options.dryRun || (await deps.blobs.removeIfStale(blob.digest, cutoff))) result.removed.push(blob.digest);
    else result.young.push(blob.digest);
  }
  return result;
}

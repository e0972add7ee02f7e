/**
 * A BlobStore that runs a hook after each write of the one it wraps: tests
 * simulate a crash between publish's blob write and its row commit with it.
 */
import type { BlobStore } from '../../registry/store/blob-store.ts';

/** `blobs`, with `hook` run after every successful put (its throw fails the put). */
export function afterEachPut(blobs: BlobStore, hook: () => void | Promise<void>): BlobStore {
  return {
    async put(data) {
      const digest = await blobs.put(data);
      await hook();
      return digest;
    },
    get: (digest) => blobs.get(digest),
    has: (digest) => blobs.has(digest),
    list: () => blobs.list(),
    removeIfStale: (digest, cutoff) => blobs.removeIfStale(digest, cutoff),
    removeTempIfStale: (path, cutoff) => blobs.removeTempIfStale(path, cutoff),
  };
}

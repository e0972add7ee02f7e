/**
 * Builds (once) and caches SeaweedFS's `weed`, the real S3 server of the blob-store and replica
 * tests, compiled from the Go module pinned in this folder's go.mod/go.sum (cached under
 * ~/.cache/velahub-testenv-s3/<sha256(go.sum)[:16]>/, like the control plane and helm).
 *
 * Run as a script (`npx tsx test/s3/build.ts`) to warm the cache and print the binary's path.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeGoToolProgress, ensureGoTool, type GoTool, type GoToolOptions, type GoToolProgress } from '../support/go-build.ts';

/** The SeaweedFS module version (a pseudo-version: the proxy serves no tagged v3 module); must match go.mod. */
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

/** The Go module that wraps github.com/seaweedfs/seaweedfs (this folder). */
export const S3_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/** One step of `ensureSeaweedfs`, for a caller that wants to show progress. */
export type SeaweedfsBuildProgress = GoToolProgress;

/** Options of `ensureSeaweedfs`; the cache root defaults to ~/.cache/velahub-testenv-s3 (or $VELAHUB_TESTENV_S3_CACHE). */
export type EnsureSeaweedfsOptions = GoToolOptions;

const SEAWEEDFS: GoTool = {
  spec: {
    moduleDir: S3_MODULE_DIR,
    target: { binary: 'weed', pkg: 'github.com/seaweedfs/seaweedfs/weed' },
    // -buildvcs=false: the module cache holds no VCS data to stamp, and go would refuse.
    buildFlags: ['-buildvcs=false', '-ldflags', '-s -w'],
    verify: {
      binary: 'weed',
      args: ['version'],
      expected: 'a line starting with "version"',
      accepts: (out) => /^version /m.test(out),
    },
    buildInfo: (elapsedMs) => `github.com/seaweedfs/seaweedfs ${SEAWEEDFS_VERSION}\nbuilt ${new Date().toISOString()} in ${Math.round(elapsedMs / 1000)}s\n`,
    purpose: 'SeaweedFS, the S3 server of the blob-store tests',
  },
  cacheEnv: 'VELAHUB_TESTENV_S3_CACHE',
  cacheDir: 'velahub-testenv-s3',
  words: { tool: 'SeaweedFS', versioned: 'SeaweedFS', source: 'SeaweedFS (weed) from github.com/seaweedfs/seaweedfs', coldBuild: 'several minutes' },
};

/**
 * Returns the path of the cached `weed` binary, building it first when the cache for this go.sum
 * is empty. Concurrent callers (processes too) wait for one build.
 */
export function ensureSeaweedfs(opts: EnsureSeaweedfsOptions = {}): Promise<string> {
  return ensureGoTool(SEAWEEDFS, opts);
}

/** Human wording of a progress step. */
export function describeSeaweedfsProgress(p: SeaweedfsBuildProgress): string {
  return describeGoToolProgress(SEAWEEDFS.words, p);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const weed = await ensureSeaweedfs({ onProgress: (p) => console.error(describeSeaweedfsProgress(p)) });
  console.log(weed);
}

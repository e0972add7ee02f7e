/**
 * Builds (once) and caches SeaweedFS's `weed`, the real S3 server of the blob-store and replica
 * tests, compiled from the Go module pinned in this folder's go.mod/go.sum (cached under
 * ~/.cache/velahub-testenv-s3/<sha256(go.sum)[:16]>/, like the control plane and helm).
 *
 * Run as a script (`npx tsx test/s3/build.ts`) to warm the cache and print the binary's path.
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoBuild, type GoBuildOptions, type GoBuildSpec } from '../support/go-build.ts';

/** The SeaweedFS module version (a pseudo-version: the proxy serves no tagged v3 module); must match go.mod. */
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

/** The Go module that wraps github.com/seaweedfs/seaweedfs (this folder). */
export const S3_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/** One step of `ensureSeaweedfs`, for a caller that wants to show progress. */
export type SeaweedfsBuildProgress =
  | { kind: 'cached'; path: string }
  | { kind: 'waiting'; lockOwnerPid: number; elapsedMs: number }
  | { kind: 'building'; elapsedMs: number }
  | { kind: 'done'; path: string; elapsedMs: number };

/** Options of `ensureSeaweedfs`: those of the shared Go build, with this build's progress steps. */
export interface EnsureSeaweedfsOptions extends Omit<GoBuildOptions, 'onProgress'> {
  /** Called on each step, and every `heartbeatMs` while weed compiles. */
  onProgress?: (progress: SeaweedfsBuildProgress) => void;
  /** Defaults to ~/.cache/velahub-testenv-s3 (or $VELAHUB_TESTENV_S3_CACHE). */
  cacheRoot?: string;
}

const SPEC: Omit<GoBuildSpec, 'cacheRoot'> = {
  moduleDir: S3_MODULE_DIR,
  targets: [{ binary: 'weed', pkg: 'github.com/seaweedfs/seaweedfs/weed' }],
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
};

function defaultCacheRoot(): string {
  return process.env.VELAHUB_TESTENV_S3_CACHE ?? join(homedir(), '.cache', 'velahub-testenv-s3');
}

/**
 * Returns the path of the cached `weed` binary, building it first when the cache for this go.sum
 * is empty. Concurrent callers (processes too) wait for one build.
 */
export async function ensureSeaweedfs(opts: EnsureSeaweedfsOptions = {}): Promise<string> {
  const { cacheRoot = defaultCacheRoot(), onProgress, ...rest } = opts;
  const dir = await ensureGoBuild({ ...SPEC, cacheRoot }, {
    ...rest,
    onProgress:
      onProgress &&
      ((p) => {
        if (p.kind === 'cached') onProgress({ kind: 'cached', path: join(p.dir, 'weed') });
        else if (p.kind === 'done') onProgress({ kind: 'done', path: join(p.dir, 'weed'), elapsedMs: p.elapsedMs });
        else if (p.kind === 'building') onProgress({ kind: 'building', elapsedMs: p.elapsedMs });
        else if (p.kind === 'waiting') onProgress(p);
      }),
  });
  return join(dir, 'weed');
}

/** Human wording of a progress step. */
export function describeSeaweedfsProgress(p: SeaweedfsBuildProgress): string {
  const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
  switch (p.kind) {
    case 'cached':
      return `SeaweedFS cached at ${p.path}`;
    case 'waiting':
      return `waiting for the SeaweedFS build in process ${p.lockOwnerPid} (${secs(p.elapsedMs)})`;
    case 'building':
      return `building SeaweedFS (weed) from github.com/seaweedfs/seaweedfs, ${secs(p.elapsedMs)} elapsed; a cold build takes several minutes`;
    case 'done':
      return `SeaweedFS built in ${secs(p.elapsedMs)} at ${p.path}`;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const weed = await ensureSeaweedfs({ onProgress: (p) => console.error(describeSeaweedfsProgress(p)) });
  console.log(weed);
}

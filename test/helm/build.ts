/**
 * Builds (once) and caches the real `helm` v3 CLI, compiled from the Go module pinned in this
 * folder's go.mod/go.sum, for the Helm compatibility test.
 *
 * Run as a script (`npx tsx test/helm/build.ts`) to warm the cache and print the binary's path.
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoBuild, goSumKey, type GoBuildOptions, type GoBuildSpec } from '../support/go-build.ts';

/** Helm version the binary is built from; must match the require in go.mod. */
export const HELM_VERSION = 'v3.22.0';

/** The Go module that wraps helm.sh/helm/v3 (this folder). */
export const HELM_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/** One step of `ensureHelm`, for a caller that wants to show progress. */
export type HelmBuildProgress =
  | { kind: 'cached'; path: string }
  | { kind: 'waiting'; lockOwnerPid: number; elapsedMs: number }
  | { kind: 'building'; elapsedMs: number }
  | { kind: 'done'; path: string; elapsedMs: number };

/** Options of `ensureHelm`: those of the shared Go build, with helm's progress steps. */
export interface EnsureHelmOptions extends Omit<GoBuildOptions, 'onProgress'> {
  /** Called on each step, and every `heartbeatMs` while helm compiles. */
  onProgress?: (progress: HelmBuildProgress) => void;
  /** Defaults to ~/.cache/velahub-testenv-helm (or $VELAHUB_TESTENV_HELM_CACHE). */
  cacheRoot?: string;
}

const SPEC: Omit<GoBuildSpec, 'cacheRoot'> = {
  moduleDir: HELM_MODULE_DIR,
  targets: [{ binary: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm' }],
  buildFlags: [
    '-ldflags',
    // Without the version stamp, `helm version` says "v3.22" and its User-Agent is "Helm/3.22".
    `-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
  ],
  verify: {
    binary: 'helm',
    args: ['version', '--short'],
    expected: HELM_VERSION,
    accepts: (out) => out.startsWith(HELM_VERSION),
  },
  buildInfo: (elapsedMs) => `helm ${HELM_VERSION}\nbuilt ${new Date().toISOString()} in ${Math.round(elapsedMs / 1000)}s\n`,
  purpose: 'helm for the compatibility test',
};

/** Cache key: the short sha256 of go.sum, which changes whenever any module version changes. */
export function helmCacheKey(moduleDir = HELM_MODULE_DIR): Promise<string> {
  return goSumKey(moduleDir);
}

function defaultCacheRoot(): string {
  return process.env.VELAHUB_TESTENV_HELM_CACHE ?? join(homedir(), '.cache', 'velahub-testenv-helm');
}

/**
 * Returns the path of the cached helm binary, building it first when the cache for this go.sum
 * is empty. A cold build takes minutes; concurrent callers (processes too) wait for one build.
 */
export async function ensureHelm(opts: EnsureHelmOptions = {}): Promise<string> {
  const { cacheRoot = defaultCacheRoot(), onProgress, ...rest } = opts;
  const dir = await ensureGoBuild({ ...SPEC, cacheRoot }, {
    ...rest,
    // The shared steps, in helm's shape: paths of the binary, no per-binary 'built' step.
    onProgress:
      onProgress &&
      ((p) => {
        if (p.kind === 'cached') onProgress({ kind: 'cached', path: join(p.dir, 'helm') });
        else if (p.kind === 'done') onProgress({ kind: 'done', path: join(p.dir, 'helm'), elapsedMs: p.elapsedMs });
        else if (p.kind === 'building') onProgress({ kind: 'building', elapsedMs: p.elapsedMs });
        else if (p.kind === 'waiting') onProgress(p);
      }),
  });
  return join(dir, 'helm');
}

/** Human wording of a progress step. */
export function describeHelmProgress(p: HelmBuildProgress): string {
  const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
  switch (p.kind) {
    case 'cached':
      return `helm ${HELM_VERSION} cached at ${p.path}`;
    case 'waiting':
      return `waiting for the helm build in process ${p.lockOwnerPid} (${secs(p.elapsedMs)})`;
    case 'building':
      return `building helm ${HELM_VERSION} from helm.sh/helm/v3, ${secs(p.elapsedMs)} elapsed; a cold build takes a few minutes`;
    case 'done':
      return `helm ${HELM_VERSION} built in ${secs(p.elapsedMs)} at ${p.path}`;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const helm = await ensureHelm({ onProgress: (p) => console.error(describeHelmProgress(p)) });
  console.log(helm);
}

/**
 * Builds (once) and caches the real `helm` v3 CLI, compiled from the Go module pinned in this
 * folder's go.mod/go.sum, for the Helm compatibility test.
 *
 * Run as a script (`npx tsx test/helm/build.ts`) to warm the cache and print the binary's path.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeGoToolProgress, ensureGoTool, goSumKey, type GoTool, type GoToolOptions, type GoToolProgress } from '../support/go-build.ts';

/** Helm version the binary is built from; must match the require in go.mod. */
export const HELM_VERSION = 'v3.22.0';

/** The Go module that wraps helm.sh/helm/v3 (this folder). */
export const HELM_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/** One step of `ensureHelm`, for a caller that wants to show progress. */
export type HelmBuildProgress = GoToolProgress;

/** Options of `ensureHelm`; the cache root defaults to ~/.cache/velahub-testenv-helm (or $VELAHUB_TESTENV_HELM_CACHE). */
export type EnsureHelmOptions = GoToolOptions;

const HELM: GoTool = {
  spec: {
    moduleDir: HELM_MODULE_DIR,
    target: { binary: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm' },
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
  },
  cacheEnv: 'VELAHUB_TESTENV_HELM_CACHE',
  cacheDir: 'velahub-testenv-helm',
  words: { tool: 'helm', versioned: `helm ${HELM_VERSION}`, source: `helm ${HELM_VERSION} from helm.sh/helm/v3`, coldBuild: 'a few minutes' },
};

/** Cache key: the short sha256 of go.sum, which changes whenever any module version changes. */
export function helmCacheKey(moduleDir = HELM_MODULE_DIR): Promise<string> {
  return goSumKey(moduleDir);
}

/**
 * Returns the path of the cached helm binary, building it first when the cache for this go.sum
 * is empty. A cold build takes minutes; concurrent callers (processes too) wait for one build.
 */
export function ensureHelm(opts: EnsureHelmOptions = {}): Promise<string> {
  return ensureGoTool(HELM, opts);
}

/** Human wording of a progress step. */
export function describeHelmProgress(p: HelmBuildProgress): string {
  return describeGoToolProgress(HELM.words, p);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const helm = await ensureHelm({ onProgress: (p) => console.error(describeHelmProgress(p)) });
  console.log(helm);
}

/**
 * Builds (once) and caches the OCI distribution-spec conformance suite, compiled as its test
 * binary (`go test -c`) from the module pinned in this folder's go.mod/go.sum, for the OCI
 * conformance test.
 *
 * Run as a script (`npx tsx test/oci/build.ts`) to warm the cache and print the binary's path.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeGoToolProgress, ensureGoTool, type GoTool, type GoToolOptions, type GoToolProgress } from '../support/go-build.ts';

/** The conformance suite's module and the pseudo-version pinned in go.mod (the commit of 2026-08-31). */
export const CONFORMANCE_MODULE = 'github.com/opencontainers/distribution-spec/conformance';
export const CONFORMANCE_VERSION = 'v0.0.0-20260831232431-97274622c111';

/** The Go module that wraps the suite (this folder). */
export const CONFORMANCE_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

const CONFORMANCE: GoTool = {
  spec: {
    moduleDir: CONFORMANCE_MODULE_DIR,
    target: { binary: 'conformance.test', pkg: CONFORMANCE_MODULE, test: true },
    // The suite prints and records this as the commit it was built from (the report's header).
    buildFlags: ['-ldflags', `-s -w -X main.Version=${CONFORMANCE_VERSION}`],
    // A test binary lists its tests without running them: the suite is one Go test, TestLegacy.
    verify: { binary: 'conformance.test', args: ['-test.list', '.*'], expected: 'TestLegacy listed', accepts: (out) => out.split('\n').includes('TestLegacy') },
    buildInfo: (elapsedMs) => `${CONFORMANCE_MODULE} ${CONFORMANCE_VERSION}\nbuilt ${new Date().toISOString()} in ${Math.round(elapsedMs / 1000)}s\n`,
    purpose: 'the OCI conformance suite',
  },
  cacheEnv: 'VELAHUB_TESTENV_OCI_CACHE',
  cacheDir: 'velahub-testenv-oci',
  words: { tool: 'OCI conformance suite', versioned: `conformance ${CONFORMANCE_VERSION}`, source: `the OCI conformance suite from ${CONFORMANCE_MODULE}`, coldBuild: 'under a minute' },
};

/**
 * Returns the path of the cached conformance test binary, building it first when the cache for
 * this go.sum is empty. Concurrent callers (processes too) wait for one build.
 */
export function ensureConformance(opts: GoToolOptions = {}): Promise<string> {
  return ensureGoTool(CONFORMANCE, opts);
}

/** Human wording of a progress step. */
export function describeConformanceProgress(p: GoToolProgress): string {
  return describeGoToolProgress(CONFORMANCE.words, p);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const binary = await ensureConformance({ onProgress: (p) => console.error(describeConformanceProgress(p)) });
  console.log(binary);
}

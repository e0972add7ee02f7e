/**
 * The test cluster's tools that are built as their own main module, from a copy of the module
 * the Go proxy serves (their `replace` lines count only then): KubeVela's `vela-core` and `vela`,
 * and kwok. Each is cached under ~/.cache/velahub-testenv-tools/<module>@<version>/ (or
 * $VELAHUB_TESTENV_TOOLS_CACHE) with the module files the tests read beside the binaries.
 *
 * Run as a script (`npx tsx test/cluster/module-tools.ts [NAME…]`) to warm the cache and print the paths.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheRoot, ensureGoBuild, moduleKey, moduleSourceDir, type GoBuildOptions, type GoBuildProgress, type GoBuildSpec } from '../support/go-build.ts';

/** KubeVela's version, as `vela version` and the chart's vela-core image tag say it. */
export const KUBEVELA_VERSION = 'v1.10.9';

/** kwok's version (fake nodes; Pods become Running without a container runtime). */
export const KWOK_VERSION = 'v0.8.0';

/**
 * The Flux releases the tests run, by the versions of their two controllers:
 * - `2.7`, Flux as its users install it today (helm.toolkit.fluxcd.io/v2, source.toolkit.fluxcd.io/v1);
 *   source-controller v1.7.0 is the one helm-controller v1.4.0 pins;
 * - `2.1`, the Flux the catalog's fluxcd addon (3.0.2) deploys (helm-controller v0.36.0:
 *   helm.toolkit.fluxcd.io/v2beta1 only; source-controller v1.1.0, of which the module proxy
 *   serves the patch release v1.1.1, same APIs and CRDs).
 */
export const FLUX_RELEASES = {
  '2.7': { sourceController: 'v1.7.0', helmController: 'v1.4.0' },
  '2.1': { sourceController: 'v1.1.1', helmController: 'v0.36.0' },
} as const;

/** A Flux release of {@link FLUX_RELEASES}. */
export type FluxRelease = keyof typeof FLUX_RELEASES;

/** Kruise Rollout's version (batch and canary release). */
export const ROLLOUTS_VERSION = 'v0.6.1';

/** ORAS, the OCI registry client the chart-over-OCI tests push and pull with. */
export const ORAS_VERSION = 'v1.3.6';

/** Where KubeVela's chart sits next to its binaries. */
export const VELA_CORE_CHART = 'charts/vela-core';

/** kwok's stage files (node initialisation, pod readiness) kept next to its binary. */
export const KWOK_STAGES = ['kustomize/stage/node/fast', 'kustomize/stage/pod/fast'] as const;

type ToolSpec = Omit<GoBuildSpec, 'cacheRoot'>;

const KUBEVELA: ToolSpec = {
  moduleDir: '',
  source: { module: 'github.com/oam-dev/kubevela', version: KUBEVELA_VERSION, keep: [VELA_CORE_CHART] },
  targets: [
    { binary: 'vela', pkg: './references/cmd/cli' },
    { binary: 'vela-core', pkg: './cmd/core' },
  ],
  // The version stamp is what `vela version` prints and what the CLI's own version checks read.
  buildFlags: ['-ldflags', `-s -w -X github.com/oam-dev/kubevela/version.VelaVersion=${KUBEVELA_VERSION} -X github.com/oam-dev/kubevela/version.GitRevision=${KUBEVELA_VERSION}`],
  verify: { binary: 'vela', args: ['version'], expected: KUBEVELA_VERSION, accepts: (out) => out.includes(KUBEVELA_VERSION) },
  buildInfo: (ms) => `github.com/oam-dev/kubevela ${KUBEVELA_VERSION}\nbuilt ${new Date().toISOString()} in ${Math.round(ms / 1000)}s\n`,
  purpose: 'KubeVela (vela-core and vela) for the test cluster',
};

const KWOK: ToolSpec = {
  moduleDir: '',
  source: { module: 'sigs.k8s.io/kwok', version: KWOK_VERSION, keep: KWOK_STAGES },
  targets: [{ binary: 'kwok', pkg: './cmd/kwok' }],
  buildFlags: ['-ldflags', `-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION.slice(1)}`],
  verify: { binary: 'kwok', args: ['--version'], expected: KWOK_VERSION, accepts: (out) => out.includes(KWOK_VERSION.slice(1)) },
  buildInfo: (ms) => `sigs.k8s.io/kwok ${KWOK_VERSION}\nbuilt ${new Date().toISOString()} in ${Math.round(ms / 1000)}s\n`,
  purpose: 'kwok (fake nodes) for the test cluster',
};

/** A Flux controller: its `./api` replace points at a submodule the zip lacks; `--help` lists its flags. */
function fluxController(name: string, version: string, flag: string): ToolSpec {
  const module = `github.com/fluxcd/${name}`;
  return {
    moduleDir: '',
    source: { module, version, submodules: [{ module: `${module}/api`, dir: 'api' }], keep: ['config/crd/bases'] },
    targets: [{ binary: name, pkg: '.' }],
    buildFlags: ['-ldflags', '-s -w'],
    verify: { binary: name, args: ['--help'], expected: `usage listing ${flag}`, accepts: (out) => out.includes(flag) },
    buildInfo: (ms) => `${module} ${version}\nbuilt ${new Date().toISOString()} in ${Math.round(ms / 1000)}s\n`,
    purpose: `Flux's ${name} for the test cluster`,
  };
}

const ROLLOUTS: ToolSpec = {
  moduleDir: '',
  // The controller reads ./lua_configuration at start; its CRDs and webhook configurations are the module's config/.
  source: { module: 'github.com/openkruise/rollouts', version: ROLLOUTS_VERSION, keep: ['config/crd/bases', 'config/webhook', 'lua_configuration'] },
  targets: [{ binary: 'rollouts', pkg: '.' }],
  buildFlags: ['-ldflags', '-s -w'],
  verify: { binary: 'rollouts', args: ['--help'], expected: 'usage listing --leader-elect', accepts: (out) => out.includes('leader-elect') },
  buildInfo: (ms) => `github.com/openkruise/rollouts ${ROLLOUTS_VERSION}\nbuilt ${new Date().toISOString()} in ${Math.round(ms / 1000)}s\n`,
  purpose: 'Kruise Rollout for the test cluster',
};

const ORAS: ToolSpec = {
  moduleDir: '',
  source: { module: 'oras.land/oras', version: ORAS_VERSION },
  targets: [{ binary: 'oras', pkg: './cmd/oras' }],
  buildFlags: ['-ldflags', '-s -w -X oras.land/oras/internal/version.GitTreeState=clean'],
  verify: { binary: 'oras', args: ['version'], expected: `Version: ${ORAS_VERSION.slice(1)}`, accepts: (out) => /^Version:\s+(\S+)/m.exec(out)?.[1] === ORAS_VERSION.slice(1) },
  buildInfo: (ms) => `oras.land/oras ${ORAS_VERSION}\nbuilt ${new Date().toISOString()} in ${Math.round(ms / 1000)}s\n`,
  purpose: 'oras for the chart-over-OCI tests',
};

/** Every module-built tool of the cluster, in the order the runner builds them. */
export const MODULE_TOOLS = {
  kubevela: KUBEVELA,
  kwok: KWOK,
  'source-controller': fluxController('source-controller', FLUX_RELEASES['2.7'].sourceController, '--storage-path'),
  'helm-controller': fluxController('helm-controller', FLUX_RELEASES['2.7'].helmController, '--concurrent'),
  'source-controller-2.1': fluxController('source-controller', FLUX_RELEASES['2.1'].sourceController, '--storage-path'),
  'helm-controller-2.1': fluxController('helm-controller', FLUX_RELEASES['2.1'].helmController, '--concurrent'),
  rollouts: ROLLOUTS,
  oras: ORAS,
} as const;

/** A tool's name in MODULE_TOOLS. */
export type ModuleToolName = keyof typeof MODULE_TOOLS;

/** Options of `ensureModuleTool`: those of the shared Go build, and where the cache lives. */
export interface EnsureModuleToolOptions extends GoBuildOptions {
  /** Defaults to ~/.cache/velahub-testenv-tools (or $VELAHUB_TESTENV_TOOLS_CACHE). */
  cacheRoot?: string;
}

/** Returns the cache dir of one tool (binaries and kept files), building it on a cold cache. */
export function ensureModuleTool(name: ModuleToolName, opts: EnsureModuleToolOptions = {}): Promise<string> {
  const { cacheRoot = defaultCacheRoot('VELAHUB_TESTENV_TOOLS_CACHE', 'velahub-testenv-tools'), ...rest } = opts;
  return ensureGoBuild({ ...MODULE_TOOLS[name], cacheRoot }, rest);
}

/** Paths of KubeVela's binaries and chart in the cache. */
export interface KubeVelaTools {
  vela: string;
  velaCore: string;
  chart: string;
}

/** Builds (once) and returns KubeVela's `vela`, `vela-core` and chart. A cold build takes 10-20 min on 2 cores. */
export async function ensureKubeVela(opts: EnsureModuleToolOptions = {}): Promise<KubeVelaTools> {
  const dir = await ensureModuleTool('kubevela', opts);
  return { vela: join(dir, 'vela'), velaCore: join(dir, 'vela-core'), chart: join(dir, VELA_CORE_CHART) };
}

/**
 * KubeVela's chart as its module ships it, only downloaded (read-only, in the Go module cache):
 * the API-only planes need its CRDs and templates, not a build of vela-core.
 */
export async function kubeVelaChart(): Promise<string> {
  return join(await moduleSourceDir('github.com/oam-dev/kubevela', KUBEVELA_VERSION), VELA_CORE_CHART);
}

/** Paths of kwok and its stage folders in the cache. */
export interface KwokTools {
  kwok: string;
  stageDirs: string[];
}

/** Builds (once) and returns kwok with its stage folders. A cold build takes a few minutes. */
export async function ensureKwok(opts: EnsureModuleToolOptions = {}): Promise<KwokTools> {
  const dir = await ensureModuleTool('kwok', opts);
  return { kwok: join(dir, 'kwok'), stageDirs: KWOK_STAGES.map((s) => join(dir, s)) };
}

/** What a cold build took on 2 cores, for the progress lines. */
const COLD_MINUTES: Record<ModuleToolName, string> = {
  kubevela: '10-20',
  kwok: '3-8',
  'source-controller': '8-15',
  'helm-controller': '10-35',
  'source-controller-2.1': '8-15',
  'helm-controller-2.1': '6-20',
  rollouts: '5-10',
  oras: '2-5',
};

/** Human wording of a build step of a module tool. */
export function describeModuleToolProgress(name: ModuleToolName, p: GoBuildProgress): string {
  const what = moduleKey(MODULE_TOOLS[name].source!);
  const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
  switch (p.kind) {
    case 'cached':
      return `${what} cached in ${p.dir}`;
    case 'waiting':
      return `waiting for the ${what} build in process ${p.lockOwnerPid} (${secs(p.elapsedMs)})`;
    case 'downloading':
      return `${what}: downloading ${p.module}, ${secs(p.elapsedMs)} elapsed`;
    case 'building':
      return `${what}: building ${p.binary} (${p.index}/${p.total}), ${secs(p.elapsedMs)} elapsed; a cold build takes ${COLD_MINUTES[name]} min`;
    case 'built':
      return `${what}: built ${p.binary} in ${secs(p.tookMs)}`;
    case 'done':
      return `${what} built in ${secs(p.elapsedMs)} into ${p.dir}`;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const all = Object.keys(MODULE_TOOLS) as ModuleToolName[];
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(all as string[]).includes(a));
  if (unknown.length) {
    console.error(`unknown tool ${unknown.join(', ')}; valid: ${all.join(', ')}`);
    process.exit(2);
  }
  for (const name of asked.length ? (asked as ModuleToolName[]) : all) {
    const dir = await ensureModuleTool(name, { onProgress: (p) => console.error(describeModuleToolProgress(name, p)) });
    console.log(`${name}: ${dir}`);
  }
}

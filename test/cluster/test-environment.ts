/**
 * What the README's "A test environment in minutes" walk-through runs against, for its test and
 * its bench: a clean KubeVela cluster of its own (Pods run on a kwok node, the real vela-core),
 * a velahub registry seeded with the bundled addons, and the environment the walk-through's
 * shell blocks expect: `velahub`, `kubectl`, `helm` and `vela` on PATH, KUBECONFIG,
 * VELAHUB_REGISTRY and VELAHUB_TOKEN, KUBEVELA_CATALOG, and a HOME of its own (so velahub's and
 * helm's config files are the test's).
 *
 * The catalog's fluxcd addon runs Flux 2.1 as Deployments; on kwok's node those Pods run no
 * container, so once the walk-through enabled it, `startAddonFlux()` starts the same Flux
 * release's controllers out of cluster, on the addon's CRDs.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ensureFlux, startFlux, type RunningFlux } from './flux.ts';
import { ensureKubeVelaClusterTools, startKubeVelaCluster, type KubeVelaClusterTools } from './kubevela-cluster.ts';
import { repoRoot } from '../support/bundled.ts';
import { catalogDir } from '../support/catalog.ts';
import { startTestRegistry, type TestRegistry } from '../support/installer-registry.ts';

/** The README section the walk-through is. */
export const TEST_ENVIRONMENT_HEADING = 'A test environment in minutes';

/** A running test environment. */
export interface TestEnvironment {
  kc: KubeConfig;
  kubeconfigPath: string;
  registry: TestRegistry;
  tools: KubeVelaClusterTools;
  /** The variables the walk-through's blocks run with. */
  env: NodeJS.ProcessEnv;
  /** Starts Flux 2.1's controllers (the fluxcd addon's) on the addon's CRDs; once. */
  startAddonFlux(): Promise<RunningFlux>;
  stop(): Promise<void>;
}

/** Builds (or finds) the tools a test environment runs: the KubeVela cluster's and Flux 2.1's. */
export async function ensureTestEnvironmentTools(): Promise<KubeVelaClusterTools> {
  const tools = await ensureKubeVelaClusterTools();
  await ensureFlux('2.1');
  return tools;
}

/**
 * Starts a clean KubeVela cluster (context `name`) and a registry, and readies the walk-through's
 * environment. Needs the catalog snapshot (test/support/catalog.ts) for the fluxcd addon.
 */
export async function startTestEnvironment(opts: { name?: string; tools?: KubeVelaClusterTools } = {}): Promise<TestEnvironment> {
  if (!catalogDir) throw new Error('the test environment needs the KubeVela catalog snapshot for its fluxcd addon: set VELAHUB_CATALOG');
  const tools = opts.tools ?? (await ensureTestEnvironmentTools());
  const home = await mkdtemp(join(tmpdir(), 'velahub-testenv-home-'));
  const bin = join(home, 'bin');
  await mkdir(bin);
  await symlink(join(repoRoot, 'bin', 'velahub.js'), join(bin, 'velahub'));
  const [plane, registry] = await Promise.all([startKubeVelaCluster({ name: opts.name ?? 'velahub-testenv', tools }), startTestRegistry()]);
  let flux: Promise<RunningFlux> | undefined;
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    PATH: [bin, dirname(tools.binaries.kubectl), dirname(tools.helm), dirname(tools.kubevela.vela), process.env.PATH ?? ''].join(delimiter),
    KUBECONFIG: plane.kubeconfigPath,
    VELAHUB_REGISTRY: registry.url,
    VELAHUB_TOKEN: registry.server.generatedAdminToken!,
    KUBEVELA_CATALOG: catalogDir,
    NO_COLOR: '1',
  };
  return {
    kc: plane.kubeconfig,
    kubeconfigPath: plane.kubeconfigPath,
    registry,
    tools,
    env,
    startAddonFlux: () => (flux ??= ensureFlux('2.1').then((t) => startFlux(plane.kubeconfig, plane.kubeconfigPath, t, { crds: false }))),
    async stop() {
      await (await flux?.catch(() => undefined))?.stop();
      await Promise.allSettled([plane.stop(), registry.close()]);
      await rm(home, { recursive: true, force: true });
    },
  };
}

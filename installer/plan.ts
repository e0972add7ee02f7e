import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import { resolve } from '../core/resolve/resolve.ts';
import type { LockedAddon, Plan, Requested, RegistrySnapshot } from '../core/resolve/types.ts';
import { readClusterFacts, type ClusterState } from './cluster-facts.ts';
import { AddonFetcher } from './fetch-addon.ts';
import type { InstallEvent } from './install-event.ts';
import type { Kube } from './kube.ts';
import { loadRegistries } from './load-registries.ts';
import type { RegistrySource } from './registry-index.ts';

/** Options of {@link planAddons}: what is asked, of which registries, on which clusters. */
export interface PlanOptions {
  requested: Requested[];
  clusters: Kube[];
  registries: RegistrySource[];
  cue: CueEvaluator;
  /** Install exactly these versions (velahub.lock). */
  lock?: LockedAddon[];
  upgrade?: boolean | string[];
  /** Where KubeVela runs (vela-system). */
  namespace?: string;
  /** Evaluate every archive's CUE, even where the registry stored a manifest for its digest. */
  verify?: boolean;
  onEvent?: (e: InstallEvent) => void;
  signal?: AbortSignal;
}

/** Plans (without writing anything) the requested addons on each cluster. */
export async function planAddons(opts: PlanOptions): Promise<Plan[]> {
  return (await planClusters(opts, new AddonFetcher(opts.cue, opts.registries, { verify: opts.verify }))).map((p) => p.plan);
}

/** A cluster's plan with the state read to make it, for whoever applies the plan. */
export interface PlannedCluster {
  kube: Kube;
  facts: ClusterState;
  plan: Plan;
}

/** Plans every cluster, keeping the facts read on the way for whoever applies the plans. */
export async function planClusters(opts: PlanOptions, fetcher: AddonFetcher): Promise<PlannedCluster[]> {
  const namespace = opts.namespace ?? 'vela-system';
  const snapshots = await loadRegistries(opts.registries, opts.onEvent, opts.signal);
  const out: PlannedCluster[] = [];
  for (const kube of opts.clusters) {
    const facts = await readClusterFacts(kube, namespace);
    out.push({ kube, facts, plan: await planCluster({ kube, facts, snapshots, requested: opts.requested, upgrade: opts.upgrade, lock: opts.lock, onEvent: opts.onEvent, signal: opts.signal }, fetcher) });
  }
  return out;
}

/**
 * Plans one cluster from state already read (its facts, the registries'
 * snapshots), reading the archives of versions whose index does not list
 * their dependencies, and reports the plan.
 */
export async function planCluster(
  input: { kube: Kube; facts: ClusterState; snapshots: RegistrySnapshot[]; requested: Requested[]; upgrade?: boolean | string[]; lock?: LockedAddon[]; onEvent?: (e: InstallEvent) => void; signal?: AbortSignal },
  fetcher: AddonFetcher,
): Promise<Plan> {
  const plan = await resolveWithArchives({ requested: input.requested, registries: input.snapshots, cluster: input.facts, upgrade: input.upgrade, lock: input.lock }, fetcher, input.signal);
  input.onEvent?.({ kind: 'plan', cluster: input.kube.context, plan });
  return plan;
}

/**
 * Resolves, and when a chosen version came from an index that does not list
 * dependencies (a registry other than velahub), reads them from its archive
 * and resolves again — until every chosen version's dependencies are known.
 */
async function resolveWithArchives(input: Parameters<typeof resolve>[0], fetcher: AddonFetcher, signal?: AbortSignal): Promise<Plan> {
  for (let round = 0; ; round++) {
    const plan = resolve(input);
    const unknown = plan.steps.filter((s) => s.candidate.dependenciesKnown === false && s.action !== 'keep');
    if (unknown.length === 0) return plan;
    if (round >= 50) throw new VelahubError('ERESOLVE_TOO_COMPLEX', 'dependency resolution did not settle after reading 50 rounds of archives');
    for (const step of unknown) {
      const fetched = await fetcher.fetch(step.candidate, signal);
      step.candidate.dependencies = (fetched.manifest.metadata.dependencies ?? []).map((d) => ({ name: d.name, range: d.version }));
      step.candidate.dependenciesKnown = true;
    }
  }
}

import semver from 'semver';
import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import { definitionChanges, diffManifests, type SchemaChange } from '../core/params/diff.ts';
import { resolve } from '../core/resolve/resolve.ts';
import type { Plan, RegistrySnapshot } from '../core/resolve/types.ts';
import { applicationsUsing } from './disable.ts';
import { readClusterFacts, type ClusterState } from './cluster-facts.ts';
import { applyPlans, loadRegistries, planCluster, type ClusterResult, type InstallEvent } from './enable.ts';
import { AddonFetcher } from './fetch-addon.ts';
import type { Kube } from './kube.ts';
import type { RegistrySource } from './registry-index.ts';

/** What an upgrade would change, for the user to confirm. */
export interface UpgradeReport {
  cluster: string;
  plan: Plan;
  from: string;
  to: string;
  definitions: Array<{ definition: string; changes: SchemaChange[]; breaking: boolean }>;
  /** Applications using a definition whose change is breaking. */
  affectedApplications: string[];
}

/** Options of {@link upgradeAddon}. */
export interface UpgradeOptions {
  /** The enabled addon to upgrade. */
  name: string;
  /** Never moves past this range; any newer version when omitted. */
  range?: string;
  clusters: Kube[];
  registries: RegistrySource[];
  cue: CueEvaluator;
  /** Where KubeVela runs (vela-system). */
  namespace?: string;
  dryRun?: boolean;
  /** Evaluate every archive's CUE, even where the registry stored a manifest for its digest. */
  verify?: boolean;
  /**
   * Asked once per cluster that would change, after its report and before
   * anything is written there: false leaves that cluster as it is. Without
   * it, every cluster is upgraded.
   */
  confirm?: (report: UpgradeReport) => boolean | Promise<boolean>;
  onEvent?: (e: InstallEvent) => void;
  signal?: AbortSignal;
}

/** What upgrading did on one cluster. */
export interface UpgradeResult {
  report: UpgradeReport;
  /** `current`: already at the version the range allows; `declined`: confirm said no. */
  outcome: 'current' | 'declined' | 'upgraded';
  /** What applying did, when it was upgraded. */
  applied?: ClusterResult;
}

/**
 * Upgrades one enabled addon, cluster by cluster: reads the registries once,
 * then on each cluster reports the parameter-schema diff of each definition
 * and the Applications a breaking change affects, asks {@link UpgradeOptions.confirm},
 * and applies as {@link enableAddons} does (same events, same rollback of
 * that cluster on failure) — never past the asked range. Archives read for
 * the report are not downloaded or evaluated again to apply them, and each
 * cluster is read once.
 */
export async function upgradeAddon(opts: UpgradeOptions): Promise<UpgradeResult[]> {
  const namespace = opts.namespace ?? 'vela-system';
  const fetcher = new AddonFetcher(opts.cue, opts.registries, { verify: opts.verify });
  const snapshots = await loadRegistries(opts.registries, opts.onEvent, opts.signal);
  const results: UpgradeResult[] = [];
  for (const kube of opts.clusters) {
    const facts = await readClusterFacts(kube, namespace);
    const report = await reportUpgrade({ kube, facts, name: opts.name, range: opts.range, snapshots, signal: opts.signal }, fetcher);
    opts.onEvent?.({ kind: 'upgrade-report', report });
    if (report.from === report.to) {
      results.push({ report, outcome: 'current' });
      continue;
    }
    if (opts.confirm && !(await opts.confirm(report))) {
      results.push({ report, outcome: 'declined' });
      continue;
    }
    // Pinned to the reported version: what the user confirmed is what is applied.
    const requested = [{ name: opts.name, range: report.to }];
    const plan = await planCluster({ kube, facts, snapshots, requested, upgrade: [opts.name], onEvent: opts.onEvent, signal: opts.signal }, fetcher);
    const [applied] = await applyPlans({ requested, cue: opts.cue, dryRun: opts.dryRun, namespace, onEvent: opts.onEvent, signal: opts.signal }, [{ kube, facts, plan }], fetcher);
    opts.onEvent?.({ kind: 'upgraded', cluster: kube.context, name: opts.name, version: report.to });
    results.push({ report, outcome: 'upgraded', applied });
  }
  return results;
}

/**
 * What upgrading one addon on one cluster would change, from state already
 * read: the plan, the parameter-schema diff of each definition, and the
 * Applications that use a definition whose change is breaking.
 */
async function reportUpgrade(input: { kube: Kube; facts: ClusterState; name: string; range?: string; snapshots: RegistrySnapshot[]; signal?: AbortSignal }, fetcher: AddonFetcher): Promise<UpgradeReport> {
  const { kube, facts, name, snapshots } = input;
  const current = facts.enabled.find((a) => a.name === name);
  if (!current) throw new VelahubError('ENOT_FOUND', `${kube.context}: ${name} is not enabled; use velahub enable ${name}`);
  const plan = resolve({ requested: [{ name, range: input.range }], registries: snapshots, cluster: facts, upgrade: [name] });
  const step = plan.steps.find((s) => s.name === name)!;
  const report: UpgradeReport = { cluster: kube.context, plan, from: current.version, to: step.version, definitions: [], affectedApplications: [] };
  if (step.version === current.version || !semver.valid(current.version)) return report;
  const next = await fetcher.fetch(step.candidate, input.signal);
  const oldCandidate = snapshots.flatMap((s) => s.addons.get(name) ?? []).find((c) => c.version === current.version);
  if (!oldCandidate) {
    report.definitions.push({ definition: '(unknown)', changes: [], breaking: false });
    return report;
  }
  const prev = await fetcher.fetch(oldCandidate, input.signal);
  const breakingDefs = new Set<string>();
  for (const d of diffManifests(prev.manifest, next.manifest)) {
    if (d.status === 'added') continue;
    const changes = definitionChanges(d, `the ${d.type} ${d.name} is removed`);
    if (d.breaking) breakingDefs.add(d.name);
    report.definitions.push({ definition: d.definition, changes, breaking: d.breaking });
  }
  if (breakingDefs.size) {
    const users = await applicationsUsing(kube, current.application);
    report.affectedApplications = users.filter((u) => [...breakingDefs].some((d) => u.endsWith(`(uses ${d})`)));
  }
  return report;
}

import type { CueEvaluator } from '../core/cue/evaluator.ts';
import { applyPlans, type ClusterResult } from './apply-plans.ts';
import { readClusterFacts } from './cluster-facts.ts';
import { AddonFetcher } from './fetch-addon.ts';
import type { InstallEvent } from './install-event.ts';
import type { Kube } from './kube.ts';
import { loadRegistries } from './load-registries.ts';
import { planCluster } from './plan.ts';
import type { RegistrySource } from './registry-index.ts';
import { reportUpgrade, type UpgradeReport } from './upgrade-report.ts';

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

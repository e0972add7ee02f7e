import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import { lineForVelaVersion } from '../core/cue/cluster-line.ts';
import type { Plan, Requested } from '../core/resolve/types.ts';
import { addonObjects, type AddonObjects } from './addon-objects.ts';
import { enabledParameters, mergeParameters } from './addon-parameters.ts';
import { applyAddonObjects, ApplyJournal, checkDefinitionConflicts, type ApplyReport } from './apply.ts';
import type { AddonFetcher } from './fetch-addon.ts';
import type { InstallEvent } from './install-event.ts';
import type { Kube } from './kube.ts';
import type { PlannedCluster } from './plan.ts';
import { renderForEnable } from './render-for-enable.ts';
import { unresolvableRegistryWarnings } from './vela-registry.ts';
import { waitForRunning } from './wait-for-running.ts';

/** What enabling did on one cluster. */
export interface ClusterResult {
  cluster: string;
  plan: Plan;
  /** Per addon written: what applying did, and its NOTES.cue message when it has one. */
  applied: Array<{ name: string; version: string; report: ApplyReport; notes?: string }>;
}

/** What {@link applyPlans} needs besides the plans: what was asked, and how to write. */
export interface ApplyPlansOptions {
  requested: Requested[];
  cue: CueEvaluator;
  /** Parameters of the (single) requested addon. */
  parameters?: Record<string, unknown>;
  dryRun?: boolean;
  overrideDefinitions?: boolean;
  /** Where KubeVela runs (vela-system). */
  namespace?: string;
  /** Wait for each addon's Application to run before its dependents (when vela-core runs). */
  waitTimeoutMs?: number;
  /**
   * `false`: apply and go on without waiting for any Application to run (`--no-wait`), for an
   * addon whose Application cannot become healthy where it is enabled, such as one that installs
   * a chart from a site the cluster cannot reach while the workloads it serves run elsewhere.
   */
  wait?: boolean;
  onEvent?: (e: InstallEvent) => void;
  signal?: AbortSignal;
}

/**
 * Applies plans made by {@link planCluster}, with the fetcher that planned
 * them (nothing is downloaded or evaluated twice): verify and validate every
 * archive first, then render and apply cluster by cluster, rolling back
 * everything this call wrote if any write fails.
 */
export async function applyPlans(opts: ApplyPlansOptions, planned: PlannedCluster[], fetcher: AddonFetcher): Promise<ClusterResult[]> {
  const namespace = opts.namespace ?? 'vela-system';
  const plans = planned.map((p) => p.plan);
  /** Kept addons are left alone, unless one was requested again with parameters to change. */
  const writes = (step: Plan['steps'][number]) => step.action !== 'keep' || (opts.requested.some((r) => r.name === step.name) && Object.keys(opts.parameters ?? {}).length > 0);
  // Download, verify and validate every archive the plans need before writing anything (and in
  // parallel: the CUE pool has a worker per core), so a bad archive never leaves a half-enabled cluster.
  const needed = new Map(plans.flatMap((p) => p.steps.filter((s) => writes(s)).map((s) => [s.candidate.digest || `${s.name}@${s.version}`, s.candidate] as const)));
  await Promise.all(
    [...needed.values()].map((c) => {
      opts.onEvent?.({ kind: 'fetch', name: c.name, version: c.version });
      return fetcher.fetch(c, opts.signal);
    }),
  );
  const results: ClusterResult[] = [];
  /** Clusters already done: undone too when a later cluster fails, so a run is all or nothing. */
  const finished: Array<{ kube: Kube; journal: ApplyJournal }> = [];
  for (const { kube, plan, facts } of planned) {
    const journal = new ApplyJournal();
    const applied: ClusterResult['applied'] = [];
    try {
      // Render every addon of the plan before writing anything: a bad parameter or template
      // fails here, naming it, with the cluster untouched.
      const line = lineForVelaVersion(facts.velaVersion);
      const prepared: Array<{ step: Plan['steps'][number]; objects: AddonObjects; notes?: string }> = [];
      for (const step of plan.steps) {
        if (!writes(step)) continue;
        const fetched = await fetcher.fetch(step.candidate, opts.signal);
        const isRequested = opts.requested.some((r) => r.name === step.name);
        const given = isRequested ? (opts.parameters ?? {}) : {};
        // An enabled addon keeps the parameters it was enabled with, the given ones overriding them, as vela does.
        const parameters = step.action === 'install' ? given : mergeParameters(await enabledParameters(kube, namespace, step.name), given);
        const { app: rendered, notes, configTemplates } = await renderForEnable(fetched, parameters, given, { cue: opts.cue, line, upgrade: step.action !== 'install', signal: opts.signal });
        prepared.push({ step, objects: addonObjects({ manifest: fetched.manifest, files: fetched.files, rendered, registry: step.registry, namespace, parameters, configTemplates }), notes });
      }
      // Warned before writing: an Application labelled with a registry vela cannot resolve breaks `vela addon list/upgrade`.
      for (const message of await unresolvableRegistryWarnings(kube, namespace, prepared.map((p) => p.step.registry))) {
        opts.onEvent?.({ kind: 'warning', cluster: kube.context, message });
      }
      for (const { step, objects, notes } of prepared) {
        if (!opts.overrideDefinitions) await checkDefinitionConflicts(kube, step.name, objects);
        const report = await applyAddonObjects(kube, objects, { dryRun: opts.dryRun, journal });
        applied.push({ name: step.name, version: step.version, report, ...(notes ? { notes } : {}) });
        opts.onEvent?.({ kind: 'apply', cluster: kube.context, name: step.name, version: step.version, report });
        if (!opts.dryRun && opts.wait !== false && facts.velaCoreReady) await waitForRunning(kube, step.name, namespace, opts);
      }
    } catch (err) {
      const changed = applied.length > 0 || journal.entries.length > 0 || finished.some((f) => f.journal.entries.length > 0);
      const problems = await journal.rollback();
      opts.onEvent?.({ kind: 'rollback', cluster: kube.context, problems });
      for (const f of finished.reverse()) {
        const left = await f.journal.rollback();
        opts.onEvent?.({ kind: 'rollback', cluster: f.kube.context, problems: left });
        problems.push(...left.map((p) => `${f.kube.context}: ${p}`));
      }
      if (err instanceof VelahubError) {
        const note = problems.length ? ` (rollback left: ${problems.join('; ')})` : changed ? ' (everything this run changed was rolled back)' : '';
        throw new VelahubError(err.code, `${err.message}${note}`, { hint: err.hint, data: err.data, path: err.path, cause: err });
      }
      throw err;
    }
    finished.push({ kube, journal });
    results.push({ cluster: kube.context, plan, applied });
  }
  return results;
}

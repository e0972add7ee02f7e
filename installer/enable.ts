import { VelahubError } from '../core/errors.ts';
import { applyPlans, type ApplyPlansOptions, type ClusterResult } from './apply-plans.ts';
import { AddonFetcher } from './fetch-addon.ts';
import { planClusters, type PlanOptions } from './plan.ts';

// test/kubevela and the bench take the event type from here, beside enableAddons.
export type { InstallEvent } from './install-event.ts';

/** Options of {@link enableAddons}: what to plan, and how to write it. */
export interface EnableOptions extends PlanOptions, ApplyPlansOptions {}

/**
 * Enables addons with their dependencies on each cluster: resolve, download and
 * verify, validate parameters, refuse definition conflicts, then apply in
 * dependency order, waiting for each dependency before its dependents. If any
 * write fails, everything this run wrote is rolled back — on that cluster and
 * on the clusters done before it — and the error names the object that failed.
 */
export async function enableAddons(opts: EnableOptions): Promise<ClusterResult[]> {
  if (opts.parameters && Object.keys(opts.parameters).length > 0 && opts.requested.length !== 1) {
    throw new VelahubError('EUSAGE', `parameters (--set/-f) apply to one addon: enable ${opts.requested.map((r) => r.name).join(', ')} one at a time`, { path: '--set' });
  }
  // One fetcher for planning and applying: an archive read to learn its dependencies is not downloaded twice.
  const fetcher = new AddonFetcher(opts.cue, opts.registries, { verify: opts.verify });
  return applyPlans(opts, await planClusters(opts, fetcher), fetcher);
}

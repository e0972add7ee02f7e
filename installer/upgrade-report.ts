import semver from 'semver';
import { VelahubError } from '../core/errors.ts';
import { definitionChanges, diffManifests, type SchemaChange } from '../core/params/diff.ts';
import { resolve } from '../core/resolve/resolve.ts';
import type { Plan, RegistrySnapshot } from '../core/resolve/types.ts';
import { applicationsUsing } from './disable.ts';
import type { ClusterState } from './cluster-facts.ts';
import type { AddonFetcher } from './fetch-addon.ts';
import type { Kube } from './kube.ts';

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

/**
 * What upgrading one addon on one cluster would change, from state already
 * read: the plan, the parameter-schema diff of each definition, and the
 * Applications that use a definition whose change is breaking.
 */
export async function reportUpgrade(input: { kube: Kube; facts: ClusterState; name: string; range?: string; snapshots: RegistrySnapshot[]; signal?: AbortSignal }, fetcher: AddonFetcher): Promise<UpgradeReport> {
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

import semver from 'semver';
import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import { diffManifests, type SchemaChange } from '../core/params/diff.ts';
import { resolve } from '../core/resolve/resolve.ts';
import type { Plan, RegistrySnapshot } from '../core/resolve/types.ts';
import { applicationsUsing } from './disable.ts';
import { readClusterFacts } from './cluster-facts.ts';
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

/**
 * Plans an upgrade of one addon without writing: never past the asked range,
 * with the parameter-schema diff of each definition and the Applications that
 * use a definition whose change is breaking.
 */
export async function planUpgrade(opts: { kube: Kube; name: string; range?: string; snapshots: RegistrySnapshot[]; sources: RegistrySource[]; cue: CueEvaluator; namespace?: string }): Promise<UpgradeReport> {
  const namespace = opts.namespace ?? 'vela-system';
  const facts = await readClusterFacts(opts.kube, namespace);
  const current = facts.enabled.find((a) => a.name === opts.name);
  if (!current) throw new VelahubError('ENOT_FOUND', `${opts.kube.context}: ${opts.name} is not enabled; use velahub enable ${opts.name}`);
  const plan = resolve({ requested: [{ name: opts.name, range: opts.range }], registries: opts.snapshots, cluster: facts, upgrade: [opts.name] });
  const step = plan.steps.find((s) => s.name === opts.name)!;
  const report: UpgradeReport = { cluster: opts.kube.context, plan, from: current.version, to: step.version, definitions: [], affectedApplications: [] };
  if (step.version === current.version || !semver.valid(current.version)) return report;
  const fetcher = new AddonFetcher(opts.cue, opts.sources);
  const next = await fetcher.fetch(step.candidate);
  const oldCandidate = opts.snapshots.flatMap((s) => s.addons.get(opts.name) ?? []).find((c) => c.version === current.version);
  if (!oldCandidate) {
    report.definitions.push({ definition: '(unknown)', changes: [], breaking: false });
    return report;
  }
  const prev = await fetcher.fetch(oldCandidate);
  const breakingDefs = new Set<string>();
  for (const d of diffManifests(prev.manifest, next.manifest)) {
    if (d.status === 'added') continue;
    const changes = d.status === 'removed' ? [{ path: '(definition)', kind: 'removed' as const, breaking: true, message: `the ${d.type} ${d.name} is removed` }] : d.changes;
    if (d.breaking) breakingDefs.add(d.name);
    report.definitions.push({ definition: d.definition, changes, breaking: d.breaking });
  }
  if (breakingDefs.size) {
    const users = await applicationsUsing(opts.kube, current.application);
    report.affectedApplications = users.filter((u) => [...breakingDefs].some((d) => u.endsWith(`(uses ${d})`)));
  }
  return report;
}

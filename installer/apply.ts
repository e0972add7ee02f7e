import { VelahubError } from '../core/errors.ts';
import { addonLabels, applicationName, type AddonObjects } from './addon-objects.ts';
import type { Kube } from './kube.ts';
import { describeObject, type KubeObject } from './kube-object.ts';

/** What applying did to each object. */
export interface ApplyReport {
  created: string[];
  changed: string[];
  unchanged: string[];
}

/** Records what a run changed so it can be undone in reverse order. */
export class ApplyJournal {
  readonly entries: Array<{ kube: Kube; object: KubeObject; previous?: KubeObject }> = [];

  /** Undoes everything recorded: deletes created objects, restores changed ones. */
  async rollback(): Promise<string[]> {
    const problems: string[] = [];
    for (const e of [...this.entries].reverse()) {
      try {
        if (e.previous) await e.kube.restore(e.previous);
        else await e.kube.delete(e.object);
      } catch (err) {
        problems.push(`${describeObject(e.object)}: ${(err as Error).message}`);
      }
    }
    this.entries.length = 0;
    return problems;
  }
}

/** Who owns a definition already in the cluster, if anyone. */
function ownerOf(live: KubeObject): { addon?: string; owner?: string } {
  const ref = (live.metadata.ownerReferences ?? []).find((r) => r.kind === 'Application');
  if (!ref) return {};
  return { addon: ref.name.startsWith('addon-') ? ref.name.slice('addon-'.length) : undefined, owner: ref.name };
}

/**
 * Refuses definitions that exist and belong to someone else: another addon's
 * Application, or nobody (hand-applied). Lists every conflict at once.
 */
export async function checkDefinitionConflicts(kube: Kube, addon: string, objects: AddonObjects): Promise<void> {
  const mine = applicationName(addon);
  const conflicts: Array<{ object: string; owner: string }> = [];
  for (const o of objects.owned) {
    if (o.kind === 'ConfigMap') continue;
    const live = await kube.get(o);
    if (!live) continue;
    const { addon: other, owner } = ownerOf(live);
    if (owner === mine) continue;
    conflicts.push({ object: describeObject(o), owner: other ? `addon ${other}` : owner ? `Application ${owner}` : 'nobody (applied by hand)' });
  }
  if (conflicts.length > 0) {
    throw new VelahubError(
      'EDEFINITION_CONFLICT',
      `${kube.context}: enabling ${addon} would take over ${conflicts.length} definition(s): ${conflicts.map((c) => `${c.object} (owned by ${c.owner})`).join('; ')}`,
      { data: conflicts, hint: 'pass --override-definitions to take them over' },
    );
  }
}

/**
 * Applies an addon's objects with server-side apply: the Application first (its
 * UID becomes every owned object's controller ownerReference), then the owned
 * objects and the parameter Secret. An object whose resourceVersion did not
 * move was unchanged: re-running writes nothing. Every write is journaled so a
 * failure later in the run can be rolled back.
 */
export async function applyAddonObjects(kube: Kube, objects: AddonObjects, opts: { dryRun?: boolean; journal: ApplyJournal }): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], changed: [], unchanged: [] };
  const applyOne = async (o: KubeObject): Promise<KubeObject> => {
    const before = await kube.get(o);
    const after = await kube.apply(o, { dryRun: opts.dryRun });
    const label = describeObject(o);
    if (!before) report.created.push(label);
    else if (before.metadata.resourceVersion === after.metadata.resourceVersion) report.unchanged.push(label);
    else report.changed.push(label);
    if (!opts.dryRun && (!before || before.metadata.resourceVersion !== after.metadata.resourceVersion)) {
      opts.journal.entries.push({ kube, object: o, previous: before });
    }
    return after;
  };
  const app = await applyOne(objects.application);
  const owner = {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    name: app.metadata.name,
    uid: app.metadata.uid ?? '00000000-0000-0000-0000-000000000000',
    controller: true,
    blockOwnerDeletion: true,
  };
  for (const o of objects.owned) {
    await applyOne({ ...o, metadata: { ...o.metadata, ownerReferences: [owner] } });
  }
  if (objects.secret) await applyOne(objects.secret);
  else if (!opts.dryRun) {
    const name = objects.application.metadata.labels?.[addonLabels.name];
    const stale = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `addon-secret-${name}`, namespace: objects.application.metadata.namespace! } };
    const previous = await kube.get(stale);
    if (previous && (await kube.delete(stale))) {
      opts.journal.entries.push({ kube, object: stale as KubeObject, previous });
      report.changed.push(describeObject(stale as KubeObject));
    }
  }
  return report;
}

import { isDeepStrictEqual } from 'node:util';
import { VelahubError } from '../core/errors.ts';
import { addonLabels, applicationName, type AddonObjects } from './addon-objects.ts';
import type { Kube } from './kube.ts';
import { describeObject, type KubeObject } from './kube-object.ts';
import { applyPruningUndeclared } from './prune-undeclared.ts';

/** What applying did to each object. */
export interface ApplyReport {
  created: string[];
  changed: string[];
  unchanged: string[];
  /** Fields left out because the object's CRD does not declare them, per object. */
  pruned: string[];
  /** On a dry run: every object as it would be applied, in apply order (what `vela addon enable --dry-run` prints). */
  objects?: KubeObject[];
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

type OwnerReference = NonNullable<KubeObject['metadata']['ownerReferences']>[number];

/** The Application references of an object, each with whether that Application still exists with that UID. */
async function applicationOwners(kube: Kube, live: KubeObject): Promise<Array<{ ref: OwnerReference; alive: boolean }>> {
  const refs = (live.metadata.ownerReferences ?? []).filter((r) => r.kind === 'Application');
  return Promise.all(
    refs.map(async (ref) => {
      const app = await kube.get({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: ref.name, namespace: live.metadata.namespace } });
      return { ref, alive: app?.metadata.uid === ref.uid };
    }),
  );
}

/**
 * References to Applications that no longer exist with that UID (deleted by `vela addon disable`
 * where no garbage collector ran yet, or deleted and made again): an addon being enabled takes
 * over what they point from, as re-enabling after a disable must work.
 */
async function staleOwners(kube: Kube, live: KubeObject): Promise<OwnerReference[]> {
  return (await applicationOwners(kube, live)).filter((o) => !o.alive).map((o) => o.ref);
}

/**
 * Refuses definitions that exist and belong to someone else: another addon's live
 * Application, or nobody (hand-applied). Lists every conflict at once. A definition whose
 * only owners are Applications that no longer exist is no conflict: it is taken over.
 */
export async function checkDefinitionConflicts(kube: Kube, addon: string, objects: AddonObjects): Promise<void> {
  const mine = applicationName(addon);
  const conflicts: Array<{ object: string; owner: string }> = [];
  for (const o of objects.owned) {
    if (!/^(Component|Trait|Policy|WorkflowStep)Definition$/.test(o.kind ?? '')) continue; // ConfigMaps and auxiliary objects are simply applied, as vela does
    const live = await kube.get(o);
    if (!live) continue;
    const owners = await applicationOwners(kube, live);
    if (owners.some((x) => x.ref.name === mine)) continue;
    const other = owners.find((x) => x.alive)?.ref.name;
    if (owners.length > 0 && !other) continue;
    const owner = other ?? 'nobody (applied by hand)';
    conflicts.push({ object: describeObject(o), owner: other?.startsWith('addon-') ? `addon ${other.slice('addon-'.length)}` : other ? `Application ${other}` : owner });
  }
  if (conflicts.length > 0) {
    throw new VelahubError(
      'EDEFINITION_CONFLICT',
      `${kube.context}: enabling ${addon} would take over ${conflicts.length} definition(s): ${conflicts.map((c) => `${c.object} (owned by ${c.owner})`).join('; ')}`,
      { data: conflicts, hint: 'pass --override-definitions to take them over' },
    );
  }
}

/** The annotation vela-core restarts an Application's workflow on when it changes. */
export const publishVersionAnnotation = 'app.oam.dev/publishVersion';

/** A publish version as KubeVela's `util.GenerateVersion("addon")` makes one: `addon-` and the time to the millisecond. */
function newPublishVersion(now = new Date()): string {
  return `addon-${now.toISOString().replace(/[-:TZ.]/g, '')}`;
}

/** What a write of an Application can change, without what the API server stamps on every write. */
function essence(o: KubeObject): unknown {
  return { spec: o.spec, labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {}, owners: o.metadata.ownerReferences ?? [] };
}

/**
 * The Application with `app.oam.dev/publishVersion` set, as `vela addon enable`
 * sets it on every enable and upgrade (vela-core restarts the workflow only when
 * it changes). Where applying it would change nothing else, the live value is
 * kept, so a re-enable writes nothing; whether anything else changes is asked of
 * the API server (a dry-run apply), which knows its defaults.
 */
async function withPublishVersion(kube: Kube, app: KubeObject, dryRun?: boolean): Promise<KubeObject> {
  const stamp = (v: string): KubeObject => ({ ...app, metadata: { ...app.metadata, annotations: { ...(app.metadata.annotations ?? {}), [publishVersionAnnotation]: v } } });
  const live = await kube.get(app);
  const current = live?.metadata.annotations?.[publishVersionAnnotation];
  if (live && current) {
    const trial = await kube.apply(stamp(current), { dryRun: true });
    if (isDeepStrictEqual(essence(trial), essence(live))) return stamp(current);
  }
  // A dry run shows the value it would write; it is stamped again on the real run.
  return stamp(dryRun && current ? current : newPublishVersion());
}

/**
 * Applies an addon's objects with server-side apply: the Application first (its
 * UID becomes every owned object's controller ownerReference), then the owned
 * objects and the parameter Secret. An object whose resourceVersion did not
 * move was unchanged: re-running writes nothing. Every write is journaled so a
 * failure later in the run can be rolled back.
 */
export async function applyAddonObjects(kube: Kube, objects: AddonObjects, opts: { dryRun?: boolean; journal: ApplyJournal }): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], changed: [], unchanged: [], pruned: [], ...(opts.dryRun ? { objects: [] } : {}) };
  const applyOne = async (o: KubeObject): Promise<KubeObject> => {
    report.objects?.push(o);
    const before = await kube.get(o);
    // A second controller reference is refused (422): drop those to Applications that are gone first.
    const stale = before && o.metadata.ownerReferences ? await staleOwners(kube, before) : [];
    if (before && stale.length > 0) {
      const kept = (before.metadata.ownerReferences ?? []).filter((r) => !stale.some((s) => s.uid === r.uid));
      await kube.setOwnerReferences(before, kept, { dryRun: opts.dryRun });
      // A dry run cannot drop them for the apply that follows: validate without the references.
      if (opts.dryRun) o = { ...o, metadata: { ...o.metadata, ownerReferences: undefined } };
    }
    const { applied: after, pruned } = await applyPruningUndeclared(kube, o, { dryRun: opts.dryRun });
    const label = describeObject(o);
    if (pruned) report.pruned.push(`${label}: ${pruned.paths.join(', ')} (not in its CRD's schema; the API server would prune ${pruned.paths.length > 1 ? 'them' : 'it'} for vela addon enable too)`);
    if (!before) report.created.push(label);
    else if (before.metadata.resourceVersion === after.metadata.resourceVersion) report.unchanged.push(label);
    else report.changed.push(label);
    if (!opts.dryRun && (!before || before.metadata.resourceVersion !== after.metadata.resourceVersion)) {
      opts.journal.entries.push({ kube, object: o, previous: before });
    }
    return after;
  };
  const app = await applyOne(await withPublishVersion(kube, objects.application, opts.dryRun));
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
  // Owned like the rest, as `vela addon enable` does: disabling the addon removes its parameters too.
  if (objects.secret) await applyOne({ ...objects.secret, metadata: { ...objects.secret.metadata, ownerReferences: [owner] } });
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

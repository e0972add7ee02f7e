import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import { resolve } from '../core/resolve/resolve.ts';
import type { LockedAddon, Plan, Requested, RegistrySnapshot } from '../core/resolve/types.ts';
import { validateParameters } from '../core/params/validate.ts';
import { addonObjects, applicationName, type AddonObjects } from './addon-objects.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import type { CueLine } from '../core/cue/lines.ts';
import { lineForVelaVersion } from '../core/cue/cluster-line.ts';
import { configTemplatesOf } from '../core/package/config-template.ts';
import { parameterFileOf, renderAddonApp, renderAddonNotes, type RenderedAddonApp } from '../core/package/render-app.ts';
import { applyAddonObjects, ApplyJournal, checkDefinitionConflicts, type ApplyReport } from './apply.ts';
import { readClusterFacts, type ClusterState } from './cluster-facts.ts';
import { AddonFetcher, type FetchedAddon } from './fetch-addon.ts';
import type { Kube } from './kube.ts';
import { readRegistryIndex, type RegistrySource } from './registry-index.ts';
import { unresolvableRegistryWarnings } from './vela-registry.ts';
import { enabledParameters, mergeParameters } from './addon-parameters.ts';
import type { UpgradeReport } from './upgrade.ts';

/** Progress events, for a CLI to print while it waits. */
export type InstallEvent =
  | { kind: 'registry'; name: string; error?: string }
  | { kind: 'plan'; cluster: string; plan: Plan }
  | { kind: 'fetch'; name: string; version: string }
  | { kind: 'apply'; cluster: string; name: string; version: string; report: ApplyReport }
  | { kind: 'wait'; cluster: string; name: string; elapsedMs: number }
  | { kind: 'rollback'; cluster: string; problems: string[] }
  | { kind: 'warning'; cluster: string; message: string }
  /** An upgrade's report for one cluster, before anything is written there. */
  | { kind: 'upgrade-report'; report: UpgradeReport }
  /** An upgrade applied (or validated, in a dry run) on one cluster. */
  | { kind: 'upgraded'; cluster: string; name: string; version: string };

/** Options of {@link enableAddons}. */
export interface EnableOptions {
  requested: Requested[];
  clusters: Kube[];
  registries: RegistrySource[];
  cue: CueEvaluator;
  /** Parameters of the (single) requested addon. */
  parameters?: Record<string, unknown>;
  dryRun?: boolean;
  overrideDefinitions?: boolean;
  /** Install exactly these versions (velahub.lock). */
  lock?: LockedAddon[];
  upgrade?: boolean | string[];
  /** Where KubeVela runs (vela-system). */
  namespace?: string;
  /** Evaluate every archive's CUE, even where the registry stored a manifest for its digest. */
  verify?: boolean;
  /** Wait for each addon's Application to run before its dependents (when vela-core runs). */
  waitTimeoutMs?: number;
  onEvent?: (e: InstallEvent) => void;
  signal?: AbortSignal;
}

/** What enabling did on one cluster. */
export interface ClusterResult {
  cluster: string;
  plan: Plan;
  /** Per addon written: what applying did, and its NOTES.cue message when it has one. */
  applied: Array<{ name: string; version: string; report: ApplyReport; notes?: string }>;
}

/** Reads every registry's index (unreachable ones are kept, marked, and skipped later). */
export async function loadRegistries(sources: RegistrySource[], onEvent?: (e: InstallEvent) => void, signal?: AbortSignal): Promise<RegistrySnapshot[]> {
  if (sources.length === 0) throw new VelahubError('EUSAGE', 'no registry configured: velahub registry add NAME URL, or set VELAHUB_REGISTRY', { path: '--registry' });
  const snapshots = await Promise.all(sources.map((s) => readRegistryIndex(s, signal)));
  for (const s of snapshots) onEvent?.({ kind: 'registry', name: s.name, error: s.error });
  return snapshots;
}

/** Plans (without writing anything) the requested addons on each cluster. */
export async function planAddons(opts: Omit<EnableOptions, 'dryRun' | 'overrideDefinitions' | 'parameters'>): Promise<Plan[]> {
  return (await planClusters(opts, new AddonFetcher(opts.cue, opts.registries, { verify: opts.verify }))).map((p) => p.plan);
}

/** A cluster's plan with the state read to make it, for whoever applies the plan. */
export interface PlannedCluster {
  kube: Kube;
  facts: ClusterState;
  plan: Plan;
}

/** Plans every cluster, keeping the facts read on the way for whoever applies the plans. */
async function planClusters(opts: Omit<EnableOptions, 'dryRun' | 'overrideDefinitions' | 'parameters'>, fetcher: AddonFetcher): Promise<PlannedCluster[]> {
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

/** What {@link applyPlans} needs besides the plans: what was asked, and how to write. */
export type ApplyPlansOptions = Pick<EnableOptions, 'requested' | 'cue' | 'parameters' | 'dryRun' | 'overrideDefinitions' | 'namespace' | 'waitTimeoutMs' | 'onEvent' | 'signal'>;

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
        const rendered = await renderForEnable(fetched, parameters, given, { cue: opts.cue, line, signal: opts.signal });
        const notes = await renderAddonNotes({ files: fetched.files, metadata: fetched.manifest.metadata, parameters, cue: opts.cue, upgrade: step.action !== 'install', line, signal: opts.signal });
        const configTemplates = await configTemplatesOf(fetched.files, opts.cue, { line, signal: opts.signal });
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
        if (!opts.dryRun && facts.velaCoreReady) await waitForRunning(kube, step.name, namespace, opts);
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

/**
 * Checks the parameters of an addon and renders its Application. Unknown
 * given parameters and wrong types are caught by the schema (every problem at once);
 * what is required is decided by CUE, as KubeVela decides it: the values are
 * unified with parameter.cue, so defaults of nested structs fill in.
 */
async function renderForEnable(fetched: FetchedAddon, parameters: Record<string, unknown>, given: Record<string, unknown>, cue: { cue: CueEvaluator; line: CueLine; signal?: AbortSignal }): Promise<RenderedAddonApp> {
  const { manifest, files, candidate } = fetched;
  const label = `${candidate.name} ${candidate.version}`;
  // The schema checks what the user gives now; values kept from an earlier enable go to CUE as they are.
  if (manifest.parameterSchema) {
    const problems = validateParameters(manifest.parameterSchema, given, parameterFileOf(files) ?? 'parameter.cue').filter((p) => p.code !== 'parameter-required');
    if (problems.length) throw new VelahubError('EINVALID_PARAMETERS', `${problems.length} invalid parameter(s) for ${candidate.name}: ${problems.map((p) => p.message).join('; ')}`, { data: problems });
  } else if (Object.keys(given).length > 0) {
    throw new VelahubError('EINVALID_PARAMETERS', `${label} takes no parameters (it has no parameter.cue)`, { path: '--set' });
  }
  try {
    return await renderAddonApp({ files, metadata: manifest.metadata, parameters, cue: cue.cue, line: cue.line, signal: cue.signal });
  } catch (err) {
    if (!(err instanceof VelahubError)) throw err;
    const list = Array.isArray(err.data) ? (err.data as Diagnostic[]) : [];
    const code = list[0]?.code === 'parameter-required' ? 'EINVALID_PARAMETERS' : err.code;
    throw new VelahubError(code, `${label}: ${err.message}`, { data: err.data, path: err.path, hint: err.hint ?? (code === 'EINVALID_PARAMETERS' ? `pass it with --set or -f` : undefined), cause: err });
  }
}

/** Waits until vela-core reports the addon's Application running, bounded, with progress. */
async function waitForRunning(kube: Kube, name: string, namespace: string, opts: ApplyPlansOptions): Promise<void> {
  const timeout = opts.waitTimeoutMs ?? 300_000;
  const started = Date.now();
  const ref = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: applicationName(name), namespace } };
  for (;;) {
    const app = await kube.get(ref);
    const status = (app as { status?: { status?: string; observedGeneration?: number } } | undefined)?.status;
    const phase = status?.status;
    // As `vela addon enable` waits: running, and the status is of this generation, not the last one.
    if (phase === 'running' && (status?.observedGeneration ?? 0) >= (app?.metadata.generation ?? 0)) return;
    const elapsedMs = Date.now() - started;
    if (elapsedMs > timeout) {
      throw new VelahubError('ETIMEOUT', `${kube.context}: ${applicationName(name)} did not reach phase running within ${Math.round(timeout / 1000)} s (phase: ${phase ?? 'none'})`, { hint: `check it with: vela status ${applicationName(name)} -n ${namespace}` });
    }
    opts.onEvent?.({ kind: 'wait', cluster: kube.context, name, elapsedMs });
    await new Promise((r) => setTimeout(r, 1000));
    opts.signal?.throwIfAborted();
  }
}

import semver from 'semver';
import { VelahubError } from '../errors.ts';
import { parseRange, releaseOf } from '../package/versions.ts';
import type { Candidate, Plan, PlanStep, RegistrySnapshot, ResolveInput } from './types.ts';

/** A requirement on an addon and who imposed it. */
interface Constraint {
  rangeText: string;
  range: semver.Range | null;
  /** `requested`, or the candidate that depends on it (`helm-component 2.1.0`). */
  by: string;
  /** The name of the addon whose chosen candidate imposed it (none for a request). */
  byName?: string;
  /** The chain of requirements that led here, root first. */
  chain: string[];
}

/** The resolver's failure: every conflict found, each as a readable chain. */
export interface ResolveFailure {
  conflicts: string[];
  unreachableRegistries: Array<{ name: string; error: string }>;
}

const anyRange = new semver.Range('*');

const parsedVersions = new Map<string, semver.SemVer | null>();
const parsedRanges = new Map<string, semver.Range | null>();

/** A version parsed once (the search compares the same versions many times); null when it is not semver. */
function semverOf(version: string): semver.SemVer | null {
  let v = parsedVersions.get(version);
  if (v === undefined) {
    if (parsedVersions.size > 50_000) parsedVersions.clear();
    v = semver.valid(version) ? new semver.SemVer(version) : null;
    parsedVersions.set(version, v);
  }
  return v;
}

/** {@link parseRange}, memoized. */
function rangeOf(text: string): semver.Range | null {
  let r = parsedRanges.get(text);
  if (r === undefined) {
    if (parsedRanges.size > 50_000) parsedRanges.clear();
    r = parseRange(text);
    parsedRanges.set(text, r);
  }
  return r;
}

const prereleaseRanges = new Map<string, semver.Range>();

/**
 * True when a version must meet a constraint. Prereleases only when the range
 * as written names one (`>=3.0.0-rc.0`); semver's own desugaring does not
 * count (`^1.0.0` is `>=1.0.0 <2.0.0-0`), nor does a hyphen range.
 */
function satisfies(version: string, c: Constraint): boolean {
  const v = semverOf(version);
  if (!v) return !c.range; // an installed label that is not semver meets only "any version"
  if (!c.range) return anyRange.test(v);
  if (!/\d+\.\d+\.\d+-[0-9A-Za-z]/.test(c.rangeText)) return c.range.test(v);
  let r = prereleaseRanges.get(c.range.range);
  if (!r) {
    if (prereleaseRanges.size > 50_000) prereleaseRanges.clear();
    r = new semver.Range(c.range.range, { includePrerelease: true });
    prereleaseRanges.set(c.range.range, r);
  }
  return r.test(v);
}

/** Compares a cluster's version (vendor suffixes ignored) with a `system.*` range; undefined when it is not a version. */
export function systemSatisfied(actual: string | undefined, range: string | undefined): boolean | undefined {
  if (!range) return true;
  if (!actual) return undefined;
  const release = releaseOf(actual);
  // KubeVela skips the check for a tag that is not a version (latest, a branch, a commit).
  if (!release) return undefined;
  const r = rangeOf(range);
  if (!r) return false;
  return semver.satisfies(release, r);
}

function describeVersions(list: string[]): string {
  if (list.length === 0) return 'none';
  if (list.length <= 4) return list.join(', ');
  return `${list.slice(0, 3).join(', ')}, … ${list[list.length - 1]} (${list.length} versions)`;
}

/** A contiguous-looking label for a group of versions: `2.0.0–2.1.0`. */
function versionSpan(list: string[]): string {
  const sorted = [...list].sort(semver.compare);
  return sorted.length === 1 ? sorted[0]! : `${sorted[0]}–${sorted[sorted.length - 1]}`;
}

/**
 * Resolves requested addons for one cluster: one version per addon satisfying
 * every dependency range and `system.vela` / `system.kubernetes`, installed
 * versions kept unless an upgrade is asked for, yanked versions never chosen,
 * deprecated ones only when nothing else fits. Returns the install order
 * (dependencies first). A pure function: same input, same plan.
 *
 * Throws ERESOLVE with `data: ResolveFailure` listing every conflict as a chain
 * ("helm-component 2.1.0 needs fluxcd >=2.0.0; fluxcd 2.0.0 needs KubeVela
 * >=1.9.0; the cluster runs 1.8.2"), or ECYCLE for a dependency cycle.
 */
export function resolve(input: ResolveInput): Plan {
  const ctx = new Resolver(input);
  const solution = ctx.solveAll();
  return ctx.plan(solution);
}

class Resolver {
  readonly input: ResolveInput;
  readonly warnings: string[] = [];
  readonly installed: Map<string, { version: string; registry?: string }>;
  readonly upgradable: (name: string) => boolean;
  readonly explicit = new Map<string, string | undefined>();
  readonly failures = new Set<string>();
  readonly usedUnreachable = new Map<string, string>();
  steps = 0;
  #ranks: Map<string, number> | undefined;

  constructor(input: ResolveInput) {
    this.input = input;
    this.installed = new Map(input.cluster.installed.map((a) => [a.name, { version: a.version, registry: a.registry }]));
    const up = input.upgrade;
    this.upgradable = (name) => up === true || (Array.isArray(up) && up.includes(name));
    for (const r of input.requested) this.explicit.set(r.name, r.range);
    for (const reg of input.registries) if (reg.error) this.warnings.push(`registry ${reg.name} is unreachable (${reg.error}); it was skipped`);
  }

  /** The registry serving `name`: the first reachable one, in priority order, that has it. */
  source(name: string): { registry: RegistrySnapshot; versions: Candidate[] } | undefined {
    for (const reg of this.input.registries) {
      if (reg.error) continue;
      const versions = reg.addons.get(name);
      if (versions && versions.length > 0) return { registry: reg, versions };
    }
    return undefined;
  }

  /**
   * Post-order rank of every addon reachable from the request through any
   * version's dependencies: an addon that may depend on another ranks above it.
   * Choosing the highest-ranked open addon first means an addon is chosen only
   * once everything that could constrain it has been (in an acyclic catalog).
   */
  ranks(): Map<string, number> {
    if (this.#ranks) return this.#ranks;
    const ranks = new Map<string, number>();
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const deps = new Set((this.source(name)?.versions ?? []).flatMap((c) => c.dependencies.map((d) => d.name)));
      for (const d of [...deps].sort()) visit(d);
      ranks.set(name, ranks.size);
    };
    for (const r of this.input.requested) visit(r.name);
    this.#ranks = ranks;
    return ranks;
  }

  readonly #systemProblems = new Map<Candidate, string | undefined>();

  systemProblem(c: Candidate): string | undefined {
    if (this.#systemProblems.has(c)) return this.#systemProblems.get(c);
    const problem = this.#systemProblem(c);
    this.#systemProblems.set(c, problem);
    return problem;
  }

  #systemProblem(c: Candidate): string | undefined {
    const { velaVersion, kubernetesVersion } = this.input.cluster;
    const vela = systemSatisfied(velaVersion, c.system.vela);
    if (vela === false) return `needs KubeVela ${c.system.vela}; the cluster runs ${velaVersion}`;
    const kube = systemSatisfied(kubernetesVersion, c.system.kubernetes);
    if (kube === false) return `needs Kubernetes ${c.system.kubernetes}; the cluster runs ${kubernetesVersion}`;
    return undefined;
  }

  /** Candidates for `name` meeting every constraint, in order of preference, or why there are none. */
  candidates(name: string, constraints: Constraint[]): { list: Candidate[]; why?: string } {
    const chainText = (c: Constraint) => (c.by === 'requested' ? `${name} ${c.rangeText} was requested` : `${c.chain.join(' → ')} needs ${name} ${c.rangeText}`);
    const src = this.source(name);
    const inst = this.installed.get(name);
    const explicitRange = this.explicit.get(name);
    const mayMove = this.upgradable(name) || (explicitRange !== undefined && inst !== undefined && !semver.satisfies(inst.version, parseRange(explicitRange) ?? anyRange));
    if (inst && !mayMove && !this.input.lock) {
      // Kept as installed, even when no configured registry offers it (enabled from elsewhere).
      const failing = constraints.filter((c) => !satisfies(inst.version, c));
      if (failing.length > 0) {
        return { list: [], why: `${failing.map(chainText).join('; ')}; the cluster has ${name} ${inst.version} installed (run velahub upgrade ${name} to move it)` };
      }
      const same = src?.versions.find((c) => c.version === inst.version);
      return { list: [same ?? keepCandidate(name, inst.version, inst.registry ?? src?.registry.name ?? 'unknown')] };
    }
    if (!src) {
      const down = this.input.registries.filter((r) => r.error);
      for (const r of down) this.usedUnreachable.set(r.name, r.error!);
      const names = this.input.registries.map((r) => r.name).join(', ') || 'none configured';
      const where = down.length ? `no reachable registry has it (unreachable: ${down.map((r) => r.name).join(', ')})` : `no registry has it (registries: ${names})`;
      return { list: [], why: `${constraints.map(chainText).join('; ')}; ${where}` };
    }
    let versions = src.versions.filter((c) => !c.yanked && semverOf(c.version)); // an index may list versions that are not semver
    const locked = this.input.lock?.find((l) => l.name === name);
    if (this.input.lock) {
      if (!locked) return { list: [], why: `${name} is not in the lock file; run velahub plan --lock again` };
      versions = versions.filter((c) => c.version === locked.version);
      const match = versions[0];
      if (!match) return { list: [], why: `the lock file pins ${name} ${locked.version}, which ${src.registry.name} does not offer` };
      if (match.digest !== locked.digest) {
        return { list: [], why: `${name} ${locked.version} in ${src.registry.name} has digest ${match.digest}, but the lock file pins ${locked.digest}: the archive changed` };
      }
    }
    let matching = versions.filter((c) => constraints.every((k) => satisfies(c.version, k)));
    // Nothing asked for but only prereleases published (the catalog's traefik v2.6.3-3): KubeVela
    // enables the newest version whatever it is, so any-version requests take prereleases then.
    const anyVersion = constraints.every((k) => !k.range || k.rangeText.trim() === '*' || k.rangeText.trim() === '');
    if (matching.length === 0 && anyVersion && versions.length > 0 && versions.every((c) => semver.prerelease(semverOf(c.version)!) !== null)) {
      matching = versions;
    }
    if (matching.length === 0) {
      const available = versions.map((c) => c.version).sort(semver.compare);
      const failing = constraints.filter((k) => !versions.some((c) => satisfies(c.version, k)));
      const shown = failing.length ? failing : constraints;
      return { list: [], why: `${shown.map(chainText).join('; ')}; ${name} has ${describeVersions(available)}${shown.length !== constraints.length ? '' : constraints.length > 1 ? ' and no version meets all of these' : ''}` };
    }
    const fitting = matching.filter((c) => !this.systemProblem(c));
    if (fitting.length === 0) {
      const groups = new Map<string, string[]>();
      for (const c of matching) {
        const p = this.systemProblem(c)!;
        groups.set(p, [...(groups.get(p) ?? []), c.version]);
      }
      const detail = [...groups].map(([p, vs]) => `${name} ${versionSpan(vs)} ${p}`).join('; ');
      return { list: [], why: `${constraints.map(chainText).join('; ')}; ${detail}` };
    }
    const order = (a: Candidate, b: Candidate) => Number(Boolean(a.deprecated)) - Number(Boolean(b.deprecated)) || semver.rcompare(a.version, b.version);
    return { list: [...fitting].sort(order) };
  }

  solveAll(): Map<string, Candidate> {
    const roots = this.input.requested.map((r) => {
      const range = r.range ? parseRange(r.range) : null;
      if (r.range && !range) {
        throw new VelahubError('EUSAGE', `${r.name}@${r.range}: ${JSON.stringify(r.range)} is not a valid semver range`, { path: 'ADDON@RANGE', hint: 'e.g. hpa-trait@^1.2.0 or "fluxcd@>=2.0.0, <3.0.0"' });
      }
      return { name: r.name, constraint: { rangeText: r.range ?? '*', range, by: 'requested', chain: [] } as Constraint };
    });
    const solution = this.search(roots);
    if (solution) return solution;
    // List every conflict: each request alone, then the requests that resolve alone, together.
    const conflicts = new Set<string>();
    let together = roots;
    if (roots.length > 1) {
      together = [];
      for (const root of roots) {
        this.failures.clear();
        if (this.search([root])) together.push(root);
        else for (const f of this.failures) conflicts.add(f);
      }
    }
    if (together.length === roots.length || together.length > 1) {
      this.failures.clear();
      if (!this.search(together)) for (const f of this.failures) conflicts.add(f);
    }
    const failure: ResolveFailure = { conflicts: [...conflicts], unreachableRegistries: [...this.usedUnreachable].map(([name, error]) => ({ name, error })) };
    throw new VelahubError('ERESOLVE', `cannot resolve ${this.input.requested.map((r) => r.name + (r.range ? `@${r.range}` : '')).join(', ')} for cluster ${this.input.cluster.name}:\n  - ${failure.conflicts.join('\n  - ')}`, { data: failure });
  }

  /**
   * Depth-first search with backtracking over candidate versions. Constraints
   * accumulate per addon; a choice that breaks an earlier one is undone.
   * Conflict-directed backjumping: a failure comes back with the addons whose
   * choices explain it (who constrained the failing addon: `false`; whose chosen
   * version broke a range: `true`), and a level whose addon is not among them
   * is skipped instead of trying its other versions, which could not help.
   * When only an addon's requirements were to blame, its other versions with
   * the very same dependencies are skipped too: they would fail the same way.
   */
  search(roots: Array<{ name: string; constraint: Constraint }>): Map<string, Candidate> | undefined {
    const chosen = new Map<string, Candidate>();
    const constraints = new Map<string, Constraint[]>();
    const agenda: string[] = [];
    const inAgenda = new Set<string>();
    for (const r of roots) {
      constraints.set(r.name, [...(constraints.get(r.name) ?? []), r.constraint]);
      if (!inAgenda.has(r.name)) agenda.push(r.name), inAgenda.add(r.name);
    }
    const maxSteps = this.input.maxSteps ?? 200_000;
    const ranks = this.ranks();
    /** The open addon every possible dependent of which is already chosen (see ranks()). */
    const next = (): string | undefined => {
      let best: string | undefined;
      let bestRank = -1;
      for (const n of agenda) {
        if (chosen.has(n)) continue;
        const r = ranks.get(n) ?? 0;
        if (best === undefined || r > bestRank) [best, bestRank] = [n, r];
      }
      return best;
    };
    const step = (): true | Map<string, boolean> => {
      if (++this.steps > maxSteps) throw new VelahubError('ERESOLVE_TOO_COMPLEX', `dependency resolution gave up after ${maxSteps} steps`, { hint: 'narrow the requested ranges' });
      const name = next();
      if (name === undefined) return true;
      const mine = constraints.get(name) ?? [];
      const { list, why } = this.candidates(name, mine);
      if (why) this.failures.add(why);
      const conflict = new Map<string, boolean>(mine.flatMap((k) => (k.byName ? [[k.byName, false] as const] : [])));
      const blame = (n: string, version: boolean) => conflict.set(n, version || (conflict.get(n) ?? false));
      const failedRequirements = new Set<string>();
      for (const c of list) {
        const requirements = c.dependencies.map((d) => `${d.name}@${d.range ?? '*'}`).join('|');
        if (failedRequirements.has(requirements)) continue;
        const added: Array<{ dep: string; constraint: Constraint; newAgenda: boolean }> = [];
        let broken: string | undefined;
        const parentChain = mine[0]?.by === 'requested' || !mine[0] ? [] : mine[0].chain;
        for (const d of c.dependencies) {
          const range = d.range ? rangeOf(d.range) : null;
          const constraint: Constraint = { rangeText: d.range ?? '*', range, by: `${c.name} ${c.version}`, byName: c.name, chain: [...parentChain, `${c.name} ${c.version}`] };
          const already = chosen.get(d.name);
          if (already && !satisfies(already.version, constraint)) {
            broken = `${constraint.chain.join(' → ')} needs ${d.name} ${constraint.rangeText}, but ${d.name} ${already.version} was chosen for ${(constraints.get(d.name) ?? []).map((k) => (k.by === 'requested' ? 'the request' : k.by)).join(', ')}`;
            blame(d.name, true);
            break;
          }
          added.push({ dep: d.name, constraint, newAgenda: !inAgenda.has(d.name) });
          constraints.set(d.name, [...(constraints.get(d.name) ?? []), constraint]);
          if (!inAgenda.has(d.name)) agenda.push(d.name), inAgenda.add(d.name);
        }
        let jump: Map<string, boolean> | undefined;
        if (!broken) {
          chosen.set(name, c);
          const below = step();
          if (below === true) return true;
          chosen.delete(name);
          if (!below.has(name)) jump = below;
          else {
            if (below.get(name) === false) failedRequirements.add(requirements);
            for (const [n, version] of below) blame(n, version);
          }
        } else {
          this.failures.add(broken);
        }
        for (const a of added.reverse()) {
          constraints.get(a.dep)!.pop();
          if (a.newAgenda) agenda.splice(agenda.lastIndexOf(a.dep), 1), inAgenda.delete(a.dep);
        }
        if (jump) return jump;
      }
      conflict.delete(name);
      return conflict;
    };
    return step() === true ? chosen : undefined;
  }

  plan(solution: Map<string, Candidate>): Plan {
    const order = topologicalOrder(solution);
    const steps: PlanStep[] = [];
    const requiredBy = new Map<string, string[]>();
    for (const c of solution.values()) for (const d of c.dependencies) requiredBy.set(d.name, [...(requiredBy.get(d.name) ?? []), `${c.name} ${c.version}${d.range ? ` (${d.range})` : ''}`]);
    for (const name of order) {
      const c = solution.get(name)!;
      const inst = this.installed.get(name);
      const action: PlanStep['action'] = !inst ? 'install' : inst.version === c.version ? 'keep' : semver.valid(inst.version) && semver.lt(c.version, inst.version) ? 'downgrade' : 'upgrade';
      const reasons = [...(this.explicit.has(name) ? ['requested'] : []), ...(requiredBy.get(name) ?? []).map((r) => `required by ${r}`)];
      if (c.deprecated && action !== 'keep') this.warnings.push(`${name} ${c.version} is deprecated: ${c.deprecated}`);
      steps.push({ name, version: c.version, action, from: inst?.version, registry: c.registry, digest: c.digest, url: c.url, reason: reasons.join('; ') || 'installed', candidate: c });
    }
    const { velaVersion, kubernetesVersion } = this.input.cluster;
    if (!velaVersion && steps.some((s) => s.candidate.system.vela)) this.warnings.push(`KubeVela's version on ${this.input.cluster.name} is unknown (no vela-core Deployment found): system.vela was not checked`);
    if (!kubernetesVersion && steps.some((s) => s.candidate.system.kubernetes)) this.warnings.push(`Kubernetes' version on ${this.input.cluster.name} is unknown: system.kubernetes was not checked`);
    return { cluster: this.input.cluster.name, steps, warnings: this.warnings };
  }
}

function keepCandidate(name: string, version: string, registry: string): Candidate {
  return { name, version, registry, digest: '', url: '', dependencies: [], system: {}, definitions: [] };
}

/** Dependencies first, ties by name; throws ECYCLE naming the cycle. */
function topologicalOrder(solution: Map<string, Candidate>): string[] {
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name].map((n) => `${n} ${solution.get(n)!.version}`);
      throw new VelahubError('ECYCLE', `dependency cycle: ${cycle.join(' → ')}`, { data: { cycle }, hint: 'addons cannot depend on each other in a circle: each would wait for the other' });
    }
    state.set(name, 'visiting');
    stack.push(name);
    const c = solution.get(name)!;
    for (const d of [...c.dependencies].sort((a, b) => a.name.localeCompare(b.name))) if (solution.has(d.name)) visit(d.name);
    stack.pop();
    state.set(name, 'done');
    out.push(name);
  };
  for (const name of [...solution.keys()].sort()) visit(name);
  return out;
}

/**
 * The resolver as a specification: a pure function of requested addons, registry snapshots (in
 * priority order), the cluster's versions and installed addons, and an optional lock. Every
 * failure is asserted by code and by the data it carries (conflict chains, cycles, unreachable
 * registries), never by wording.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VelahubError } from '../../../core/errors.ts';
import { resolve, systemSatisfied, type ResolveFailure } from '../../../core/resolve/resolve.ts';
import type { Candidate, ClusterFacts, LockedAddon, Plan, RegistrySnapshot, ResolveInput } from '../../../core/resolve/types.ts';

// ---- builders -------------------------------------------------------------------------------

interface CandidateOptions {
  deps?: Record<string, string | undefined>;
  vela?: string;
  kubernetes?: string;
  deprecated?: string;
  yanked?: boolean;
  registry?: string;
}

/** One version of an addon as an index describes it; the digest is derived from the identity. */
function cand(name: string, version: string, o: CandidateOptions = {}): Candidate {
  const registry = o.registry ?? 'main';
  return {
    name,
    version,
    registry,
    digest: digestOf(registry, name, version),
    url: `https://${registry}.example/charts/${name}-${version}.tgz`,
    dependencies: Object.entries(o.deps ?? {}).map(([n, range]) => (range === undefined ? { name: n } : { name: n, range })),
    system: { vela: o.vela, kubernetes: o.kubernetes },
    deprecated: o.deprecated,
    yanked: o.yanked,
    definitions: [{ name, type: 'trait' }],
  };
}

/** A stable fake `sha256:<64 hex>` per registry/name/version. */
function digestOf(registry: string, name: string, version: string): string {
  const seed = `${registry}/${name}@${version}`;
  let hex = '';
  for (let i = 0; hex.length < 64; i++) hex += ((seed.charCodeAt(i % seed.length) * (i + 7)) % 256).toString(16).padStart(2, '0');
  return `sha256:${hex.slice(0, 64)}`;
}

/** A reachable registry offering `candidates` (their `registry` field is set to `name`). */
function reg(name: string, ...candidates: Candidate[]): RegistrySnapshot {
  const addons = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const own = { ...c, registry: name, digest: digestOf(name, c.name, c.version), url: `https://${name}.example/charts/${c.name}-${c.version}.tgz` };
    addons.set(c.name, [...(addons.get(c.name) ?? []), own]);
  }
  return { name, addons };
}

/** A registry that could not be read. */
function down(name: string, error = 'connect ECONNREFUSED 127.0.0.1:1'): RegistrySnapshot {
  return { name, addons: new Map(), error };
}

function cluster(o: Partial<ClusterFacts> = {}): ClusterFacts {
  return { name: 'prod', velaVersion: 'v1.10.3', kubernetesVersion: 'v1.30.2', installed: [], ...o };
}

/** Parses `name` or `name@range` requests. */
function requests(...refs: string[]): ResolveInput['requested'] {
  return refs.map((r) => {
    const at = r.indexOf('@');
    return at > 0 ? { name: r.slice(0, at), range: r.slice(at + 1) } : { name: r };
  });
}

function run(input: Partial<ResolveInput> & { registries: RegistrySnapshot[]; requested: ResolveInput['requested'] }): Plan {
  return resolve({ cluster: cluster(), ...input });
}

/** `name@version` per step, in plan order. */
const chosen = (p: Plan) => p.steps.map((s) => `${s.name}@${s.version}`);
const versionOf = (p: Plan, name: string) => p.steps.find((s) => s.name === name)?.version;
const stepOf = (p: Plan, name: string) => {
  const s = p.steps.find((x) => x.name === name);
  assert.ok(s, `no step for ${name} in ${chosen(p).join(', ')}`);
  return s;
};

/** Runs `fn`, expecting a VelahubError with `code`; returns it. */
function fails(code: string, fn: () => unknown): VelahubError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VelahubError, `expected VelahubError ${code}, got ${err instanceof Error ? err.stack : String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the resolution succeeded`);
}

function failure(fn: () => unknown): ResolveFailure {
  const data = fails('ERESOLVE', fn).data as ResolveFailure;
  assert.ok(Array.isArray(data.conflicts) && data.conflicts.length > 0, 'ERESOLVE carries at least one conflict');
  return data;
}

/** A regular expression matching `parts` in this order, anything between them. */
function chain(...parts: string[]): RegExp {
  return new RegExp(parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*'));
}

/** Asserts exactly one conflict matches each chain, and no conflict is left unexplained. */
function assertConflicts(data: ResolveFailure, ...chains: RegExp[]): void {
  for (const c of chains) {
    assert.ok(data.conflicts.some((x) => c.test(x)), `no conflict matches ${c}; conflicts:\n  ${data.conflicts.join('\n  ')}`);
  }
}

// ---- specifications -------------------------------------------------------------------------

describe('resolve: choosing versions', () => {
  const registry = reg('main', cand('web', '1.0.0'), cand('web', '1.2.0'), cand('web', '1.10.0'), cand('web', '1.11.0-beta.1'), cand('web', '2.0.0'), cand('web', '3.0.0-rc.1'));

  const rows: Array<{ name: string; request: string; want: string }> = [
    { name: 'no range: newest release (prereleases excluded)', request: 'web', want: '2.0.0' },
    { name: 'caret range: newest in the major (numeric, not string, order)', request: 'web@^1.0.0', want: '1.10.0' },
    { name: 'KubeVela comma range', request: 'web@>=1.0.0, <2.0.0', want: '1.10.0' },
    { name: 'KubeVela comma range without spaces', request: 'web@>=1.1.0,<1.5.0', want: '1.2.0' },
    { name: 'exact version', request: 'web@1.2.0', want: '1.2.0' },
    { name: 'tilde range', request: 'web@~1.2.0', want: '1.2.0' },
    { name: 'a prerelease when the range names one', request: 'web@>=3.0.0-rc.0', want: '3.0.0-rc.1' },
    { name: 'a hyphen range does not admit prereleases', request: 'web@1.0.0 - 3.0.0', want: '2.0.0' },
    { name: 'a caret range does not admit prereleases (though semver writes it <2.0.0-0)', request: 'web@^1.2.0', want: '1.10.0' },
    { name: 'a range naming a prerelease admits that line of prereleases', request: 'web@>=1.11.0-alpha, <2.0.0', want: '1.11.0-beta.1' },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const p = run({ requested: requests(row.request), registries: [registry] });
      assert.deepEqual(chosen(p), [`web@${row.want}`]);
      assert.equal(p.steps[0]!.action, 'install');
      assert.equal(p.steps[0]!.registry, 'main');
      assert.equal(p.steps[0]!.digest, digestOf('main', 'web', row.want));
      assert.equal(p.steps[0]!.url, `https://main.example/charts/web-${row.want}.tgz`);
      assert.equal(p.steps[0]!.reason, 'requested');
    });
  }

  test('only prereleases published and no version asked: the newest prerelease, as KubeVela enables it', () => {
    const only = reg('main', cand('edge', '2.6.3-2'), cand('edge', '2.6.3-3'));
    assert.deepEqual(chosen(run({ requested: requests('edge'), registries: [only] })), ['edge@2.6.3-3']);
    // A range that names no prerelease still admits none.
    assert.throws(() => run({ requested: requests('edge@^2.0.0'), registries: [only] }), /edge \^2\.0\.0 was requested; edge has 2\.6\.3-2, 2\.6\.3-3|edge has/);
  });

  test('dependency ranges in the KubeVela comma form', () => {
    const p = run({
      requested: requests('app'),
      registries: [reg('main', cand('app', '1.0.0', { deps: { lib: '>=1.0.0, <2.0.0' } }), cand('lib', '1.0.0'), cand('lib', '1.4.0'), cand('lib', '2.0.0'))],
    });
    assert.deepEqual(chosen(p), ['lib@1.4.0', 'app@1.0.0']);
    assert.match(stepOf(p, 'lib').reason, chain('app 1.0.0', '>=1.0.0, <2.0.0'));
  });

  test('a dependency without a range takes the newest version', () => {
    const p = run({ requested: requests('app'), registries: [reg('main', cand('app', '1.0.0', { deps: { lib: undefined } }), cand('lib', '1.0.0'), cand('lib', '2.0.0'))] });
    assert.deepEqual(chosen(p), ['lib@2.0.0', 'app@1.0.0']);
  });

  test('a shared dependency gets the newest version meeting every range on it', () => {
    const p = run({
      requested: requests('a', 'b'),
      registries: [reg('main', cand('a', '1.0.0', { deps: { c: '>=1.1.0' } }), cand('b', '1.0.0', { deps: { d: '^1.0.0' } }), cand('d', '1.0.0', { deps: { c: '<1.3.0' } }), ...['1.0.0', '1.1.0', '1.2.0', '1.3.0', '2.0.0'].map((v) => cand('c', v)))],
    });
    assert.equal(versionOf(p, 'c'), '1.2.0');
  });

  test('an index version that is not semver is never chosen', () => {
    const p = run({ requested: requests('web'), registries: [reg('main', cand('web', 'latest'), cand('web', '1.0.0'), cand('web', 'nightly-2024'))] });
    assert.deepEqual(chosen(p), ['web@1.0.0']);
    failure(() => run({ requested: requests('web'), registries: [reg('main', cand('web', 'latest'))] }));
  });

  test('an invalid range is a usage error naming it', () => {
    const err = fails('EUSAGE', () => run({ requested: requests('web@>=banana'), registries: [registry] }));
    assert.ok(err.message.includes('>=banana'));
  });

  test('the same input gives the same plan', () => {
    const input = { requested: requests('app', 'web@^1.0.0'), registries: [registry, reg('other', cand('app', '1.0.0', { deps: { web: '>=1.0.0' } }))] };
    assert.deepEqual(run(input), run(input));
  });
});

describe('resolve: installed addons', () => {
  const registry = reg('main', cand('web', '1.0.0'), cand('web', '1.1.0'), cand('web', '1.2.0'), cand('web', '2.0.0'), cand('app', '1.0.0', { deps: { web: '>=1.0.0' } }));
  const installed = cluster({ installed: [{ name: 'web', version: '1.1.0', registry: 'main' }] });

  test('an installed addon is kept when no upgrade is asked', () => {
    const p = resolve({ requested: requests('web'), registries: [registry], cluster: installed });
    assert.deepEqual(chosen(p), ['web@1.1.0']);
    assert.equal(p.steps[0]!.action, 'keep');
    assert.equal(p.steps[0]!.from, '1.1.0');
  });

  test('an installed dependency is kept when it satisfies the range', () => {
    const p = resolve({ requested: requests('app'), registries: [registry], cluster: installed });
    assert.deepEqual(p.steps.map((s) => [s.name, s.version, s.action]), [
      ['web', '1.1.0', 'keep'],
      ['app', '1.0.0', 'install'],
    ]);
  });

  test('an explicit range the installed version meets keeps it', () => {
    const p = resolve({ requested: requests('web@^1.0.0'), registries: [registry], cluster: installed });
    assert.deepEqual(p.steps.map((s) => [s.version, s.action]), [['1.1.0', 'keep']]);
  });

  for (const row of [
    { name: 'upgrade: true moves it to the newest', upgrade: true as const, request: 'web', want: ['2.0.0', 'upgrade'] },
    { name: 'upgrade naming it moves it', upgrade: ['web'], request: 'web', want: ['2.0.0', 'upgrade'] },
    { name: 'upgrade naming another addon keeps it', upgrade: ['app'], request: 'web', want: ['1.1.0', 'keep'] },
    { name: 'an upgrade never jumps past the asked range', upgrade: ['web'], request: 'web@^1.0.0', want: ['1.2.0', 'upgrade'] },
    { name: 'an explicit range the installed version misses counts as asked', upgrade: undefined, request: 'web@>=1.2.0', want: ['2.0.0', 'upgrade'] },
    { name: 'an explicit range below the installed version downgrades', upgrade: undefined, request: 'web@1.0.0', want: ['1.0.0', 'downgrade'] },
  ]) {
    test(row.name, () => {
      const p = resolve({ requested: requests(row.request), registries: [registry], cluster: installed, upgrade: row.upgrade });
      assert.deepEqual([p.steps[0]!.version, p.steps[0]!.action], row.want);
      assert.equal(p.steps[0]!.from, '1.1.0');
    });
  }

  test('a dependency range the installed version misses fails unless upgrades are allowed', () => {
    const strict = reg('main', cand('web', '1.1.0'), cand('web', '2.0.0'), cand('app', '1.0.0', { deps: { web: '>=2.0.0' } }));
    const data = failure(() => resolve({ requested: requests('app'), registries: [strict], cluster: installed }));
    assertConflicts(data, chain('app 1.0.0', 'web >=2.0.0', 'web 1.1.0'));
    const p = resolve({ requested: requests('app'), registries: [strict], cluster: installed, upgrade: ['web'] });
    assert.deepEqual(p.steps.map((s) => [s.name, s.version, s.action]), [
      ['web', '2.0.0', 'upgrade'],
      ['app', '1.0.0', 'install'],
    ]);
  });

  test('an installed version label that is not semver: kept, refused as a dependency, replaced on upgrade', () => {
    const odd = cluster({ installed: [{ name: 'web', version: 'latest', registry: 'main' }] });
    assert.deepEqual(resolve({ requested: requests('web'), registries: [registry], cluster: odd }).steps.map((s) => [s.version, s.action]), [['latest', 'keep']]);
    assertConflicts(failure(() => resolve({ requested: requests('app'), registries: [registry], cluster: odd })), chain('app 1.0.0', 'web >=1.0.0', 'latest'));
    assert.deepEqual(resolve({ requested: requests('web'), registries: [registry], cluster: odd, upgrade: true }).steps.map((s) => [s.version, s.action, s.from]), [['2.0.0', 'upgrade', 'latest']]);
  });

  test('an installed version no registry offers any more is kept', () => {
    const gone = cluster({ installed: [{ name: 'web', version: '0.9.0', registry: 'main' }] });
    const p = resolve({ requested: requests('web'), registries: [registry], cluster: gone });
    assert.deepEqual(p.steps.map((s) => [s.version, s.action, s.registry]), [['0.9.0', 'keep', 'main']]);
  });

  test('an installed dependency satisfies its dependents even when no configured registry offers it', () => {
    // fluxcd was enabled from KubeVela's own registry, which velahub does not read.
    const facts = cluster({ installed: [{ name: 'fluxcd', version: '2.1.0', registry: 'KubeVela' }] });
    const p = resolve({ requested: requests('helm'), registries: [reg('main', cand('helm', '1.0.0', { deps: { fluxcd: '>=2.0.0' } }))], cluster: facts });
    assert.deepEqual(p.steps.map((s) => [s.name, s.version, s.action, s.registry]), [
      ['fluxcd', '2.1.0', 'keep', 'KubeVela'],
      ['helm', '1.0.0', 'install', 'main'],
    ]);
  });
});

describe('resolve: yanked and deprecated versions', () => {
  test('a yanked version is never chosen, even when it is the newest', () => {
    const p = run({ requested: requests('web'), registries: [reg('main', cand('web', '1.0.0'), cand('web', '1.1.0', { yanked: true }))] });
    assert.deepEqual(chosen(p), ['web@1.0.0']);
  });

  test('a range only a yanked version meets fails', () => {
    const data = failure(() => run({ requested: requests('web@1.1.0'), registries: [reg('main', cand('web', '1.0.0'), cand('web', '1.1.0', { yanked: true }))] }));
    assertConflicts(data, chain('web 1.1.0'));
    assert.ok(!data.conflicts.some((c) => /\b1\.1\.0\b[^\n]*has[^\n]*1\.1\.0/.test(c)), 'the yanked version is not offered as available');
  });

  test('a yanked dependency is never chosen', () => {
    const p = run({ requested: requests('app'), registries: [reg('main', cand('app', '1.0.0', { deps: { lib: '^1.0.0' } }), cand('lib', '1.0.0'), cand('lib', '1.0.1', { yanked: true }))] });
    assert.equal(versionOf(p, 'lib'), '1.0.0');
  });

  test('a deprecated version is passed over while another fits, without a warning', () => {
    const p = run({ requested: requests('web'), registries: [reg('main', cand('web', '1.0.0'), cand('web', '1.1.0', { deprecated: 'use 1.0.0' }))] });
    assert.deepEqual(chosen(p), ['web@1.0.0']);
    assert.deepEqual(p.warnings, []);
  });

  test('a deprecated version is chosen when nothing else fits, with a warning naming it', () => {
    const p = run({ requested: requests('web@^1.1.0'), registries: [reg('main', cand('web', '1.0.0'), cand('web', '1.1.0', { deprecated: 'moved to web2' }))] });
    assert.deepEqual(chosen(p), ['web@1.1.0']);
    assert.equal(p.warnings.length, 1);
    assert.match(p.warnings[0]!, chain('web', '1.1.0', 'moved to web2'));
  });

  test('a deprecated dependency is used when it is the only fit, with a warning', () => {
    const p = run({ requested: requests('app'), registries: [reg('main', cand('app', '1.0.0', { deps: { lib: '^2.0.0' } }), cand('lib', '1.0.0'), cand('lib', '2.0.0', { deprecated: 'unmaintained' }))] });
    assert.equal(versionOf(p, 'lib'), '2.0.0');
    assert.ok(p.warnings.some((w) => chain('lib', '2.0.0', 'unmaintained').test(w)));
  });
});

describe('resolve: system.vela and system.kubernetes', () => {
  const rows: Array<{ actual: string; range: string; ok: boolean }> = [
    { actual: 'v1.29.3-eks-1234', range: '>=1.29.3', ok: true },
    { actual: 'v1.29.3-eks-1234', range: '>=1.29', ok: true },
    { actual: 'v1.29.3-eks-1234', range: '>=1.29.4', ok: false },
    { actual: 'v1.29.3-eks-1234', range: '<1.29.3', ok: false },
    { actual: 'v1.28.2+k3s1', range: '>=1.28.2', ok: true },
    { actual: 'v1.28.2+k3s1', range: '>=1.19, <1.29', ok: true },
    { actual: 'v1.28.2+k3s1', range: '>=1.29', ok: false },
    { actual: 'v1.30.0-gke.1234', range: '>=1.30.0', ok: true },
    { actual: 'v1.27.16-gke.1008000', range: '>=1.27.0-0, <1.28.0-0', ok: true },
    { actual: 'v1.10.3', range: '>=1.9.0', ok: true },
    { actual: '1.8.2', range: '>=1.9.0', ok: false },
    { actual: 'v1.10.0-beta.1', range: '>=1.10.0', ok: true },
  ];
  for (const row of rows) {
    test(`${row.actual} ${row.ok ? 'meets' : 'misses'} ${row.range}`, () => {
      assert.equal(systemSatisfied(row.actual, row.range), row.ok);
      const facts = cluster({ kubernetesVersion: row.actual, velaVersion: row.actual });
      const kube = () => resolve({ requested: requests('k'), registries: [reg('main', cand('k', '1.0.0', { kubernetes: row.range }))], cluster: facts });
      const vela = () => resolve({ requested: requests('v'), registries: [reg('main', cand('v', '1.0.0', { vela: row.range }))], cluster: facts });
      if (row.ok) {
        assert.deepEqual(chosen(kube()), ['k@1.0.0']);
        assert.deepEqual(chosen(vela()), ['v@1.0.0']);
      } else {
        assertConflicts(failure(kube), chain('k 1.0.0', `Kubernetes ${row.range}`, row.actual));
        assertConflicts(failure(vela), chain('v 1.0.0', `KubeVela ${row.range}`, row.actual));
      }
    });
  }

  test('the newest version the cluster can run is chosen', () => {
    const p = resolve({
      requested: requests('web'),
      registries: [reg('main', cand('web', '1.0.0', { vela: '>=1.6.0' }), cand('web', '1.1.0', { vela: '>=1.9.0' }), cand('web', '2.0.0', { kubernetes: '>=1.31' }))],
      cluster: cluster({ velaVersion: 'v1.8.2', kubernetesVersion: 'v1.30.1-eks-abcdef' }),
    });
    assert.deepEqual(chosen(p), ['web@1.0.0']);
  });

  test('an unknown KubeVela version is not held against an addon, but is warned about', () => {
    const p = resolve({ requested: requests('web'), registries: [reg('main', cand('web', '1.0.0', { vela: '>=1.9.0' }))], cluster: cluster({ velaVersion: undefined }) });
    assert.deepEqual(chosen(p), ['web@1.0.0']);
    assert.equal(p.warnings.length, 1);
    assert.match(p.warnings[0]!, /KubeVela/);
  });
});

describe('resolve: install order and cycles', () => {
  test('dependencies come before their dependents, ties by name', () => {
    // platform → {ui, api}; api → {db, cache}; ui → api; db → cache.
    const p = run({
      requested: requests('platform'),
      registries: [
        reg(
          'main',
          cand('platform', '1.0.0', { deps: { ui: '^1.0.0', api: '^1.0.0' } }),
          cand('ui', '1.0.0', { deps: { api: '^1.0.0' } }),
          cand('api', '1.0.0', { deps: { db: '^1.0.0', cache: '^1.0.0' } }),
          cand('db', '1.0.0', { deps: { cache: '^1.0.0' } }),
          cand('cache', '1.0.0'),
        ),
      ],
    });
    assert.deepEqual(chosen(p), ['cache@1.0.0', 'db@1.0.0', 'api@1.0.0', 'ui@1.0.0', 'platform@1.0.0']);
    const position = new Map(p.steps.map((s, i) => [s.name, i]));
    for (const s of p.steps) for (const d of s.candidate.dependencies) assert.ok(position.get(d.name)! < position.get(s.name)!, `${d.name} before ${s.name}`);
  });

  test('independent requests are ordered by name', () => {
    const p = run({ requested: requests('zeta', 'alpha', 'mid'), registries: [reg('main', cand('zeta', '1.0.0'), cand('alpha', '1.0.0'), cand('mid', '1.0.0'))] });
    assert.deepEqual(chosen(p), ['alpha@1.0.0', 'mid@1.0.0', 'zeta@1.0.0']);
  });

  const cycles: Array<{ name: string; registry: RegistrySnapshot; request: string; cycle: string[] }> = [
    {
      name: 'two addons depending on each other',
      registry: reg('main', cand('a', '1.0.0', { deps: { b: '^1.0.0' } }), cand('b', '1.0.0', { deps: { a: '^1.0.0' } })),
      request: 'a',
      cycle: ['a 1.0.0', 'b 1.0.0', 'a 1.0.0'],
    },
    {
      name: 'a cycle of three below a root',
      registry: reg('main', cand('root', '1.0.0', { deps: { x: '*' } }), cand('x', '1.0.0', { deps: { y: '*' } }), cand('y', '2.0.0', { deps: { z: '*' } }), cand('z', '1.0.0', { deps: { x: '*' } })),
      request: 'root',
      cycle: ['x 1.0.0', 'y 2.0.0', 'z 1.0.0', 'x 1.0.0'],
    },
    { name: 'an addon depending on itself', registry: reg('main', cand('self', '1.0.0', { deps: { self: '*' } })), request: 'self', cycle: ['self 1.0.0', 'self 1.0.0'] },
  ];
  for (const row of cycles) {
    test(`ECYCLE names the cycle: ${row.name}`, () => {
      const err = fails('ECYCLE', () => run({ requested: requests(row.request), registries: [row.registry] }));
      assert.deepEqual((err.data as { cycle: string[] }).cycle, row.cycle);
    });
  }
});

describe('resolve: explaining failures', () => {
  test('a chain from the request down to the cluster version', () => {
    const data = failure(() =>
      resolve({
        requested: requests('helm-component@^2.1.0'),
        registries: [reg('main', cand('helm-component', '2.0.0', { deps: { fluxcd: '>=1.0.0' } }), cand('helm-component', '2.1.0', { deps: { fluxcd: '>=2.0.0' } }), cand('fluxcd', '1.9.0'), cand('fluxcd', '2.0.0', { vela: '>=1.9.0' }), cand('fluxcd', '2.1.0', { vela: '>=1.9.0' }))],
        cluster: cluster({ velaVersion: 'v1.8.2' }),
      }),
    );
    assertConflicts(data, chain('helm-component 2.1.0', 'fluxcd >=2.0.0', 'fluxcd 2.0.0', '2.1.0', 'KubeVela >=1.9.0', 'v1.8.2'));
    assert.deepEqual(data.unreachableRegistries, []);
  });

  test('two independent failures are both listed', () => {
    const data = failure(() =>
      resolve({
        requested: requests('helm-component', 'gpu-operator'),
        registries: [reg('main', cand('helm-component', '2.1.0', { deps: { fluxcd: '>=2.0.0' } }), cand('fluxcd', '2.0.0', { vela: '>=1.9.0' }), cand('fluxcd', '2.1.0', { vela: '>=1.9.0' }), cand('gpu-operator', '1.0.0', { kubernetes: '>=1.31' }), cand('gpu-operator', '1.1.0', { kubernetes: '>=1.32' }))],
        cluster: cluster({ velaVersion: 'v1.8.2', kubernetesVersion: 'v1.29.3-eks-1234' }),
      }),
    );
    assertConflicts(
      data,
      chain('helm-component 2.1.0', 'fluxcd >=2.0.0', 'fluxcd 2.0.0–2.1.0', 'KubeVela >=1.9.0', 'v1.8.2'),
      chain('gpu-operator', 'Kubernetes >=1.31', 'v1.29.3-eks-1234'),
    );
    assert.ok(data.conflicts.some((c) => c.includes('Kubernetes >=1.32')), 'every version of gpu-operator is accounted for');
  });

  test('a missing dependency and a version conflict between two requests are both listed', () => {
    const data = failure(() =>
      run({
        requested: requests('broken', 'left', 'right'),
        registries: [reg('main', cand('broken', '1.0.0', { deps: { ghost: '^1.0.0' } }), cand('left', '1.0.0', { deps: { shared: '^1.0.0' } }), cand('right', '1.0.0', { deps: { shared: '^2.0.0' } }), cand('shared', '1.0.0'), cand('shared', '2.0.0'))],
      }),
    );
    assertConflicts(data, chain('broken 1.0.0', 'ghost ^1.0.0'), /shared \^1\.0\.0[\s\S]*shared \^2\.0\.0|shared \^2\.0\.0[\s\S]*shared \^1\.0\.0/);
  });

  test('a version conflict between two dependencies names both requirers', () => {
    const data = failure(() =>
      run({
        requested: requests('left', 'right'),
        registries: [reg('main', cand('left', '1.0.0', { deps: { shared: '^1.0.0' } }), cand('right', '1.0.0', { deps: { shared: '^2.0.0' } }), cand('shared', '1.0.0'), cand('shared', '2.0.0'))],
      }),
    );
    assert.ok(data.conflicts.some((c) => c.includes('left 1.0.0') && c.includes('right 1.0.0') && c.includes('^1.0.0') && c.includes('^2.0.0')), data.conflicts.join('\n'));
  });

  test('a request for an addon no registry has', () => {
    const data = failure(() => run({ requested: requests('nope'), registries: [reg('main', cand('web', '1.0.0'))] }));
    assertConflicts(data, chain('nope'));
    assert.deepEqual(data.unreachableRegistries, []);
  });

  test('a range no version meets lists what exists', () => {
    const data = failure(() => run({ requested: requests('web@>=5.0.0'), registries: [reg('main', cand('web', '1.0.0'), cand('web', '2.0.0'))] }));
    assertConflicts(data, chain('web >=5.0.0', '1.0.0', '2.0.0'));
  });

  test('a search bound stops pathological graphs with ERESOLVE_TOO_COMPLEX', () => {
    const many: Candidate[] = [];
    // Every version of a asks for b differently, so none can be skipped as equivalent to another.
    for (let i = 0; i < 30; i++) many.push(cand('a', `1.${i}.0`, { deps: { b: `>=1.${i}.0`, c: '^1.0.0' } }), cand('b', `1.${i}.0`, { deps: { d: '^2.0.0' } }));
    many.push(cand('c', '1.0.0', { deps: { d: '^1.0.0' } }), cand('d', '1.0.0'), cand('d', '2.0.0'));
    fails('ERESOLVE_TOO_COMPLEX', () => run({ requested: requests('a'), registries: [reg('main', ...many)], maxSteps: 50 }));
  });
});

describe('resolve: backtracking', () => {
  test('the newest A needs a B that conflicts; an older A works', () => {
    const p = run({
      requested: requests('a', 'c'),
      registries: [reg('main', cand('a', '1.0.0', { deps: { b: '^1.0.0' } }), cand('a', '2.0.0', { deps: { b: '^2.0.0' } }), cand('b', '1.0.0'), cand('b', '2.0.0'), cand('c', '1.0.0', { deps: { b: '<2.0.0' } }))],
    });
    assert.deepEqual(chosen(p), ['b@1.0.0', 'a@1.0.0', 'c@1.0.0']);
  });

  test('a conflict found deep in the graph sends the search back to the root', () => {
    // a 2.0.0 → b ^2 → d ^2, and a 2.0.0 → c ^1 → d ^1: only a 1.0.0 resolves.
    const p = run({
      requested: requests('a'),
      registries: [
        reg(
          'main',
          cand('a', '1.0.0', { deps: { b: '^1.0.0' } }),
          cand('a', '2.0.0', { deps: { b: '^2.0.0', c: '^1.0.0' } }),
          cand('b', '1.0.0', { deps: { d: '^1.0.0' } }),
          cand('b', '2.0.0', { deps: { d: '^2.0.0' } }),
          cand('c', '1.0.0', { deps: { d: '^1.0.0' } }),
          cand('d', '1.0.0'),
          cand('d', '2.0.0'),
        ),
      ],
    });
    assert.deepEqual(chosen(p), ['d@1.0.0', 'b@1.0.0', 'a@1.0.0']);
  });

  test('the newest A needs a B the cluster cannot run; an older A works', () => {
    const p = resolve({
      requested: requests('a'),
      registries: [reg('main', cand('a', '1.0.0', { deps: { b: '^1.0.0' } }), cand('a', '2.0.0', { deps: { b: '^2.0.0' } }), cand('b', '1.0.0'), cand('b', '2.0.0', { kubernetes: '>=1.40' }))],
      cluster: cluster({ kubernetesVersion: 'v1.30.0' }),
    });
    assert.deepEqual(chosen(p), ['b@1.0.0', 'a@1.0.0']);
  });
});

describe('resolve: registries', () => {
  test('the first registry that has the name serves it, even if a later one has newer versions', () => {
    const first = reg('first', cand('web', '1.0.0'));
    const second = reg('second', cand('web', '2.0.0'), cand('other', '1.0.0'));
    const p = run({ requested: requests('web', 'other'), registries: [first, second] });
    assert.deepEqual(p.steps.map((s) => [s.name, s.version, s.registry]), [
      ['other', '1.0.0', 'second'],
      ['web', '1.0.0', 'first'],
    ]);
    const swapped = run({ requested: requests('web', 'other'), registries: [second, first] });
    assert.deepEqual(swapped.steps.map((s) => [s.name, s.version, s.registry]), [
      ['other', '1.0.0', 'second'],
      ['web', '2.0.0', 'second'],
    ]);
  });

  test('no mixing: a range the first registry cannot meet is not served by a later one', () => {
    const data = failure(() => run({ requested: requests('web@^2.0.0'), registries: [reg('first', cand('web', '1.0.0')), reg('second', cand('web', '2.0.0'))] }));
    assertConflicts(data, chain('web ^2.0.0', '1.0.0'));
  });

  test('a registry that is down is skipped with a warning when others satisfy the request', () => {
    const p = run({ requested: requests('web'), registries: [down('mirror'), reg('main', cand('web', '1.0.0'))] });
    assert.deepEqual(p.steps.map((s) => [s.name, s.registry]), [['web', 'main']]);
    assert.equal(p.warnings.length, 1);
    assert.match(p.warnings[0]!, /mirror/);
  });

  test('a registry that is down is reported when it was needed', () => {
    const data = failure(() => run({ requested: requests('app'), registries: [reg('main', cand('app', '1.0.0', { deps: { private: '^1.0.0' } })), down('corp', 'GET https://corp.example/index.yaml: HTTP 503')] }));
    assert.deepEqual(data.unreachableRegistries, [{ name: 'corp', error: 'GET https://corp.example/index.yaml: HTTP 503' }]);
    assertConflicts(data, chain('app 1.0.0', 'private ^1.0.0', 'corp'));
  });

  test('a down registry that was not needed is not blamed for an unrelated failure', () => {
    const data = failure(() => run({ requested: requests('web@^9.0.0'), registries: [reg('main', cand('web', '1.0.0')), down('spare')] }));
    assert.deepEqual(data.unreachableRegistries, []);
  });
});

describe('resolve: lock', () => {
  const registry = reg('main', cand('app', '1.0.0', { deps: { lib: '^1.0.0' } }), cand('app', '1.1.0', { deps: { lib: '^1.0.0' } }), cand('lib', '1.0.0'), cand('lib', '1.5.0'));
  const lockOf = (entries: Array<[string, string]>): LockedAddon[] => entries.map(([name, version]) => ({ name, version, registry: 'main', digest: digestOf('main', name, version) }));

  test('exactly the locked versions, though newer ones exist', () => {
    const p = run({ requested: requests('app'), registries: [registry], lock: lockOf([['app', '1.0.0'], ['lib', '1.0.0']]) });
    assert.deepEqual(chosen(p), ['lib@1.0.0', 'app@1.0.0']);
    assert.deepEqual(p.steps.map((s) => s.digest), [digestOf('main', 'lib', '1.0.0'), digestOf('main', 'app', '1.0.0')]);
  });

  test('the lock wins over an installed version', () => {
    const facts = cluster({ installed: [{ name: 'lib', version: '1.5.0', registry: 'main' }] });
    const p = resolve({ requested: requests('app'), registries: [registry], cluster: facts, lock: lockOf([['app', '1.1.0'], ['lib', '1.0.0']]) });
    assert.deepEqual(p.steps.map((s) => [s.name, s.version, s.action]), [
      ['lib', '1.0.0', 'downgrade'],
      ['app', '1.1.0', 'install'],
    ]);
  });

  test('a digest that differs from the lock is refused', () => {
    const lock = lockOf([['app', '1.0.0'], ['lib', '1.0.0']]);
    const tampered = 'sha256:' + 'f'.repeat(64);
    lock[1] = { ...lock[1]!, digest: tampered };
    const data = failure(() => run({ requested: requests('app'), registries: [registry], lock }));
    assertConflicts(data, chain('lib', '1.0.0', digestOf('main', 'lib', '1.0.0'), tampered));
  });

  test('a locked version the registry no longer offers is refused', () => {
    const gone = reg('main', cand('app', '1.0.0', { deps: { lib: '^1.0.0' } }), cand('lib', '1.0.0', { yanked: true }), cand('lib', '1.5.0'));
    const data = failure(() => run({ requested: requests('app'), registries: [gone], lock: lockOf([['app', '1.0.0'], ['lib', '1.0.0']]) }));
    assertConflicts(data, chain('lib', '1.0.0'));
  });

  test('an addon missing from the lock is refused', () => {
    const data = failure(() => run({ requested: requests('app'), registries: [registry], lock: lockOf([['app', '1.0.0']]) }));
    assertConflicts(data, chain('lib'));
  });
});

describe('resolve: agrees with an exhaustive search on small random catalogs', () => {
  /** mulberry32, so every run checks the same catalogs. */
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const versions = ['1.0.0', '1.1.0', '2.0.0'];
  const ranges = ['^1.0.0', '^2.0.0', '>=1.1.0', '<2.0.0', '>=1.0.0, <1.1.0', undefined];
  const facts = cluster({ kubernetesVersion: 'v1.30.2' });

  /** Six addons, three versions each, dependencies only on addons later in a shuffled order (no cycles). */
  function catalog(rnd: () => number): { registry: RegistrySnapshot; names: string[]; all: Candidate[] } {
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'].sort(() => rnd() - 0.5);
    const all: Candidate[] = [];
    names.forEach((name, i) => {
      for (const v of versions) {
        const deps: Record<string, string | undefined> = {};
        for (let k = i + 1; k < names.length; k++) if (rnd() < 0.3) deps[names[k]!] = ranges[Math.floor(rnd() * ranges.length)];
        if (rnd() < 0.04) deps.ghost = '^1.0.0';
        all.push(cand(name, v, { deps, yanked: rnd() < 0.1, kubernetes: rnd() < 0.1 ? '>=1.31' : undefined }));
      }
    });
    return { registry: reg('main', ...all), names, all };
  }

  /** Whether `chosen` (name → version) meets the request and every requirement of what it holds. */
  function valid(all: Candidate[], requested: ResolveInput['requested'], chosenVersions: Map<string, string>): boolean {
    const get = (n: string) => all.find((c) => c.name === n && c.version === chosenVersions.get(n));
    const meets = (v: string | undefined, range?: string) => v !== undefined && (!range || systemSatisfied(v, range) === true);
    if (!requested.every((r) => meets(chosenVersions.get(r.name), r.range))) return false;
    for (const name of chosenVersions.keys()) {
      const c = get(name);
      if (!c || c.yanked || systemSatisfied(facts.kubernetesVersion, c.system.kubernetes) === false) return false;
      if (!c.dependencies.every((d) => meets(chosenVersions.get(d.name), d.range))) return false;
    }
    return true;
  }

  /** Tries every assignment (absent or one of three versions per addon). */
  function solvable(all: Candidate[], names: string[], requested: ResolveInput['requested']): boolean {
    const options = [undefined, ...versions];
    const total = options.length ** names.length;
    for (let code = 0; code < total; code++) {
      const assignment = new Map<string, string>();
      let rest = code;
      for (const n of names) {
        const v = options[rest % options.length];
        rest = Math.floor(rest / options.length);
        if (v) assignment.set(n, v);
      }
      if (valid(all, requested, assignment)) return true;
    }
    return false;
  }

  test('400 catalogs: a plan exactly when one exists, and every plan is valid and ordered', () => {
    const rnd = prng(20240601);
    let solved = 0;
    for (let i = 0; i < 400; i++) {
      const { registry, names, all } = catalog(rnd);
      const requested = names.filter(() => rnd() < 0.3).slice(0, 2).map((name) => ({ name, range: rnd() < 0.5 ? ranges[Math.floor(rnd() * 5)] : undefined }));
      if (requested.length === 0) requested.push({ name: names[0]!, range: undefined });
      const expected = solvable(all, names, requested);
      const describe = () => `case ${i}: request ${JSON.stringify(requested)}\n${all.map((c) => `${c.name} ${c.version}${c.yanked ? ' (yanked)' : ''}${c.system.kubernetes ? ` k8s ${c.system.kubernetes}` : ''} → ${JSON.stringify(c.dependencies)}`).join('\n')}`;
      let plan: Plan | undefined;
      try {
        plan = resolve({ requested, registries: [registry], cluster: facts });
      } catch (err) {
        assert.ok(err instanceof VelahubError && err.code === 'ERESOLVE', `${describe()}\n${String(err)}`);
      }
      assert.equal(plan !== undefined, expected, `resolver ${plan ? 'found a plan' : 'found none'}, exhaustive search ${expected ? 'found one' : 'found none'}; ${describe()}`);
      if (!plan) continue;
      solved++;
      assert.ok(valid(all, requested, new Map(plan.steps.map((s) => [s.name, s.version]))), `invalid plan ${chosen(plan).join(', ')}; ${describe()}`);
      const position = new Map(plan.steps.map((s, k) => [s.name, k]));
      for (const s of plan.steps) for (const d of s.candidate.dependencies) assert.ok(position.get(d.name)! < position.get(s.name)!, describe());
    }
    assert.ok(solved > 100 && solved < 400, `a mix of solvable and unsolvable catalogs (${solved} solved)`);
  });
});

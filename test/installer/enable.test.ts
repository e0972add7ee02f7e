/**
 * Enabling addons on a real API server from a real registry: the objects of
 * kubevela-contract.md ("What an enabled addon looks like in a cluster") exactly, dependencies
 * first, a second run that writes nothing, parameters in addon-secret-NAME, dry runs, the lock
 * file round trip, two clusters at once and a registry serving tampered archives.
 *
 * Each test enables into a KubeVela namespace of its own (`installer namespace` option), with a
 * KubeVela's chart's vela-core Deployment there. No controller runs: where an addon must "run", the test
 * writes the Application's status.status itself, as vela-core would.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { VelahubError } from '../../core/errors.ts';
import { packFiles } from '../../core/package/archive.ts';
import { unpackArchive } from '../../core/package/archive.ts';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { addonLabels, parameterDataKey } from '../../installer/addon-objects.ts';
import { enableAddons, type InstallEvent } from '../../installer/enable.ts';
import { planAddons } from '../../installer/plan.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { lockFromPlans, readLockFile, writeLockFile } from '../../installer/lock-file.ts';
import { addonStatus } from '../../installer/status.ts';
import { loadRegistries } from '../../installer/load-registries.ts';
import { testClusters } from '../cluster/env.ts';
import { deleteNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { applyRaw } from '../cluster/kube-http.ts';
import { installVelaCoreDeployment } from '../cluster/kubevela.ts';
import { rejectsCode } from '../support/errors.ts';
import { tempDir } from '../support/addons.ts';
import { velahub, describeRun } from '../support/cli.ts';
import { bundledVersion } from '../support/bundled.ts';
import {
  fluxcdStandIn,
  markVelaCoreReady,
  metadata,
  serve,
  setApplicationPhase,
  snapshot,
  startTestRegistry,
  traitCue,
  velaNamespace,
  versionsOf,
  type TestRegistry,
} from './harness.ts';

const T = { timeout: 240_000 };

/** bizworks-platform and everything it pulls in, with what each provides (from addons/). */
const platform: Record<string, { deps: string[]; components: string[]; traits: string[] }> = {
  'bizworks-ingress': { deps: [], components: [], traits: ['bizworks-ingress'] },
  fluxcd: { deps: [], components: [], traits: [] },
  'helm-component': { deps: ['fluxcd'], components: ['helm-component'], traits: [] },
  'hpa-trait': { deps: [], components: [], traits: ['hpa-trait'] },
  'stateful-component': { deps: [], components: ['stateful-component'], traits: [] },
  'stateless-component': { deps: [], components: ['stateless-component'], traits: [] },
  'bizworks-platform': { deps: ['stateless-component', 'stateful-component', 'helm-component', 'bizworks-ingress', 'hpa-trait'], components: [], traits: [] },
};

describe('installer: enable', () => {
  let kcs: KubeConfig[];
  let kc: KubeConfig;
  let kube: Kube;
  let registry: TestRegistry;
  let cue: CueEvaluator;
  const namespaces: Array<[KubeConfig, string]> = [];

  /** A fresh KubeVela namespace on the given clusters (the first one by default). */
  const freshNamespace = async (on: KubeConfig[] = [kc], velaVersion?: string) => {
    const ns = await velaNamespace(on, { prefix: 'enable', velaVersion });
    for (const c of on) namespaces.push([c, ns]);
    return ns;
  };

  before(async () => {
    [kcs, registry] = await Promise.all([testClusters(2), startTestRegistry()]);
    kc = kcs[0]!;
    kube = new Kube(kc);
    cue = registry.server.registry.cue;
    await registry.publish(fluxcdStandIn('2.0.0'));
    await registry.publish({
      'metadata.yaml': metadata('param-demo', '1.0.0'),
      'parameter.cue': 'parameter: {\n\t// +usage=How many replicas\n\treplicas: *1 | int\n\t// +usage=Mode\n\tmode?: "fast" | "safe"\n\t// +usage=Extra labels\n\tlabels?: [string]: string\n}\n',
      'definitions/param-demo-trait.cue': traitCue('param-demo-trait'),
    });
    await registry.publish({ 'metadata.yaml': metadata('lock-demo', '1.0.0', { deps: { 'lock-dep': '^1.0.0' } }), 'definitions/lock-demo.cue': traitCue('lock-demo') });
    await registry.publish({ 'metadata.yaml': metadata('lock-dep', '1.0.0'), 'definitions/lock-dep.cue': traitCue('lock-dep') });
  }, T);

  after(async () => {
    await Promise.allSettled(namespaces.map(([c, ns]) => deleteNamespace(c, ns)));
    await registry?.close();
  });

  const enable = (ns: string, extra: Partial<Parameters<typeof enableAddons>[0]> = {}) =>
    enableAddons({ requested: [{ name: 'bizworks-platform' }], clusters: [kube], registries: [registry.source('bizworks')], cue, namespace: ns, ...extra });

  test('bizworks-platform: every dependency, dependencies first, objects exactly as KubeVela makes them', T, async () => {
    const ns = await freshNamespace();
    const events: InstallEvent[] = [];
    const [result] = await enable(ns, { onEvent: (e) => events.push(e) });
    assert.ok(result);

    // The plan and the writes: all seven addons, each after its dependencies.
    const order = result.applied.map((a) => a.name);
    assert.deepEqual([...order].sort(), Object.keys(platform).sort());
    assert.deepEqual(order, result.plan.steps.map((s) => s.name));
    for (const [name, info] of Object.entries(platform)) for (const d of info.deps) assert.ok(order.indexOf(d) < order.indexOf(name), `${d} is applied before ${name}: ${order.join(', ')}`);
    const applyEvents = events.filter((e): e is Extract<InstallEvent, { kind: 'apply' }> => e.kind === 'apply').map((e) => e.name);
    assert.deepEqual(applyEvents, order);
    assert.ok(result.plan.steps.every((s) => s.action === 'install' && s.version === (s.name === 'fluxcd' ? '2.0.0' : bundledVersion(s.name))));

    // Exactly the contract's objects, nothing else.
    const snap = await snapshot(kube, ns);
    const expected = [
      ...Object.keys(platform).map((n) => `Application/addon-${n}`),
      ...Object.values(platform).flatMap((i) => [...i.components.map((c) => `ComponentDefinition/${c}`), ...i.traits.map((t) => `TraitDefinition/${t}`)]),
    ].sort();
    assert.deepEqual([...snap.keys()].sort(), expected);

    for (const [name, info] of Object.entries(platform)) {
      const app = snap.get(`Application/addon-${name}`)!;
      assert.equal(app.metadata.namespace, ns);
      assert.deepEqual(
        { name: app.metadata.labels?.[addonLabels.name], version: app.metadata.labels?.[addonLabels.version], registry: app.metadata.labels?.[addonLabels.registry] },
        { name, version: name === 'fluxcd' ? '2.0.0' : bundledVersion(name), registry: 'bizworks' },
      );
      const annotations = app.metadata.annotations ?? {};
      assert.equal(annotations['addon.oam.dev/componentDefinitions'], info.components.length ? info.components.join(',') : undefined, `${name} componentDefinitions`);
      assert.equal(annotations['addon.oam.dev/traitDefinitions'], info.traits.length ? info.traits.join(',') : undefined, `${name} traitDefinitions`);
      assert.equal(annotations['addon.oam.dev/policyDefinitions'], undefined);
      assert.equal(annotations['addon.oam.dev/workflowStepDefinitions'], undefined);
      assert.ok(Array.isArray((app.spec as { components?: unknown[] }).components), 'spec.components is a list (the CRD requires it)');
      for (const [kind, defs] of [['ComponentDefinition', info.components], ['TraitDefinition', info.traits]] as const) {
        for (const def of defs) {
          const o = snap.get(`${kind}/${def}`)!;
          assert.equal(o.metadata.namespace, ns);
          assert.deepEqual(o.metadata.ownerReferences, [{ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', name: `addon-${name}`, uid: app.metadata.uid, controller: true, blockOwnerDeletion: true }]);
          const spec = o.spec as { schematic?: { cue?: { template?: string } } };
          assert.match(spec.schematic?.cue?.template ?? '', /parameter/, `${kind} ${def} carries its CUE template`);
          assert.ok(o.metadata.annotations?.['definition.oam.dev/description'], `${kind} ${def} has a description`);
        }
      }
    }
    assert.ok(![...snap.keys()].some((k) => k.startsWith('Secret/')), 'no addon-secret-* without parameters');
  });

  test('enabling twice writes nothing the second time', T, async () => {
    const ns = await freshNamespace();
    await enable(ns);
    const before = versionsOf(await snapshot(kube, ns));
    const [again] = await enable(ns);
    assert.deepEqual(again!.plan.steps.map((s) => s.action), again!.plan.steps.map(() => 'keep'));
    assert.deepEqual(again!.applied, []);
    assert.deepEqual(versionsOf(await snapshot(kube, ns)), before);
  });

  test('parameters go to addon-secret-NAME as JSON; the same parameters again write nothing', T, async () => {
    const ns = await freshNamespace();
    const parameters = { replicas: 3, mode: 'safe', labels: { team: 'shop' } };
    const run = () => enableAddons({ requested: [{ name: 'param-demo' }], clusters: [kube], registries: [registry.source()], cue, namespace: ns, parameters });
    await run();
    const snap = await snapshot(kube, ns);
    assert.deepEqual([...snap.keys()].sort(), ['Application/addon-param-demo', 'Secret/addon-secret-param-demo', 'TraitDefinition/param-demo-trait']);
    const secret = snap.get('Secret/addon-secret-param-demo') as KubeObject & { type?: string; data?: Record<string, string> };
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(Object.keys(secret.data ?? {}), [parameterDataKey]);
    assert.deepEqual(JSON.parse(Buffer.from(secret.data![parameterDataKey]!, 'base64').toString('utf8')), parameters);
    assert.equal(secret.metadata.labels?.[addonLabels.name], 'param-demo');

    const [again] = await run();
    const report = again!.applied.find((a) => a.name === 'param-demo')!.report;
    assert.deepEqual([report.created, report.changed], [[], []], 'a requested addon with parameters is re-applied: every object unchanged');
    assert.deepEqual(versionsOf(await snapshot(kube, ns)), versionsOf(snap));
  });

  test('invalid parameters are refused before anything is written', T, async () => {
    const ns = await freshNamespace();
    const err = await rejectsCode(enableAddons({ requested: [{ name: 'param-demo' }], clusters: [kube], registries: [registry.source()], cue, namespace: ns, parameters: { replicas: 'three', mode: 'turbo' } }), 'EINVALID_PARAMETERS');
    assert.equal((err.data as unknown[]).length, 2);
    assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
    await rejectsCode(enableAddons({ requested: [{ name: 'hpa-trait' }], clusters: [kube], registries: [registry.source()], cue, namespace: ns, parameters: { x: 1 } }), 'EINVALID_PARAMETERS');
    await rejectsCode(enableAddons({ requested: [{ name: 'hpa-trait' }, { name: 'param-demo' }], clusters: [kube], registries: [registry.source()], cue, namespace: ns, parameters: { replicas: 1 } }), 'EUSAGE');
    assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
  });

  test('dry run validates with the API server and writes nothing', T, async () => {
    const ns = await freshNamespace();
    const [result] = await enable(ns, { dryRun: true });
    assert.deepEqual(result!.applied.map((a) => a.name).sort(), Object.keys(platform).sort());
    for (const a of result!.applied) {
      assert.ok(a.report.created.length >= 1, `${a.name}: would create its Application`);
      assert.deepEqual([a.report.changed, a.report.unchanged], [[], []]);
    }
    assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
  });

  test('a dry run reports every object it would apply, in apply order: the Application, then what it owns', T, async () => {
    const ns = await freshNamespace();
    const [result] = await enableAddons({ requested: [{ name: 'param-demo' }], clusters: [kube], registries: [registry.source()], cue, namespace: ns, parameters: { replicas: 2 }, dryRun: true });
    const a = result!.applied.find((x) => x.name === 'param-demo')!;
    const objects = a.report.objects ?? [];
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), [...a.report.created].map((label) => label.replace(/^(\S+) [^/]+\/(.*)$/, '$1/$2')));
    assert.equal(objects[0]?.kind, 'Application');
    assert.equal(objects.at(-1)?.kind, 'Secret', 'the parameter Secret comes last');
    for (const o of objects.slice(1)) assert.equal(o.metadata.ownerReferences?.[0]?.name, 'addon-param-demo', `${o.kind}/${o.metadata.name} is owned by the Application`);
    assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
    const [real] = await enableAddons({ requested: [{ name: 'param-demo' }], clusters: [kube], registries: [registry.source()], cue, namespace: ns, parameters: { replicas: 2 } });
    assert.equal(real!.applied[0]!.report.objects, undefined, 'a real run does not carry the objects');
  });

  test('waits for each dependency to run before applying its dependents', T, async () => {
    const ns = await freshNamespace();
    await markVelaCoreReady(kc, ns);
    // Play vela-core: every Application that appears is set running after a short while, and we
    // record which Applications already ran when each one appeared.
    const running = new Set<string>();
    const seenWith = new Map<string, Set<string>>();
    let done = false;
    const controller = (async () => {
      const deadline = Date.now() + 200_000;
      while (!done && Date.now() < deadline) {
        for (const app of await kube.list('core.oam.dev/v1beta1', 'Application', ns)) {
          const name = app.metadata.name;
          if (seenWith.has(name)) continue;
          seenWith.set(name, new Set(running));
          await new Promise((r) => setTimeout(r, 300));
          await setApplicationPhase(kc, ns, name, 'running');
          running.add(name);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const waits: string[] = [];
    try {
      await enable(ns, { waitTimeoutMs: 60_000, onEvent: (e) => e.kind === 'wait' && waits.push(e.name) });
    } finally {
      done = true;
      await controller;
    }
    assert.equal(seenWith.size, Object.keys(platform).length);
    for (const [name, info] of Object.entries(platform)) {
      const ranBefore = seenWith.get(`addon-${name}`)!;
      for (const d of info.deps) assert.ok(ranBefore.has(`addon-${d}`), `addon-${d} ran before addon-${name} was applied`);
    }
    assert.ok(waits.length > 0, 'progress events while waiting');
    const status = await addonStatus(kube, await loadRegistries([registry.source('bizworks')]), ns);
    assert.deepEqual(status.map((s) => [s.name, s.phase]), Object.keys(platform).sort().map((n) => [n, 'running']));
  });

  test('an addon that never runs times out (ETIMEOUT) and the run is rolled back', T, async () => {
    const ns = await freshNamespace();
    await markVelaCoreReady(kc, ns);
    await rejectsCode(enableAddons({ requested: [{ name: 'lock-demo' }], clusters: [kube], registries: [registry.source()], cue, namespace: ns, waitTimeoutMs: 1_500 }), 'ETIMEOUT', 'addon-lock-dep');
    assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
  });

  test('two clusters at once: the same addon on both', T, async () => {
    const ns = await freshNamespace(kcs);
    const kubes = kcs.map((c) => new Kube(c));
    assert.notEqual(kubes[0]!.context, kubes[1]!.context);
    const results = await enableAddons({ requested: [{ name: 'bizworks-platform' }], clusters: kubes, registries: [registry.source('bizworks')], cue, namespace: ns });
    assert.deepEqual(results.map((r) => r.cluster), kubes.map((k) => k.context));
    const snaps = await Promise.all(kubes.map((k) => snapshot(k, ns)));
    assert.deepEqual([...snaps[0]!.keys()].sort(), [...snaps[1]!.keys()].sort());
    assert.equal(snaps[0]!.size, 12);
    for (const s of snaps) for (const name of Object.keys(platform)) assert.equal(s.get(`Application/addon-${name}`)?.metadata.labels?.[addonLabels.version], name === 'fluxcd' ? '2.0.0' : bundledVersion(name));
    // Each cluster's definitions belong to that cluster's Application.
    for (const s of snaps) assert.equal(s.get('TraitDefinition/hpa-trait')!.metadata.ownerReferences![0]!.uid, s.get('Application/addon-hpa-trait')!.metadata.uid);
  });

  test('two clusters are planned separately; one that cannot take the addon stops the run before anything is written', T, async () => {
    // bizworks-platform and its dependencies need KubeVela >=1.6.0; cluster b runs 1.5.2.
    const ns = uniqueNamespace('enable-two');
    await velaNamespaceNamed(kcs[0]!, ns, '1.10.3');
    await velaNamespaceNamed(kcs[1]!, ns, '1.5.2');
    for (const c of kcs) namespaces.push([c, ns]);
    const kubes = kcs.map((c) => new Kube(c));
    const plans = await planAddons({ requested: [{ name: 'hpa-trait' }], clusters: [kubes[0]!], registries: [registry.source()], cue, namespace: ns });
    assert.deepEqual(plans[0]!.steps.map((s) => s.name), ['hpa-trait']);
    const err = await rejectsCode(enableAddons({ requested: [{ name: 'hpa-trait' }], clusters: kubes, registries: [registry.source()], cue, namespace: ns }), 'ERESOLVE', kubes[1]!.context);
    assert.ok((err.data as { conflicts: string[] }).conflicts.some((c) => c.includes('KubeVela >=1.6.0') && c.includes('1.5.2')));
    for (const k of kubes) assert.deepEqual([...(await snapshot(k, ns)).keys()], [], `nothing written on ${k.context}`);
  });

  test('two clusters: a failure applying on the second rolls back the first too', T, async () => {
    const ns = await freshNamespace(kcs);
    const kubes = kcs.map((c) => new Kube(c));
    // A hand-applied hpa-trait on cluster b: found only when b's turn comes, after a is done.
    await applyRaw(kcs[1]!, `/apis/core.oam.dev/v1beta1/namespaces/${ns}/traitdefinitions/hpa-trait`, { apiVersion: 'core.oam.dev/v1beta1', kind: 'TraitDefinition', metadata: { name: 'hpa-trait', namespace: ns }, spec: { schematic: { cue: { template: 'parameter: {}' } } } }, { fieldManager: 'kubectl' });
    const before = await Promise.all(kubes.map((k) => snapshot(k, ns).then(versionsOf)));
    const events: InstallEvent[] = [];
    await rejectsCode(enableAddons({ requested: [{ name: 'hpa-trait' }], clusters: kubes, registries: [registry.source()], cue, namespace: ns, onEvent: (e) => events.push(e) }), 'EDEFINITION_CONFLICT', kubes[1]!.context);
    assert.deepEqual(events.filter((e) => e.kind === 'apply').map((e) => (e as { cluster: string }).cluster), [kubes[0]!.context], 'cluster a was enabled first');
    assert.deepEqual(await Promise.all(kubes.map((k) => snapshot(k, ns).then(versionsOf))), before);
  });

  test('a registry whose index does not list dependencies (like KubeVela\'s catalog): read from the archives', T, async () => {
    const ns = await freshNamespace();
    const pack = (name: string, meta: string) => packFiles(name, new Map([['metadata.yaml', Buffer.from(meta)], [`definitions/${name}.cue`, Buffer.from(traitCue(name))]]), { name, version: '1.0.0' });
    const app = pack('ext-app', metadata('ext-app', '1.0.0', { deps: { 'ext-lib': '^1.0.0' } }));
    const lib = pack('ext-lib', metadata('ext-lib', '1.0.0'));
    // A plain Helm-style index: versions, URLs, digests, no velahub annotations.
    const entry = (name: string, digest: string) => `  ${name}:\n    - name: ${name}\n      version: 1.0.0\n      urls: [${name}-1.0.0.tgz]\n      digest: ${digest.slice('sha256:'.length)}\n`;
    const files: Record<string, Buffer> = {
      '/index.yaml': Buffer.from(`apiVersion: v1\nentries:\n${entry('ext-app', app.digest)}${entry('ext-lib', lib.digest)}`),
      '/ext-app-1.0.0.tgz': app.data,
      '/ext-lib-1.0.0.tgz': lib.data,
    };
    const foreign = await serve(async (path) => {
      const body = files[path];
      if (!body) throw new Error(`no ${path}`);
      return body;
    });
    try {
      const [result] = await enableAddons({ requested: [{ name: 'ext-app' }], clusters: [kube], registries: [{ name: 'kubevela', url: foreign.url }], cue, namespace: ns });
      assert.deepEqual(result!.plan.steps.map((s) => [s.name, s.action]), [
        ['ext-lib', 'install'],
        ['ext-app', 'install'],
      ]);
      const snap = await snapshot(kube, ns);
      assert.deepEqual([...snap.keys()].filter((k) => k.startsWith('Application/')).sort(), ['Application/addon-ext-app', 'Application/addon-ext-lib']);
      assert.equal(snap.get('Application/addon-ext-lib')?.metadata.labels?.[addonLabels.registry], 'kubevela');
    } finally {
      await foreign.close();
    }
  });

  test('a registry that is down is skipped with a warning when another serves the request', T, async () => {
    const ns = await freshNamespace();
    const [result] = await enableAddons({ requested: [{ name: 'hpa-trait' }], clusters: [kube], registries: [{ name: 'mirror', url: 'http://127.0.0.1:1' }, registry.source('main')], cue, namespace: ns });
    assert.deepEqual(result!.plan.steps.map((s) => [s.name, s.registry]), [['hpa-trait', 'main']]);
    assert.ok(result!.plan.warnings.some((w) => w.includes('mirror')));
    assert.equal((await snapshot(kube, ns)).get('Application/addon-hpa-trait')?.metadata.labels?.[addonLabels.registry], 'main');
  });

  test('an archive whose sha256 differs from index.yaml is refused with EDIGEST and nothing is written', T, async () => {
    const ns = await freshNamespace();
    // A registry in front of the real one that serves the real index.yaml but a different
    // hpa-trait archive (a README changed), as a compromised mirror or storage would.
    const original = Buffer.from(await (await fetch(`${registry.url}/charts/hpa-trait-1.0.0.tgz`)).arrayBuffer());
    const { files } = await unpackArchive(original);
    files.set('README.md', Buffer.from('# hpa-trait\n\nNothing to see here.\n'));
    const tampered = packFiles('hpa-trait', files, { name: 'hpa-trait', version: '1.0.0' }).data;
    const mirror = await serve(async (path) => (path === '/charts/hpa-trait-1.0.0.tgz' ? tampered : Buffer.from(await (await fetch(`${registry.url}${path}`)).arrayBuffer())));
    try {
      const err = await rejectsCode(enableAddons({ requested: [{ name: 'bizworks-platform' }], clusters: [kube], registries: [{ name: 'mirror', url: mirror.url }], cue, namespace: ns }), 'EDIGEST', 'hpa-trait');
      assert.ok(err instanceof VelahubError);
      assert.deepEqual([...(await snapshot(kube, ns)).keys()], [], 'the addons applied before hpa-trait were rolled back');
    } finally {
      await mirror.close();
    }
  });

  test('lock: plan, lock, publish a newer version, enable with the lock installs exactly the locked versions', T, async () => {
    const ns = await freshNamespace();
    const { dir, cleanup } = await tempDir();
    try {
      const plans = await planAddons({ requested: [{ name: 'lock-demo' }], clusters: [kube], registries: [registry.source()], cue, namespace: ns });
      assert.deepEqual([...(await snapshot(kube, ns)).keys()], [], 'planning writes nothing');
      const path = join(dir, 'velahub.lock');
      await writeLockFile(path, lockFromPlans(plans));
      const lock = await readLockFile(path);
      assert.deepEqual(lock.map((l) => [l.name, l.version, l.registry]), [
        ['lock-demo', '1.0.0', 'test'],
        ['lock-dep', '1.0.0', 'test'],
      ]);
      assert.ok(lock.every((l) => /^sha256:[0-9a-f]{64}$/.test(l.digest)));

      await registry.publish({ 'metadata.yaml': metadata('lock-dep', '1.1.0'), 'definitions/lock-dep.cue': traitCue('lock-dep') });
      const [result] = await enableAddons({ requested: lock.map((l) => ({ name: l.name, range: l.version })), lock, clusters: [kube], registries: [registry.source()], cue, namespace: ns });
      assert.deepEqual(result!.plan.steps.map((s) => [s.name, s.version, s.digest]), [
        ['lock-dep', '1.0.0', lock.find((l) => l.name === 'lock-dep')!.digest],
        ['lock-demo', '1.0.0', lock.find((l) => l.name === 'lock-demo')!.digest],
      ]);
      const snap = await snapshot(kube, ns);
      assert.equal(snap.get('Application/addon-lock-dep')?.metadata.labels?.[addonLabels.version], '1.0.0');

      // Without the lock, the newer lock-dep would have been chosen.
      const [fresh] = await planAddons({ requested: [{ name: 'lock-dep' }], clusters: [kube], registries: [registry.source()], cue, namespace: await freshNamespace() });
      assert.equal(fresh!.steps[0]!.version, '1.1.0');

      // A lock whose digest no longer matches the index is refused, writing nothing.
      const ns2 = await freshNamespace();
      const bad = lock.map((l) => (l.name === 'lock-dep' ? { ...l, digest: `sha256:${'0'.repeat(64)}` } : l));
      await rejectsCode(enableAddons({ requested: bad.map((l) => ({ name: l.name, range: l.version })), lock: bad, clusters: [kube], registries: [registry.source()], cue, namespace: ns2 }), 'ERESOLVE');
      assert.deepEqual([...(await snapshot(kube, ns2)).keys()], []);
    } finally {
      await cleanup();
    }
  });

  test('CLI: velahub plan --lock, then velahub enable --locked', T, async () => {
    const ns = await freshNamespace();
    const { dir, cleanup } = await tempDir();
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(kubeconfig, kc.exportConfig());
      const env = { VELAHUB_CONFIG: join(dir, 'config.yaml'), KUBECONFIG: kubeconfig };
      const common = ['--kubeconfig', kubeconfig, '--context', kc.getCurrentContext(), '--vela-namespace', ns, '--registry', registry.url];
      const plan = await velahub(['plan', 'hpa-trait@^1.0.0', '--lock', '-o', 'json', ...common], { cwd: dir, env });
      assert.equal(plan.code, 0, describeRun(plan));
      const planned = JSON.parse(plan.stdout) as Array<{ cluster: string; steps: Array<{ name: string; version: string; action: string }> }>;
      assert.deepEqual(planned.map((p) => p.steps.map((s) => [s.name, s.version, s.action])), [[['hpa-trait', '1.0.0', 'install']]]);
      assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
      const lock = await readLockFile(join(dir, 'velahub.lock'));
      assert.deepEqual(lock.map((l) => [l.name, l.version, l.registry]), [['hpa-trait', '1.0.0', 'default']]);

      const enabled = await velahub(['enable', '--locked', '-o', 'json', ...common], { cwd: dir, env });
      assert.equal(enabled.code, 0, describeRun(enabled));
      const out = JSON.parse(enabled.stdout) as Array<{ applied: Array<{ name: string; version: string }> }>;
      assert.deepEqual(out[0]!.applied.map((a) => [a.name, a.version]), [['hpa-trait', '1.0.0']]);
      assert.equal((await snapshot(kube, ns)).get('Application/addon-hpa-trait')?.metadata.labels?.[addonLabels.registry], 'default');
    } finally {
      await cleanup();
    }
  });
});

/** A namespace named `ns` with KubeVela's vela-core Deployment of the given version. */
async function velaNamespaceNamed(kc: KubeConfig, ns: string, velaVersion: string): Promise<void> {
  await installVelaCoreDeployment(kc, ns, velaVersion);
}

/**
 * Enables that must not happen, or must be undone, against a real API server: resolution
 * failures (missing dependency, version conflict, cycle, system.kubernetes) change nothing;
 * definitions owned by someone else are refused unless overridden; a write the API server rejects
 * midway rolls back everything the run did, restoring objects it changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ResolveFailure } from '../../core/resolve/resolve.ts';
import { addonLabels } from '../../installer/addon-objects.ts';
import type { InstallEvent } from '../../installer/enable.ts';
import { Kube } from '../../installer/kube.ts';
import { applyRaw } from '../cluster/kube-http.ts';
import { rejectsCode } from '../support/errors.ts';
import { componentCue, contentsOf, fluxcdStandIn, metadata, snapshot, startInstallerEnv, traitCue, versionsOf, type TestRegistry, type Tree, type InstallerEnv } from './harness.ts';

const T = { timeout: 180_000 };

/** A UI schema KubeVela turns into a ConfigMap named after the file. */
const uiSchema = '- jsonKey: labels\n  label: Labels\n  sort: 1\n';

describe('installer: failures change nothing', () => {
  let kc: KubeConfig;
  let kube: Kube;
  let registry: TestRegistry;
  let env: InstallerEnv | undefined;

  const freshNamespace = () => env!.velaNamespace();
  const enable: InstallerEnv['enable'] = (...args) => env!.enable(...args);

  before(async () => {
    env = await startInstallerEnv({ prefix: 'fail' });
    ({ kc, kube, registry } = env);
    const fixtures: Tree[] = [
      fluxcdStandIn('2.0.0'),
      // A dependency no registry has.
      { 'metadata.yaml': metadata('needs-ghost', '1.0.0', { deps: { ghost: '^1.0.0' } }), 'definitions/needs-ghost.cue': traitCue('needs-ghost') },
      // Two dependencies wanting incompatible versions of a third.
      { 'metadata.yaml': metadata('vc-top', '1.0.0', { deps: { 'vc-left': '^1.0.0', 'vc-right': '^1.0.0' } }) },
      { 'metadata.yaml': metadata('vc-left', '1.0.0', { deps: { 'vc-shared': '^1.0.0' } }) },
      { 'metadata.yaml': metadata('vc-right', '1.0.0', { deps: { 'vc-shared': '^2.0.0' } }) },
      { 'metadata.yaml': metadata('vc-shared', '1.0.0') },
      { 'metadata.yaml': metadata('vc-shared', '2.0.0') },
      // A cycle.
      { 'metadata.yaml': metadata('cyc-a', '1.0.0', { deps: { 'cyc-b': '^1.0.0' } }) },
      { 'metadata.yaml': metadata('cyc-b', '1.0.0', { deps: { 'cyc-a': '^1.0.0' } }) },
      // A Kubernetes the test cluster (v1.37) is not.
      { 'metadata.yaml': metadata('future-kube', '1.0.0', { kubernetes: '>=1.99' }), 'definitions/future-kube.cue': traitCue('future-kube') },
      // Another addon providing a definition named like hpa-trait's.
      { 'metadata.yaml': metadata('hpa-clone', '1.0.0'), 'definitions/hpa-trait.cue': traitCue('hpa-trait') },
      { 'metadata.yaml': metadata('own-def', '1.0.0'), 'definitions/own-def.cue': traitCue('own-def') },
      { 'metadata.yaml': metadata('own-def', '1.0.1'), 'definitions/own-def.cue': traitCue('own-def') },
      // Rollback: rb-app needs rb-dep; rb-app's schemas/Bad_Name.yaml makes a ConfigMap name the API server rejects.
      { 'metadata.yaml': metadata('rb-dep', '1.0.0'), 'definitions/rb-dep.cue': componentCue('rb-dep') },
      { 'metadata.yaml': metadata('rb-app', '1.0.0', { deps: { 'rb-dep': '^1.0.0' } }), 'definitions/rb-app.cue': traitCue('rb-app'), 'schemas/rb-app-ui.yaml': uiSchema, 'schemas/Bad_Name.yaml': uiSchema },
      // Rollback of an upgrade: 1.1.0 changes the Application and the definition, adds a dependency, then fails.
      { 'metadata.yaml': metadata('rb-up', '1.0.0'), 'definitions/rb-up.cue': traitCue('rb-up'), 'schemas/rb-up-ui.yaml': uiSchema },
      { 'metadata.yaml': metadata('rb-up', '1.1.0', { deps: { 'rb-dep': '^1.0.0' } }), 'definitions/rb-up.cue': traitCue('rb-up', '// +usage=Labels to add\n\t\tlabels: [string]: string\n\t\t// +usage=Also annotate\n\t\tannotate?: bool'), 'schemas/rb-up-ui.yaml': uiSchema, 'schemas/Bad_Name.yaml': uiSchema },
    ];
    for (const f of fixtures) await registry.publish(f);
  }, T);

  after(() => env?.close());

  describe('resolution failures', () => {
    const rows: Array<{ name: string; request: string; code: string; check: (data: unknown) => void }> = [
      {
        name: 'a missing dependency',
        request: 'needs-ghost',
        code: 'ERESOLVE',
        check: (data) => assert.ok((data as ResolveFailure).conflicts.some((c) => c.includes('needs-ghost 1.0.0') && c.includes('ghost ^1.0.0')), JSON.stringify(data)),
      },
      {
        name: 'a version conflict',
        request: 'vc-top',
        code: 'ERESOLVE',
        check: (data) => assert.ok((data as ResolveFailure).conflicts.some((c) => c.includes('vc-left 1.0.0') && c.includes('vc-right 1.0.0') && c.includes('vc-shared')), JSON.stringify(data)),
      },
      { name: 'a cycle', request: 'cyc-a', code: 'ECYCLE', check: (data) => assert.deepEqual((data as { cycle: string[] }).cycle, ['cyc-a 1.0.0', 'cyc-b 1.0.0', 'cyc-a 1.0.0']) },
      {
        name: 'a system.kubernetes mismatch',
        request: 'future-kube',
        code: 'ERESOLVE',
        check: (data) => assert.ok((data as ResolveFailure).conflicts.some((c) => c.includes('future-kube 1.0.0') && c.includes('>=1.99') && c.includes('v1.37')), JSON.stringify(data)),
      },
    ];
    for (const row of rows) {
      test(`${row.name}: ${row.code}, alongside a valid request, and nothing changes`, T, async () => {
        const ns = await freshNamespace();
        await enable(ns, [{ name: 'hpa-trait' }]);
        const before = versionsOf(await snapshot(kube, ns));
        const err = await rejectsCode(enable(ns, [{ name: 'stateless-component' }, { name: row.request }]), row.code);
        row.check(err.data);
        assert.deepEqual(versionsOf(await snapshot(kube, ns)), before);
      });
    }
  });

  describe('definition conflicts', () => {
    test('a hand-applied TraitDefinition is refused naming it; overrideDefinitions takes it over', T, async () => {
      const ns = await freshNamespace();
      await applyRaw(
        kc,
        `/apis/core.oam.dev/v1beta1/namespaces/${ns}/traitdefinitions/hpa-trait`,
        { apiVersion: 'core.oam.dev/v1beta1', kind: 'TraitDefinition', metadata: { name: 'hpa-trait', namespace: ns }, spec: { schematic: { cue: { template: 'parameter: {}\npatch: {}' } } } },
        { fieldManager: 'kubectl' },
      );
      const before = versionsOf(await snapshot(kube, ns));
      // stateless-component comes first in install order and is applied, then rolled back.
      const err = await rejectsCode(enable(ns, [{ name: 'stateless-component' }, { name: 'hpa-trait' }]), 'EDEFINITION_CONFLICT', 'hpa-trait');
      assert.deepEqual(err.data, [{ object: `TraitDefinition ${ns}/hpa-trait`, owner: 'nobody (applied by hand)' }]);
      assert.deepEqual(versionsOf(await snapshot(kube, ns)), before);

      await enable(ns, [{ name: 'hpa-trait' }], { overrideDefinitions: true });
      const snap = await snapshot(kube, ns);
      const app = snap.get('Application/addon-hpa-trait')!;
      const def = snap.get('TraitDefinition/hpa-trait')!;
      assert.deepEqual(def.metadata.ownerReferences?.map((r) => [r.name, r.uid, r.controller]), [['addon-hpa-trait', app.metadata.uid, true]]);
      assert.match((def.spec as { schematic: { cue: { template: string } } }).schematic.cue.template, /scaleTargetRef|HorizontalPodAutoscaler/);
    });

    test("another addon's definition is refused naming that addon", T, async () => {
      const ns = await freshNamespace();
      await enable(ns, [{ name: 'hpa-trait' }]);
      const before = versionsOf(await snapshot(kube, ns));
      const err = await rejectsCode(enable(ns, [{ name: 'hpa-clone' }]), 'EDEFINITION_CONFLICT', 'hpa-trait');
      assert.deepEqual(err.data, [{ object: `TraitDefinition ${ns}/hpa-trait`, owner: 'addon hpa-trait' }]);
      assert.deepEqual(versionsOf(await snapshot(kube, ns)), before);
    });

    /** Applies hpa-trait's TraitDefinition as `vela addon enable` left it, owned by an Application UID that no longer exists. */
    const orphanedBy = async (ns: string, appName: string): Promise<void> => {
      await enable(ns, [{ name: 'hpa-trait' }]);
      const gone = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', name: appName, uid: '5f0c9a4e-0000-4000-8000-00000000dead', controller: true, blockOwnerDeletion: true };
      // The Application is deleted and, with no garbage collector, its definition stays behind,
      // its reference written by an update (as vela writes it), not by velahub's apply.
      await kube.delete({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: 'addon-hpa-trait', namespace: ns } });
      await kube.setOwnerReferences((await snapshot(kube, ns)).get('TraitDefinition/hpa-trait')!, [gone]);
    };

    test('a definition owned by a deleted Application of the same addon is taken over on re-enable (vela addon disable, then enable)', T, async () => {
      const ns = await freshNamespace();
      await orphanedBy(ns, 'addon-hpa-trait');
      await enable(ns, [{ name: 'hpa-trait' }]);
      const snap = await snapshot(kube, ns);
      const app = snap.get('Application/addon-hpa-trait')!;
      assert.deepEqual(snap.get('TraitDefinition/hpa-trait')!.metadata.ownerReferences?.map((r) => [r.name, r.uid, r.controller]), [['addon-hpa-trait', app.metadata.uid, true]]);
    });

    test('a definition owned by a deleted Application of another addon is taken over; a dry run says so and writes nothing', T, async () => {
      const ns = await freshNamespace();
      await orphanedBy(ns, 'addon-hpa-trait');
      const before = versionsOf(await snapshot(kube, ns));
      await enable(ns, [{ name: 'hpa-clone' }], { dryRun: true });
      assert.deepEqual(versionsOf(await snapshot(kube, ns)), before);
      await enable(ns, [{ name: 'hpa-clone' }]);
      const snap = await snapshot(kube, ns);
      const app = snap.get('Application/addon-hpa-clone')!;
      assert.deepEqual(snap.get('TraitDefinition/hpa-trait')!.metadata.ownerReferences?.map((r) => [r.name, r.uid]), [['addon-hpa-clone', app.metadata.uid]]);
    });

    test("an addon's own definitions are not a conflict: an upgrade re-applies them", T, async () => {
      const ns = await freshNamespace();
      await enable(ns, [{ name: 'own-def', range: '1.0.0' }]);
      const uid = (await snapshot(kube, ns)).get('TraitDefinition/own-def')?.metadata.uid;
      const [result] = await enable(ns, [{ name: 'own-def', range: '^1.0.0' }], { upgrade: true });
      assert.deepEqual(result!.plan.steps.map((s) => [s.name, s.action, s.version]), [['own-def', 'upgrade', '1.0.1']]);
      const snap = await snapshot(kube, ns);
      assert.equal(snap.get('Application/addon-own-def')?.metadata.labels?.[addonLabels.version], '1.0.1');
      assert.equal(snap.get('TraitDefinition/own-def')?.metadata.uid, uid);
    });
  });

  describe('rollback after the API server rejects an object midway', () => {
    test('a fresh install: every object the run created is deleted, the failed object is named', T, async () => {
      const ns = await freshNamespace();
      const events: InstallEvent[] = [];
      const before = contentsOf(await snapshot(kube, ns));
      const err = await rejectsCode(enable(ns, [{ name: 'rb-app' }], { onEvent: (e) => events.push(e) }), 'ECLUSTER', 'ConfigMap', 'Bad_Name');
      const status = (err.data as { status?: number }).status ?? 0;
      assert.ok(status >= 400 && status < 500, `the API server refused it (HTTP ${status})`);
      // It got far: rb-dep was applied whole, and rb-app's Application, definition and first ConfigMap.
      const applied = events.filter((e): e is Extract<InstallEvent, { kind: 'apply' }> => e.kind === 'apply');
      assert.deepEqual(applied.map((e) => e.name), ['rb-dep']);
      const rollback = events.find((e): e is Extract<InstallEvent, { kind: 'rollback' }> => e.kind === 'rollback');
      assert.deepEqual(rollback?.problems, []);
      assert.deepEqual(contentsOf(await snapshot(kube, ns)), before);
    });

    test('an upgrade: objects it changed are restored, objects it created are deleted', T, async () => {
      const ns = await freshNamespace();
      await enable(ns, [{ name: 'rb-up', range: '1.0.0' }]);
      const before = await snapshot(kube, ns);
      assert.deepEqual([...before.keys()].sort(), ['Application/addon-rb-up', 'ConfigMap/rb-up-ui', 'TraitDefinition/rb-up']);
      await rejectsCode(enable(ns, [{ name: 'rb-up', range: '1.1.0' }]), 'ECLUSTER', 'Bad_Name');
      const afterwards = await snapshot(kube, ns);
      assert.deepEqual(contentsOf(afterwards), contentsOf(before));
      // The same objects (uid), not look-alikes; unchanged ones were not even written.
      for (const [k, o] of before) assert.equal(afterwards.get(k)?.metadata.uid, o.metadata.uid, k);
      assert.equal(afterwards.get('ConfigMap/rb-up-ui')?.metadata.resourceVersion, before.get('ConfigMap/rb-up-ui')?.metadata.resourceVersion);
      assert.equal(afterwards.get('Application/addon-rb-up')?.metadata.labels?.[addonLabels.version], '1.0.0');
    });
  });
});

/**
 * After enable: disable (refused while a dependent addon or an Application needs the addon,
 * unless forced), upgrade planning (schema diff per definition, breaking changes, affected
 * Applications, never past the asked range) and status (phase, newer versions, deprecated and
 * yanked warnings), against a real API server and registry.
 *
 * User Applications live in namespaces of their own and use definition names no other test file
 * uses: disable and upgrade look for users across the whole cluster, as vela does.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { addonLabels } from '../../installer/addon-objects.ts';
import { disableAddon } from '../../installer/disable.ts';
import { loadRegistries } from '../../installer/load-registries.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { addonStatus } from '../../installer/status.ts';
import { upgradeAddon } from '../../installer/upgrade.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { rejectsCode } from '../support/errors.ts';
import { tempDir } from '../support/addons.ts';
import { describeRun, velahub } from '../support/cli.ts';
import { componentCue, metadata, setApplicationPhase, snapshot, startInstallerEnv, traitCue, userApplication, versionsOf, type TestRegistry, type Tree, type InstallerEnv } from './harness.ts';

const T = { timeout: 180_000 };

const webParams = (extra = '') => `// +usage=Container image\n\t\timage: string\n\t\t// +usage=Port to expose\n\t\tport?: int${extra}`;
const upWebV2 = '// +usage=Container image\n\t\timage: string';
const scaleParams = '// +usage=Replicas\n\t\treplicas: *1 | int';

describe('installer: disable, upgrade, status', () => {
  let kc: KubeConfig;
  let kube: Kube;
  let registry: TestRegistry;
  let cue: CueEvaluator;
  let env: InstallerEnv | undefined;

  const freshNamespace = () => env!.velaNamespace();
  /** A namespace for user Applications. */
  const appNamespace = async () => {
    const ns = uniqueNamespace('life-apps');
    await ensureNamespace(kc, ns);
    env!.track(ns);
    return ns;
  };
  const enable: InstallerEnv['enable'] = (...args) => env!.enable(...args);

  before(async () => {
    env = await startInstallerEnv({ prefix: 'life', seed: false });
    ({ kc, kube, registry, cue } = env);
    const fixtures: Tree[] = [
      {
        'metadata.yaml': metadata('dis-base', '1.0.0'),
        'parameter.cue': 'parameter: {\n\t// +usage=Replicas\n\treplicas: *1 | int\n}\n',
        'definitions/dis-web.cue': componentCue('dis-web'),
        'definitions/dis-scale.cue': traitCue('dis-scale', scaleParams),
        'schemas/dis-base-ui.yaml': '- jsonKey: replicas\n  sort: 1\n',
        'views/dis-base-pods.cue': 'import "vela/ql"\n\nparameter: {name: string}\nstatus: ql.#CollectPods & {app: {name: parameter.name}}\n',
      },
      { 'metadata.yaml': metadata('dis-top', '1.0.0', { deps: { 'dis-base': '^1.0.0' } }), 'definitions/dis-top.cue': traitCue('dis-top') },
      { 'metadata.yaml': metadata('up-demo', '1.0.0'), 'definitions/up-web.cue': componentCue('up-web', webParams()), 'definitions/up-scale.cue': traitCue('up-scale', scaleParams) },
      { 'metadata.yaml': metadata('up-demo', '1.1.0'), 'definitions/up-web.cue': componentCue('up-web', webParams('\n\t\t// +usage=Environment\n\t\tenv?: [string]: string')), 'definitions/up-scale.cue': traitCue('up-scale', scaleParams) },
      { 'metadata.yaml': metadata('up-demo', '2.0.0'), 'definitions/up-web.cue': componentCue('up-web', upWebV2), 'definitions/up-scale.cue': traitCue('up-scale', scaleParams) },
      { 'metadata.yaml': metadata('st-demo', '1.0.0'), 'definitions/st-demo.cue': traitCue('st-demo') },
      { 'metadata.yaml': metadata('st-demo', '1.1.0'), 'definitions/st-demo.cue': traitCue('st-demo') },
    ];
    for (const f of fixtures) await registry.publish(f);
  }, T);

  after(() => env?.close());

  describe('disable', () => {
    test('refused (EIN_USE) while a dependent addon is enabled; allowed once it is gone', T, async () => {
      const ns = await freshNamespace();
      await enable(ns, [{ name: 'dis-base' }], { parameters: { replicas: 2 } });
      await enable(ns, [{ name: 'dis-top' }]);
      const snap = await snapshot(kube, ns);
      // UI schemas and views become ConfigMaps owned by the addon's Application, like its definitions.
      const app = snap.get('Application/addon-dis-base')!;
      for (const [cm, key] of [['dis-base-ui', 'ui-schema'], ['dis-base-pods', 'template']] as const) {
        const o = snap.get(`ConfigMap/${cm}`) as (KubeObject & { data?: Record<string, string> }) | undefined;
        assert.ok(o, `ConfigMap ${cm}`);
        assert.deepEqual(Object.keys(o.data ?? {}), [key]);
        assert.deepEqual(o.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Application', 'addon-dis-base', app.metadata.uid, true]]);
      }
      const before = versionsOf(snap);
      const err = await rejectsCode(disableAddon(kube, 'dis-base', { namespace: ns }), 'EIN_USE', 'dis-top');
      assert.deepEqual(err.data, { dependents: ['dis-top 1.0.0'], applications: [] });
      assert.deepEqual(versionsOf(await snapshot(kube, ns)), before);

      const top = await disableAddon(kube, 'dis-top', { namespace: ns });
      assert.deepEqual(top.deleted.sort(), [`Application ${ns}/addon-dis-top`, `TraitDefinition ${ns}/dis-top`]);
      assert.deepEqual(top.warnings, []);
      const base = await disableAddon(kube, 'dis-base', { namespace: ns });
      assert.deepEqual(base.deleted.sort(), [`Application ${ns}/addon-dis-base`, `ComponentDefinition ${ns}/dis-web`, `ConfigMap ${ns}/dis-base-pods`, `ConfigMap ${ns}/dis-base-ui`, `Secret ${ns}/addon-secret-dis-base`, `TraitDefinition ${ns}/dis-scale`].sort());
      assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
    });

    test('refused (EIN_USE) while an Application uses one of its definitions, naming it; --force disables anyway', T, async () => {
      const ns = await freshNamespace();
      const apps = await appNamespace();
      await enable(ns, [{ name: 'dis-base' }]);
      await userApplication(kc, apps, 'shop', { component: 'dis-web', traits: ['dis-scale'] });
      await userApplication(kc, apps, 'blog', { component: 'webservice' });
      const before = versionsOf(await snapshot(kube, ns));

      const dry = await rejectsCode(disableAddon(kube, 'dis-base', { namespace: ns, dryRun: true }), 'EIN_USE');
      const err = await rejectsCode(disableAddon(kube, 'dis-base', { namespace: ns }), 'EIN_USE', 'shop');
      for (const e of [dry, err]) assert.deepEqual(e.data, { dependents: [], applications: [`${apps}/shop (uses dis-scale)`, `${apps}/shop (uses dis-web)`] });
      assert.deepEqual(versionsOf(await snapshot(kube, ns)), before);

      const preview = await disableAddon(kube, 'dis-base', { namespace: ns, force: true, dryRun: true });
      assert.equal(preview.warnings.length, 1);
      assert.deepEqual(versionsOf(await snapshot(kube, ns)), before, 'a forced dry run deletes nothing');
      const forced = await disableAddon(kube, 'dis-base', { namespace: ns, force: true });
      assert.equal(forced.warnings.length, 1);
      assert.match(forced.warnings[0]!, /shop/);
      assert.deepEqual(forced.deleted.sort(), preview.deleted.sort());
      assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
    });

    test('an addon that is not enabled: ENOT_FOUND', T, async () => {
      const ns = await freshNamespace();
      await rejectsCode(disableAddon(kube, 'dis-base', { namespace: ns }), 'ENOT_FOUND', 'dis-base');
    });
  });

  describe('upgrade', () => {
    test('upgradeAddon reports the schema diff, breaking changes and the Applications they affect, never past the range, writing nothing', T, async () => {
      const ns = await freshNamespace();
      const apps = await appNamespace();
      await enable(ns, [{ name: 'up-demo', range: '1.0.0' }]);
      await userApplication(kc, apps, 'shop', { component: 'up-web' });
      await userApplication(kc, apps, 'scaled', { component: 'webservice', traits: ['up-scale'] });
      const before = versionsOf(await snapshot(kube, ns));
      const upgrade = (opts: { range?: string; confirm?: () => boolean } = {}) => upgradeAddon({ name: 'up-demo', clusters: [kube], registries: [registry.source()], cue, namespace: ns, ...opts });
      // Declining the confirmation: the report alone, nothing written.
      const plan = async (range?: string) => (await upgrade({ range, confirm: () => false }))[0]!.report;

      const minor = await plan('^1.0.0');
      assert.deepEqual([minor.from, minor.to], ['1.0.0', '1.1.0']);
      assert.deepEqual(minor.plan.steps.map((s) => [s.name, s.action, s.version]), [['up-demo', 'upgrade', '1.1.0']]);
      const minorWeb = minor.definitions.find((d) => d.definition === 'component/up-web')!;
      assert.equal(minorWeb.breaking, false);
      assert.deepEqual(minorWeb.changes.map((c) => [c.path, c.kind, c.breaking]), [['env', 'added', false]]);
      assert.deepEqual(minor.definitions.find((d) => d.definition === 'trait/up-scale'), { definition: 'trait/up-scale', changes: [], breaking: false });
      assert.deepEqual(minor.affectedApplications, []);

      const major = await plan();
      assert.deepEqual([major.from, major.to], ['1.0.0', '2.0.0']);
      const web = major.definitions.find((d) => d.definition === 'component/up-web')!;
      assert.equal(web.breaking, true);
      assert.deepEqual(web.changes.map((c) => [c.path, c.kind, c.breaking]), [['port', 'removed', true]]);
      assert.equal(major.definitions.find((d) => d.definition === 'trait/up-scale')?.breaking, false);
      assert.deepEqual(major.affectedApplications, [`${apps}/shop (uses up-web)`]);

      const none = await plan('1.0.x');
      assert.deepEqual([none.from, none.to, none.definitions], ['1.0.0', '1.0.0', []]);

      await rejectsCode(plan('>=3.0.0'), 'ERESOLVE');
      assert.deepEqual(versionsOf(await snapshot(kube, ns)), before, 'planning an upgrade writes nothing');

      // Then the upgrade itself, as `velahub upgrade --yes` does it.
      const { uid } = (await snapshot(kube, ns)).get('ComponentDefinition/up-web')!.metadata;
      const [upgraded] = await upgrade();
      assert.deepEqual([upgraded!.outcome, upgraded!.report.to], ['upgraded', major.to]);
      const after = await snapshot(kube, ns);
      assert.equal(after.get('Application/addon-up-demo')?.metadata.labels?.[addonLabels.version], '2.0.0');
      const def = after.get('ComponentDefinition/up-web')!;
      assert.equal(def.metadata.uid, uid);
      assert.doesNotMatch((def.spec as { schematic: { cue: { template: string } } }).schematic.cue.template, /port/);
    });

    test('CLI: velahub upgrade prints the report, refuses without --yes when it cannot ask, upgrades with --yes', T, async () => {
      const ns = await freshNamespace();
      await enable(ns, [{ name: 'up-demo', range: '1.0.0' }]);
      const { dir, cleanup } = await tempDir();
      try {
        const kubeconfig = join(dir, 'kubeconfig');
        await writeFile(kubeconfig, kc.exportConfig());
        const context = kc.getCurrentContext();
        const env = { VELAHUB_CONFIG: join(dir, 'config.yaml'), KUBECONFIG: kubeconfig };
        const common = ['--kubeconfig', kubeconfig, '--context', context, '--vela-namespace', ns, '--registry', registry.url];
        const report = [`${context}: up-demo 1.0.0 → 1.1.0`, '  component/up-web: ', '    compatible: '];
        const before = versionsOf(await snapshot(kube, ns));

        const refused = await velahub(['upgrade', 'up-demo@^1.0.0', ...common], { cwd: dir, env });
        assert.notEqual(refused.code, 0, describeRun(refused));
        assert.match(refused.stderr, /EUSAGE[\s\S]*--yes/);
        for (const line of report) assert.ok(refused.stdout.includes(line), describeRun(refused));
        assert.deepEqual(versionsOf(await snapshot(kube, ns)), before, 'refused: nothing written');

        const done = await velahub(['upgrade', 'up-demo@^1.0.0', '--yes', ...common], { cwd: dir, env });
        assert.equal(done.code, 0, describeRun(done));
        for (const line of [...report, `${context}: upgraded up-demo to 1.1.0`]) assert.ok(done.stdout.includes(line), describeRun(done));
        assert.match(done.stderr, /Fetching up-demo 1\.1\.0/);
        assert.equal((await snapshot(kube, ns)).get('Application/addon-up-demo')?.metadata.labels?.[addonLabels.version], '1.1.0');

        const again = await velahub(['upgrade', 'up-demo@^1.0.0', '-o', 'json', ...common], { cwd: dir, env });
        assert.equal(again.code, 0, describeRun(again));
        assert.deepEqual((({ from, to, definitions }) => [from, to, definitions])(JSON.parse(again.stdout) as { from: string; to: string; definitions: unknown[] }), ['1.1.0', '1.1.0', []]);
      } finally {
        await cleanup();
      }
    });

    test('an addon that is not enabled: ENOT_FOUND', T, async () => {
      const ns = await freshNamespace();
      await rejectsCode(upgradeAddon({ name: 'up-demo', clusters: [kube], registries: [registry.source()], cue, namespace: ns }), 'ENOT_FOUND');
    });
  });

  describe('status', () => {
    test('phase from the Application, newer versions, deprecated and yanked warnings', T, async () => {
      const ns = await freshNamespace();
      await enable(ns, [{ name: 'st-demo', range: '1.0.0' }]);
      const status = async () => (await addonStatus(kube, await loadRegistries([registry.source()]), ns))[0]!;

      assert.deepEqual(await status(), { cluster: kube.context, name: 'st-demo', version: '1.0.0', registry: 'test', phase: 'unknown', newer: ['1.1.0'], warnings: [] });
      // What vela-core would write once the addon runs.
      await setApplicationPhase(kc, ns, 'addon-st-demo', 'running');
      assert.equal((await status()).phase, 'running');

      await registry.deprecate('st-demo', '1.0.0', 'use 1.1.0');
      const deprecated = await status();
      assert.equal(deprecated.warnings.length, 1);
      assert.match(deprecated.warnings[0]!, /use 1\.1\.0/);

      await registry.yank('st-demo', '1.0.0', 'broken');
      const yanked = await status();
      assert.equal(yanked.warnings.length, 1);
      assert.match(yanked.warnings[0]!, /1\.0\.0/);
      assert.deepEqual(yanked.newer, ['1.1.0']);
    });
  });
});

/**
 * Rendering an addon's Application as KubeVela's pkg/addon/render.go does, with the real CUE
 * engine: template.cue + parameter.cue + `package main` resources as one package with
 * `context.metadata`, nested defaults filled in, a really required parameter named, auxiliary
 * outputs labelled, resource CUE files of their own package rendered to components, needNamespace,
 * the topology policy of `deployTo.runtimeCluster`, and real catalog addons (fluxcd, rollout).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import type { PackageFiles } from '../../../core/package/files.ts';
import { readFolder } from '../../../core/package/read-folder.ts';
import { parseMetadata, type AddonMetadata } from '../../../core/package/metadata.ts';
import { auxiliaryNameLabel, cuePackageOf, renderAddonApp, renderAddonNotes, topologyPolicy } from '../../../core/package/render-app.ts';
import { rejectsCode } from '../../support/errors.ts';
import { catalogDir } from '../../support/catalog.ts';

const cue = new CueEvaluator();
after(() => cue.close());

const filesOf = (tree: Record<string, string>): PackageFiles => new Map(Object.entries(tree).map(([p, t]) => [p, Buffer.from(t)]));
const meta = (extra: Partial<AddonMetadata> = {}): AddonMetadata => ({ name: 'cronhpa', version: '1.2.0', ...extra });

/** A cronhpa-like addon: every field under `resources` has a default, `image` too. */
const cronhpa: Record<string, string> = {
  'parameter.cue': `parameter: {
	image: *"oamdev/cronhpa:v1" | string
	resources: {
		requests: {
			cpu:    *"10m" | string
			memory: *"64Mi" | string
		}
		limits: cpu: *"500m" | string
	}
}
`,
  'template.cue': `package main
output: {
	apiVersion: "core.oam.dev/v1beta1"
	kind:       "Application"
	spec: components: [{
		name: "cronhpa"
		type: "webservice"
		properties: {
			image: parameter.image
			labels: "addon-version": context.metadata.version
			cpu: parameter.resources.requests.cpu
		}
	}]
}
outputs: relation: {
	apiVersion: "v1"
	kind:       "ConfigMap"
	metadata: name: "cronhpa-relation"
	data: addon: context.metadata.name
}
`,
  'resources/extra.cue': `package main
_unused: parameter.image
`,
};

describe('core/package/render-app', () => {
  test('cuePackageOf reads the package clause, not a commented one', () => {
    assert.equal(cuePackageOf('// package nope\npackage main\nx: 1\n'), 'main');
    assert.equal(cuePackageOf('x: 1\n'), undefined);
  });

  test('components are kept as KubeVela decodes them: a field its types lack is dropped (chartmuseum marks traits `enabled`)', async () => {
    const files = filesOf({
      'resources/web.cue': `output: {
	type: "webservice"
	properties: image: "nginx"
	dependsOn: []
	traits: [ for t in _traits if t.enabled { t } ]
	note: "not a component field"
}
_traits: [{ enabled: true, type: "scaler", properties: replicas: 2 }, { enabled: false, type: "env" }]
`,
    });
    const r = await renderAddonApp({ files, metadata: meta(), parameters: {}, cue });
    assert.deepEqual((r.application.spec as { components: unknown[] }).components, [{ name: 'web', type: 'webservice', properties: { image: 'nginx' }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] }]);
  });

  test('template.cue with no parameters: nested defaults fill in, context.metadata is the metadata.yaml', async () => {
    const r = await renderAddonApp({ files: filesOf(cronhpa), metadata: meta(), parameters: {}, cue });
    const comp = (r.application.spec as { components: Array<{ properties: Record<string, unknown> }> }).components[0]!;
    assert.deepEqual(comp.properties, { image: 'oamdev/cronhpa:v1', labels: { 'addon-version': '1.2.0' }, cpu: '10m' });
    assert.deepEqual(r.parameter, { image: 'oamdev/cronhpa:v1', resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m' } } });
    assert.deepEqual(r.auxiliary, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cronhpa-relation', labels: { [auxiliaryNameLabel]: 'relation' } }, data: { addon: 'cronhpa' } }]);
  });

  test('a given nested value overrides its default and keeps the others', async () => {
    const r = await renderAddonApp({ files: filesOf(cronhpa), metadata: meta(), parameters: { resources: { requests: { cpu: '50m' } } }, cue });
    assert.deepEqual((r.parameter.resources as { requests: unknown }).requests, { cpu: '50m', memory: '64Mi' });
  });

  test('a really required parameter fails, naming it and the file', async () => {
    const files = filesOf({ ...cronhpa, 'parameter.cue': 'parameter: {\n\ttoken: string\n\timage: *"x" | string\n\tresources: requests: cpu: *"1" | string\n}\n' });
    const err = await rejectsCode(renderAddonApp({ files, metadata: meta(), parameters: {}, cue }), 'ECUE', 'parameter "token" is required');
    assert.match(err.message, /parameter\.cue|template\.cue/);
  });

  test('a wrong type fails naming the parameter', async () => {
    await rejectsCode(renderAddonApp({ files: filesOf(cronhpa), metadata: meta(), parameters: { image: 3 }, cue }), 'ECUE', 'image');
  });

  test('template.yaml: needNamespace components, resources YAML bundled, a resource CUE file of no package rendered on its own', async () => {
    const files = filesOf({
      'template.yaml': 'apiVersion: core.oam.dev/v1beta1\nkind: Application\nspec:\n  components: []\n',
      'resources/parameter.cue': 'parameter: {\n\treplicas: *2 | int\n}\n',
      'resources/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n',
      'resources/my.ctrl.cue': 'output: {\n\ttype: "webservice"\n\tproperties: replicas: parameter.replicas\n}\n',
      'resources/no-output.cue': '_x: 1\n',
    });
    const r = await renderAddonApp({ files, metadata: meta({ needNamespace: ['vela-system', 'cron-system'] }), parameters: {}, cue });
    assert.deepEqual((r.application.spec as { components: unknown[] }).components, [
      { name: 'cron-system-namespace', type: 'raw', properties: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cron-system' } } },
      { name: 'cronhpa-resources', type: 'k8s-objects', properties: { objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }] } },
      { name: 'my-ctrl', type: 'webservice', properties: { replicas: 2 } },
    ]);
    assert.equal((r.application.spec as { policies?: unknown }).policies, undefined);
  });

  test('deployTo.runtimeCluster with a YAML template: the topology policy of the clusters parameter', async () => {
    const files = filesOf({ 'template.yaml': 'apiVersion: core.oam.dev/v1beta1\nkind: Application\nspec:\n  components: []\n', 'parameter.cue': 'parameter: clusters?: [...string]\n' });
    const all = await renderAddonApp({ files, metadata: meta({ deployTo: { runtimeCluster: true } }), parameters: {}, cue });
    assert.deepEqual((all.application.spec as { policies: unknown }).policies, [{ name: 'deploy-addon-to-all-clusters', type: 'topology', properties: { clusterLabelSelector: {} } }]);
    const some = await renderAddonApp({ files, metadata: meta({ deployTo: { runtimeCluster: true } }), parameters: { clusters: ['c1'] }, cue });
    assert.deepEqual((some.application.spec as { policies: unknown }).policies, [{ name: 'deploy-addon-to-specified-clusters', type: 'topology', properties: { clusters: ['c1', 'local'] } }]);
    assert.deepEqual(topologyPolicy(['local', 'c2']).properties, { clusters: ['local', 'c2'] });
  });

  test('catalog fluxcd and rollout render without parameters', { skip: catalogDir ? false : 'no catalog snapshot' }, async () => {
    for (const name of ['fluxcd', 'rollout']) {
      const files = await readFolder(`${catalogDir}/${name}`);
      const metadata = parseMetadata(Buffer.from(files.get('metadata.yaml')!).toString('utf8')).metadata!;
      const r = await renderAddonApp({ files, metadata, parameters: {}, cue });
      const components = (r.application.spec as { components: Array<{ name: string; type: string }> }).components;
      assert.ok(components.length > 0, `${name} renders components`);
      if (name === 'rollout') assert.ok(components.some((c) => c.name === 'rollout-controller'), JSON.stringify(components.map((c) => c.name)));
      if (name === 'fluxcd') assert.ok(components.some((c) => c.type === 'k8s-objects'), 'fluxcd bundles its CRDs');
    }
  });
});

describe('core/package/render-app: NOTES.cue', () => {
  test('notes evaluated with the parameters and context.installer', async () => {
    const files = filesOf({
      'parameter.cue': 'parameter: port: *8000 | int\n',
      'NOTES.cue': 'notes: [if context.installer.upgrade != _|_ {"upgraded \\(context.metadata.name)"}, "enabled \\(context.metadata.name) on \\(parameter.port)"][0]\n',
    });
    assert.equal(await renderAddonNotes({ files, metadata: meta(), parameters: {}, cue, upgrade: false }), 'enabled cronhpa on 8000');
    assert.equal(await renderAddonNotes({ files, metadata: meta(), parameters: { port: 9 }, cue, upgrade: true }), 'upgraded cronhpa');
    assert.equal(await renderAddonNotes({ files: filesOf(cronhpa), metadata: meta(), parameters: {}, cue, upgrade: false }), undefined);
  });

  test('catalog velaux NOTES.cue', { skip: catalogDir ? false : 'no catalog snapshot' }, async () => {
    const files = await readFolder(`${catalogDir}/velaux`);
    const metadata = parseMetadata(Buffer.from(files.get('metadata.yaml')!).toString('utf8')).metadata!;
    const notes = await renderAddonNotes({ files, metadata, parameters: {}, cue, upgrade: false });
    assert.match(notes ?? '', /vela port-forward -n vela-system addon-velaux 8000:8000/);
  });
});

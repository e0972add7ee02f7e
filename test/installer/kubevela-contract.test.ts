/**
 * The points of kubevela-contract.md that `vela addon enable` writes beyond the basics, on a real
 * API server, with one fixture addon that has them all: a CUE-rendered Application (template.cue
 * + parameter.cue with nested defaults, an auxiliary output), needNamespace, a Terraform
 * ComponentDefinition, a UI schema, a config template, a definition with custom labels and an
 * alias, NOTES.cue; then `app.oam.dev/publishVersion` across re-enables, addon-secret-NAME owned by
 * the Application, waiting for observedGeneration, the registry label warning, and the
 * topology policy of `deployTo.runtimeCluster`.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { publishVersionAnnotation } from '../../installer/apply.ts';
import { disableAddon } from '../../installer/disable.ts';
import { enableAddons, type InstallEvent } from '../../installer/enable.ts';
import { Kube } from '../../installer/kube.ts';
import { syncVelaRegistry } from '../../installer/vela-registry.ts';
import { terraformComponentCR } from '../support/definitions.ts';
import { rejectsCode } from '../support/errors.ts';
import { tempDir } from '../support/addons.ts';
import { describeRun, velahub } from '../support/cli.ts';
import { markVelaCoreReady, metadata, setApplicationPhase, snapshot, startInstallerEnv, versionsOf, type TestRegistry, type InstallerEnv } from './harness.ts';

const T = { timeout: 240_000 };

const terraformDefinition = terraformComponentCR('contract-bucket', 'A bucket, by Terraform', 'v1beta2');

/** The fixture: every contract point in one addon. */
const contractAddon = {
  'metadata.yaml': `${metadata('contract-demo', '1.0.0')}needNamespace:\n  - contract-extra\n`,
  'README.md': '# contract-demo\n',
  'parameter.cue': `parameter: {
	// +usage=Replicas of the controller
	replicas: *1 | int
	resources: {
		cpu:    *"10m" | string
		memory: *"64Mi" | string
	}
}
`,
  'template.cue': `package main
output: {
	apiVersion: "core.oam.dev/v1beta1"
	kind:       "Application"
	spec: components: [{
		name: "contract-controller"
		type: "webservice"
		properties: {
			image:    "nginx:\\(context.metadata.version)"
			replicas: parameter.replicas
			cpu:      parameter.resources.cpu
		}
	}]
}
outputs: relation: {
	apiVersion: "v1"
	kind:       "ConfigMap"
	metadata: name: "contract-demo-relation"
	data: addon: context.metadata.name
}
`,
  'definitions/contract-trait.cue': `"contract-trait": {
	type:        "trait"
	alias:       "CT"
	description: "A trait with labels of its own"
	labels: {
		"ui-hidden":                 "true"
		"definition.oam.dev/native": "yes"
	}
	annotations: owner: "platform"
	attributes: appliesToWorkloads: ["deployments.apps"]
}
template: {
	patch: metadata: labels: parameter
	parameter: [string]: string
}
`,
  'definitions/contract-bucket.yaml': terraformDefinition,
  'schemas/component-uischema-contract.yaml': '- jsonKey: replicas\n  label: Replicas\n  sort: 1\n',
  'config-templates/contract-endpoint.cue': `metadata: {
	name:        "contract-endpoint"
	alias:       "Contract Endpoint"
	description: "Where the contract service listens"
	sensitive:   false
	scope:       "system"
}
template: {
	output: {
		apiVersion: "v1"
		kind:       "Secret"
		metadata: name: context.name
		stringData: url: parameter.url
	}
	parameter: url: string
}
`,
  'NOTES.cue': 'notes: "contract-demo \\(context.metadata.version) runs \\(parameter.replicas) replica(s)"\n',
};

describe('installer: the rest of the KubeVela contract', () => {
  let kc: KubeConfig;
  let kube: Kube;
  let registry: TestRegistry;
  let cue: CueEvaluator;
  let env: InstallerEnv | undefined;
  const fresh = () => env!.velaNamespace();
  const enable = (ns: string, extra: Partial<Parameters<typeof enableAddons>[0]> = {}) =>
    env!.enable(ns, [{ name: 'contract-demo' }], { registries: [registry.source('contract')], ...extra });

  before(async () => {
    env = await startInstallerEnv({ prefix: 'contract', seed: false });
    ({ kc, kube, registry, cue } = env);
    await registry.publish(contractAddon);
    await registry.publish({
      'metadata.yaml': `${metadata('contract-runtime', '1.0.0')}deployTo:\n  runtimeCluster: true\n`,
      'README.md': '# contract-runtime\n',
      'template.yaml': 'apiVersion: core.oam.dev/v1beta1\nkind: Application\nspec:\n  components: []\n',
      'parameter.cue': 'parameter: clusters?: [...string]\n',
    });
    await registry.publish({
      'metadata.yaml': metadata('contract-pruned', '1.0.0'),
      'README.md': '# p\n',
      'definitions/pruned-web.cue': `"pruned-web": {
	type:        "component"
	description: "A component with a trait's attribute, as model-training has"
	attributes: {
		workload: definition: {
			apiVersion: "apps/v1"
			kind:       "Deployment"
		}
		appliesToWorkloads: ["deployments.apps"]
	}
}
template: {
	output: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
	}
	parameter: {}
}
`,
    });
    await registry.publish({ 'metadata.yaml': metadata('contract-required', '1.0.0'), 'README.md': '# r\n', 'parameter.cue': 'parameter: {\n\ttoken: string\n\tport: *80 | int\n}\n' });
  }, T);

  after(() => env?.close());

  test('no parameters: the CUE-rendered Application, its outputs, definitions, schemas and config templates as KubeVela writes them', T, async () => {
    const ns = await fresh();
    const events: InstallEvent[] = [];
    const [result] = await enable(ns, { onEvent: (e) => events.push(e) });
    assert.equal(result!.applied[0]!.notes, 'contract-demo 1.0.0 runs 1 replica(s)');
    const snap = await snapshot(kube, ns);
    assert.deepEqual([...snap.keys()].sort(), [
      'Application/addon-contract-demo',
      'ComponentDefinition/contract-bucket',
      'ConfigMap/component-uischema-contract',
      'ConfigMap/config-template-contract-endpoint',
      'ConfigMap/contract-demo-relation',
      'TraitDefinition/contract-trait',
    ]);
    const app = snap.get('Application/addon-contract-demo')!;
    const spec = app.spec as { components: Array<{ name: string; type: string; properties: Record<string, unknown> }> };
    assert.deepEqual(spec.components, [
      { name: 'contract-controller', type: 'webservice', properties: { image: 'nginx:1.0.0', replicas: 1, cpu: '10m' } },
      { name: 'contract-extra-namespace', type: 'raw', properties: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'contract-extra' } } },
    ]);
    assert.match(app.metadata.annotations?.[publishVersionAnnotation] ?? '', /^addon-\d{17}$/);
    const owner = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', name: 'addon-contract-demo', uid: app.metadata.uid, controller: true, blockOwnerDeletion: true };
    // Plain JSON: client-node returns built-in kinds' references as class instances.
    for (const key of [...snap.keys()].filter((k) => !k.startsWith('Application/'))) assert.deepEqual(JSON.parse(JSON.stringify(snap.get(key)!.metadata.ownerReferences)), [owner], key);

    const relation = snap.get('ConfigMap/contract-demo-relation')!;
    assert.deepEqual(relation.metadata.labels, { 'addons.oam.dev/auxiliary-name': 'relation', 'addons.oam.dev/name': 'contract-demo', 'addons.oam.dev/version': '1.0.0' });
    const trait = snap.get('TraitDefinition/contract-trait')!;
    assert.deepEqual(trait.metadata.labels, { 'custom.definition.oam.dev/ui-hidden': 'true', 'definition.oam.dev/native': 'yes' });
    assert.deepEqual(trait.metadata.annotations, { 'custom.definition.oam.dev/owner': 'platform', 'definition.oam.dev/alias': 'CT', 'definition.oam.dev/description': 'A trait with labels of its own' });
    const bucket = snap.get('ComponentDefinition/contract-bucket')!;
    assert.match(JSON.stringify(bucket.spec), /variable \\"bucket\\"/, 'the Terraform definition is applied as it is');
    const ui = snap.get('ConfigMap/component-uischema-contract') as unknown as { data: Record<string, string>; metadata: { labels?: Record<string, string> } };
    // JSON as KubeVela's YAMLToJSON writes it: keys sorted; no labels (the Application owns it).
    assert.equal(ui.data['ui-schema'], '[{"jsonKey":"replicas","label":"Replicas","sort":1}]');
    assert.equal(ui.metadata.labels, undefined);
    const template = snap.get('ConfigMap/config-template-contract-endpoint') as unknown as { data: Record<string, string>; metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
    assert.equal(template.metadata.labels['config.oam.dev/catalog'], 'velacore-config');
    assert.equal(template.metadata.annotations['config.oam.dev/alias'], 'Contract Endpoint');
    // The text as written, with the default context KubeVela appends before it stores it.
    assert.ok(template.data.template!.startsWith(`${contractAddon['config-templates/contract-endpoint.cue']}\n\n\tcontext: {`), template.data.template);
    assert.equal(template.data['expanded-writer'], 'nacos: null\n');

    // The registry label "contract" is not in vela-addon-registry: warned before writing.
    const warning = events.find((e): e is Extract<InstallEvent, { kind: 'warning' }> => e.kind === 'warning');
    assert.match(warning?.message ?? '', /registry "contract" is not in .*vela-addon-registry.*--sync/);
    assert.ok(events.indexOf(warning!) < events.findIndex((e) => e.kind === 'apply'));

    // Disabling removes everything, the auxiliary output included.
    await disableAddon(kube, 'contract-demo', { namespace: ns });
    assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
  });

  test('publishVersion: kept by a re-enable that changes nothing (zero writes), renewed when parameters change; the secret is owned', T, async () => {
    const ns = await fresh();
    await syncVelaRegistry(kube, ns, { name: 'contract', url: registry.url });
    const events: InstallEvent[] = [];
    await enable(ns, { onEvent: (e) => events.push(e) });
    assert.equal(events.filter((e) => e.kind === 'warning').length, 0, 'a synced registry gives no warning');
    const first = await snapshot(kube, ns);
    const v1 = first.get('Application/addon-contract-demo')!.metadata.annotations![publishVersionAnnotation]!;
    await enable(ns);
    assert.deepEqual(versionsOf(await snapshot(kube, ns)), versionsOf(first), 're-enabling writes nothing');

    await enable(ns, { parameters: { replicas: 3, resources: { cpu: '20m' } } });
    const second = await snapshot(kube, ns);
    const app = second.get('Application/addon-contract-demo')!;
    const v2 = app.metadata.annotations![publishVersionAnnotation]!;
    assert.notEqual(v2, v1, 'a changed Application gets a new publishVersion');
    assert.deepEqual((app.spec as { components: Array<{ properties: unknown }> }).components[0]!.properties, { image: 'nginx:1.0.0', replicas: 3, cpu: '20m' });
    const secret = second.get('Secret/addon-secret-contract-demo')!;
    assert.deepEqual(secret.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Application', 'addon-contract-demo', app.metadata.uid, true]]);
    const stored = JSON.parse(Buffer.from((secret as unknown as { data: Record<string, string> }).data.addonParameterDataKey!, 'base64').toString('utf8')) as unknown;
    assert.deepEqual(stored, { replicas: 3, resources: { cpu: '20m' } }, 'the parameters as given, as KubeVela stores them');

    // A later enable keeps what was given before, the new values overriding it (vela's MergeAddonInstallArgs).
    await enable(ns, { parameters: { resources: { memory: '1Gi' } } });
    const third = await snapshot(kube, ns);
    const merged = JSON.parse(Buffer.from((third.get('Secret/addon-secret-contract-demo') as unknown as { data: Record<string, string> }).data.addonParameterDataKey!, 'base64').toString('utf8')) as unknown;
    assert.deepEqual(merged, { replicas: 3, resources: { cpu: '20m', memory: '1Gi' } });
    assert.deepEqual((third.get('Application/addon-contract-demo')!.spec as { components: Array<{ properties: unknown }> }).components[0]!.properties, { image: 'nginx:1.0.0', replicas: 3, cpu: '20m' });
  });

  test('a really required parameter fails naming it, nothing written; a mistyped one names what is valid', T, async () => {
    const ns = await fresh();
    await rejectsCode(enableAddons({ requested: [{ name: 'contract-required' }], clusters: [kube], registries: [registry.source('contract')], cue, namespace: ns }), 'EINVALID_PARAMETERS', 'parameter "token" is required');
    await rejectsCode(enable(ns, { parameters: { replica: 2 } }), 'EINVALID_PARAMETERS', 'unknown parameter "replica"', 'did you mean "replicas"');
    await rejectsCode(enable(ns, { parameters: { resources: { cpu: 1 } } }), 'EINVALID_PARAMETERS', 'resources.cpu');
    assert.deepEqual([...(await snapshot(kube, ns)).keys()], []);
  });

  test('waiting for running checks observedGeneration, as vela addon enable does', T, async () => {
    const ns = await fresh();
    await markVelaCoreReady(kc, ns);
    const waits: number[] = [];
    const done = enable(ns, { waitTimeoutMs: 60_000, onEvent: (e) => e.kind === 'wait' && waits.push(e.elapsedMs) });
    // vela-core reports running, but for the generation before: the installer keeps waiting.
    const deadline = Date.now() + 30_000;
    while (!(await kube.get({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: 'addon-contract-demo', namespace: ns } }))) {
      if (Date.now() > deadline) throw new Error('the Application was never created');
      await new Promise((r) => setTimeout(r, 100));
    }
    await setApplicationPhase(kc, ns, 'addon-contract-demo', 'running', 0);
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(waits.length >= 2, `still waiting while observedGeneration lags (waits: ${waits.length})`);
    await setApplicationPhase(kc, ns, 'addon-contract-demo', 'running');
    await done;
  });

  test('a field the CRD does not declare is left out with a warning, as the API server prunes it for vela addon enable', T, async () => {
    const ns = await fresh();
    const [result] = await enableAddons({ requested: [{ name: 'contract-pruned' }], clusters: [kube], registries: [registry.source('contract')], cue, namespace: ns });
    assert.deepEqual(result!.applied[0]!.report.pruned.map((p) => p.split(' (')[0]), [`ComponentDefinition ${ns}/pruned-web: .spec.appliesToWorkloads`]);
    const def = (await snapshot(kube, ns)).get('ComponentDefinition/pruned-web')!;
    assert.equal((def.spec as Record<string, unknown>).appliesToWorkloads, undefined);
    assert.deepEqual((def.spec as { workload: unknown }).workload, { definition: { apiVersion: 'apps/v1', kind: 'Deployment' } });
  });

  test('CLI: velahub enable with no --set, the registry-label warning before writing, NOTES.cue printed', T, async () => {
    const ns = await fresh();
    const { dir, cleanup } = await tempDir();
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, kc.exportConfig());
      const env = { VELAHUB_CONFIG: join(dir, 'config.yaml'), KUBECONFIG: kubeconfig, VELAHUB_REGISTRY: registry.url };
      const r = await velahub(['enable', 'contract-demo', '--kubeconfig', kubeconfig, '--context', kc.getCurrentContext(), '--vela-namespace', ns], { cwd: dir, env });
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /warning: .*registry "default" is not in .*vela-addon-registry.*velahub registry add NAME URL --sync/);
      assert.ok(r.stderr.indexOf('warning:') < r.stderr.indexOf('contract-demo 1.0.0: '), describeRun(r));
      assert.match(r.stdout, /enabled contract-demo 1\.0\.0/);
      assert.match(r.stdout, /contract-demo:\ncontract-demo 1\.0\.0 runs 1 replica\(s\)/);
    } finally {
      await cleanup();
    }
  });

  test('deployTo.runtimeCluster with a YAML template: the topology policy of the clusters parameter', T, async () => {
    const ns = await fresh();
    const run = (parameters?: Record<string, unknown>) => enableAddons({ requested: [{ name: 'contract-runtime' }], clusters: [kube], registries: [registry.source('contract')], cue, namespace: ns, parameters });
    await run();
    const policies = async () => ((await snapshot(kube, ns)).get('Application/addon-contract-runtime')!.spec as { policies?: unknown }).policies;
    assert.deepEqual(await policies(), [{ name: 'deploy-addon-to-all-clusters', type: 'topology', properties: { clusterLabelSelector: {} } }]);
    await run({ clusters: ['eu-1'] });
    assert.deepEqual(await policies(), [{ name: 'deploy-addon-to-specified-clusters', type: 'topology', properties: { clusters: ['eu-1', 'local'] } }]);
  });
});

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { addonTree, tempDir, writeTree } from '../../support/addons.ts';
import { assertFailed, describeRun, velahubInProcess as velahub } from '../../support/cli.ts';
import { testEngines, useCliEngine } from '../../support/cue-engines.ts';
import { assertGolden } from '../../support/golden.ts';

// The goldens hold on both engines: each test runs once per engine the machine has.
for (const engine of testEngines) describe(`velahub render (${engine} engine)`, () => {
  let restoreEngine: () => void;
  before(() => (restoreEngine = useCliEngine(engine)));
  after(() => restoreEngine());
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const render = (...args: string[]) => velahub(['render', ...args], { cwd: tmp.dir });
  before(async () => {
    tmp = await tempDir();
    await writeTree(join(tmp.dir, 'demo'), addonTree('demo'));
    await writeFile(join(tmp.dir, 'values.yaml'), 'image: from-file:1\nreplicas: 5\n');
  });
  after(() => tmp.cleanup());

  test('--set values (typed by the schema) and -f files render to YAML', async () => {
    const r = await render('demo', 'web', '-f', 'values.yaml', '--set', 'image=nginx:1.20', '--set', 'port=8080', '--name', 'shop');
    assert.equal(r.code, 0, describeRun(r));
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    assert.deepEqual(docs, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'shop' },
        spec: { replicas: 5, template: { spec: { containers: [{ name: 'shop', image: 'nginx:1.20', ports: [{ containerPort: 8080 }] }] } } },
      },
    ]);
    await assertGolden('render-web.txt', r.stdout);
  });

  test("a trait's patch is shown, and applied to the workload it is attached to", async () => {
    const r = await render('demo', 'labels', '--set', 'labels.team=42', '-o', 'json');
    assert.equal(r.code, 0, describeRun(r));
    const out = JSON.parse(r.stdout) as { objects: unknown[]; patch: unknown; patchedWorkload: { kind: string; metadata: { labels: Record<string, string> } } };
    assert.deepEqual(out.objects, []);
    assert.deepEqual(out.patch, { metadata: { labels: { team: '42' } } });
    assert.equal(out.patchedWorkload.kind, 'Deployment');
    assert.deepEqual(out.patchedWorkload.metadata.labels, { 'app.oam.dev/component': 'example', team: '42' });
  });

  test('--workload: a +patchKey list patch merges into the given workload by key', async () => {
    await writeFile(
      join(tmp.dir, 'env-vars.cue'),
      `"env-vars": {
	type: "trait"
	description: "Adds environment variables"
}
template: {
	patch: spec: template: spec: {
		// +patchKey=name
		containers: [{
			name: context.name
			// +patchKey=name
			env: [ for k, v in parameter.env {name: k, value: v}]
		}]
	}
	parameter: env: [string]: string
}
`,
    );
    await writeFile(
      join(tmp.dir, 'workload.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: sidecar, image: busybox}\n        - name: web\n          image: nginx:1.27\n          env: [{name: A, value: "1"}]\n',
    );
    for (const vela of ['1.10', '1.11']) {
      const r = await render('env-vars.cue', '--name', 'web', '--workload', 'workload.yaml', '--set', 'env.B=2', '--vela', vela, '-o', 'json');
      assert.equal(r.code, 0, describeRun(r));
      const containers = (JSON.parse(r.stdout) as { patchedWorkload: { spec: { template: { spec: { containers: Array<{ name: string; env?: unknown[] }> } } } } }).patchedWorkload.spec.template.spec.containers;
      assert.deepEqual(containers.map((c) => c.name), ['sidecar', 'web']);
      assert.deepEqual(containers[1]!.env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    }
  });

  test('--vela and --workload refuse what they cannot use, naming the flag', async () => {
    const bad = await render('demo', 'labels', '--vela', '2.0');
    assertFailed(bad, { code: 'EUSAGE', exit: 2, mentions: ['--vela "2.0"'] });
    await writeFile(join(tmp.dir, 'list.yaml'), '- a\n- b\n');
    const notObject = await render('demo', 'labels', '--workload', 'list.yaml');
    assertFailed(notObject, { code: 'EINVALID', mentions: ['--workload list.yaml'] });
    const missing = await render('demo', 'labels', '--workload', 'nope.yaml');
    assertFailed(missing, { code: 'ENOENT', mentions: ['--workload nope.yaml'] });
  });

  test('bad parameters exit 1 naming each parameter', async () => {
    const r = await render('demo', 'web', '--set', 'replicas=three', '--set', 'imag=nginx');
    assertFailed(r, { code: 'EINVALID_PARAMETERS', exit: 1, mentions: ['"replicas"', '"three"', '"imag"', '"image"'] });
    assert.equal(r.stdout, '');
  });

  test('a --set without "=" exits 2', async () => {
    const r = await render('demo', 'web', '--set', 'replicas');
    assertFailed(r, { code: 'EBAD_SET', exit: 2, mentions: ['--set "replicas"'] });
  });

  test('without a definition name, a package of several exits 2 listing them', async () => {
    const r = await render('demo', '--set', 'image=x');
    assertFailed(r, { code: 'EUSAGE', exit: 2, mentions: ['labels', 'web'] });
  });
});

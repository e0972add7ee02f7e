import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { addonTree, tempDir, writeTree } from '../../fixtures/addons.ts';
import { describeRun, velahubInProcess as velahub } from '../../fixtures/cli.ts';
import { assertGolden } from '../../fixtures/golden.ts';

describe('velahub render', () => {
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

  test("a trait's patch is shown as a patch", async () => {
    const r = await render('demo', 'labels', '--set', 'labels.team=42', '-o', 'json');
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(JSON.parse(r.stdout), { objects: [], patch: { metadata: { labels: { team: '42' } } } });
  });

  test('bad parameters exit 1 naming each parameter', async () => {
    const r = await render('demo', 'web', '--set', 'replicas=three', '--set', 'imag=nginx');
    assert.equal(r.code, 1, describeRun(r));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /parameter "replicas" must be an integer, got "three"/);
    assert.match(r.stderr, /unknown parameter "imag"; did you mean "image"\?/);
    assert.match(r.stderr, /parameter "image" is required/);
  });

  test('a --set without "=" exits 2', async () => {
    const r = await render('demo', 'web', '--set', 'replicas');
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /--set "replicas"/);
  });

  test('without a definition name, a package of several exits 2 listing them', async () => {
    const r = await render('demo', '--set', 'image=x');
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /labels/);
    assert.match(r.stderr, /web/);
  });
});

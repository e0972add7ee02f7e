import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { addonTree, tempDir, writeTree } from '../../support/addons.ts';
import { assertFailed, describeRun, velahubInProcess as velahub } from '../../support/cli.ts';
import { showcaseComponent } from '../../support/definitions.ts';
import { testEngines, useCliEngine } from '../../support/cue-engines.ts';
import { assertGolden } from '../../support/golden.ts';

// The goldens hold on both engines: each test runs once per engine the machine has.
for (const engine of testEngines) describe(`velahub show (${engine} engine)`, () => {
  let restoreEngine: () => void;
  before(() => (restoreEngine = useCliEngine(engine)));
  after(() => restoreEngine());
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const show = (...args: string[]) => velahub(['show', ...args], { cwd: tmp.dir });
  before(async () => {
    tmp = await tempDir();
    await writeTree(`${tmp.dir}/showcase`, {
      ...addonTree('showcase', { 'definitions/labels.cue': null, 'definitions/web.cue': null }),
      'definitions/showcase.cue': showcaseComponent('showcase'),
    });
  });
  after(() => tmp.cleanup());

  test('table: every nested level, types, required, defaults, immutable', async () => {
    const r = await show('showcase');
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    for (const heading of ['# showcase (component) — A web service with routes', '## route\n', '## route.headers\n', '## resources\n']) {
      assert.ok(r.stdout.includes(heading), `missing ${JSON.stringify(heading)}`);
    }
    assert.match(r.stdout, /^pullPolicy +When to pull the image +"IfNotPresent" or "Always" or "Never" +false +IfNotPresent +false$/m);
    assert.match(r.stdout, /^ports +Ports to open +\[\]int +false +\[80,443\] +false$/m);
    assert.match(r.stdout, /^env +Environment variables +map\[string\]string +false +\{"LOG_LEVEL":"info"\} +false$/m);
    assert.match(r.stdout, /^route +Routes to the service +\[\]\{\.\.\.\} \(see route\) +false/m);
    assert.match(r.stdout, /^image +Container image +string +true/m);
    assert.doesNotMatch(r.stdout, /^debug/m, '+ignore hides a parameter');
    await assertGolden('show-table.txt', r.stdout);
  });

  test('-o json', async () => {
    const r = await show('showcase', 'showcase', '-o', 'json');
    assert.equal(r.code, 0, describeRun(r));
    const data = JSON.parse(r.stdout) as { name: string; type: string; parameters: Array<{ path: string }>; schema: unknown };
    assert.equal(data.name, 'showcase');
    assert.equal(data.type, 'component');
    assert.deepEqual(data.parameters.map((t) => t.path), ['', 'route', 'route.headers', 'resources']);
    await assertGolden('show-json.txt', r.stdout);
  });

  test('-o yaml', async () => {
    const r = await show('showcase', 'showcase', '-o', 'yaml');
    assert.equal(r.code, 0, describeRun(r));
    const data = parse(r.stdout) as { name: string; parameters: unknown[] };
    assert.equal(data.name, 'showcase');
    assert.equal(data.parameters.length, 4);
    await assertGolden('show-yaml.txt', r.stdout);
  });

  test('-o markdown', async () => {
    const r = await show('showcase', '-o', 'markdown');
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /^## showcase \(component\)$/m);
    assert.match(r.stdout, /^### route\.headers$/m);
    assert.match(r.stdout, /\| route \| Routes to the service \| \[\[\]\{\.\.\.\}\]\(#route\) \|/);
    await assertGolden('show-markdown.txt', r.stdout);
  });

  test('an unknown definition name exits 3 naming it and what there is', async () => {
    const r = await show('showcase', 'nosuch');
    assertFailed(r, { code: 'EDEFINITION_NOT_FOUND', exit: 3, mentions: ['"nosuch"', 'showcase'] });
  });

  test('an unsupported -o exits 2 before any work', async () => {
    const r = await show('showcase', '-o', 'xml');
    assertFailed(r, { code: 'EUSAGE', exit: 2, mentions: ['-o "xml"'] });
    assert.equal(r.stdout, '');
  });
});

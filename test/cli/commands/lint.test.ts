import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { addonTree, metadataYaml, tempDir, writeTree } from '../../support/addons.ts';
import { describeRun, velahubInProcess as velahub } from '../../support/cli.ts';
import { webComponent } from '../../support/definitions.ts';
import { testEngines, useCliEngine } from '../../support/cue-engines.ts';
import { assertGolden } from '../../support/golden.ts';

// The goldens hold on both engines: each test runs once per engine the machine has.
for (const engine of testEngines) describe(`velahub lint (${engine} engine)`, () => {
  let restoreEngine: () => void;
  before(() => (restoreEngine = useCliEngine(engine)));
  after(() => restoreEngine());
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const lint = (...args: string[]) => velahub(['lint', ...args], { cwd: tmp.dir });
  before(async () => {
    tmp = await tempDir();
    // broken: a CUE syntax error on line 3, an unknown metadata key on line 6, an ignored file.
    await writeTree(`${tmp.dir}/broken`, addonTree('broken', {
      'metadata.yaml': metadataYaml('broken', 'descripton: typo\n'),
      'definitions/web.cue': webComponent('web').replace('description: "Runs a container"', 'description: "Runs a container'),
      LICENSE: 'Apache-2.0\n',
    }));
    // warn: only warnings.
    await writeTree(`${tmp.dir}/warn`, addonTree('warn', { 'metadata.yaml': metadataYaml('warn', 'runtime_cluster: true\n') }));
    await writeFile(`${tmp.dir}/bad-def.cue`, webComponent('bad-def').replace('type: "component"', 'type: "components"'));
  });
  after(() => tmp.cleanup());

  test('a broken addon exits 1 and prints file:line: error: ... for each problem', async () => {
    const r = await lint('broken', 'bad-def.cue', 'missing');
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /^broken\/definitions\/web\.cue:3:\d+: error: /m);
    assert.match(r.stderr, /^broken\/metadata\.yaml:6: warning: unknown key "descripton".*did you mean "description"/m);
    assert.match(r.stderr, /^broken\/LICENSE: warning: /m);
    assert.match(r.stderr, /^bad-def\.cue: error: .*"components"/m);
    assert.match(r.stderr, /^missing: error: missing: no such file or directory$/m);
    assert.match(r.stdout, /^broken: 1 error\(s\), 2 warning\(s\)$/m);
    await assertGolden('lint-broken.txt', `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
  });

  test('warnings alone exit 0; --strict makes them fail', async () => {
    const relaxed = await lint('warn');
    assert.equal(relaxed.code, 0, describeRun(relaxed));
    assert.match(relaxed.stderr, /^warn\/metadata\.yaml:6: warning: "runtime_cluster" is a legacy key/m);
    const strict = await lint('--strict', '-o', 'json', 'warn');
    assert.equal(strict.code, 1, describeRun(strict));
    const [result] = JSON.parse(strict.stdout) as Array<{ path: string; ok: boolean; diagnostics: Array<{ code: string; line: number }> }>;
    assert.equal(result?.ok, false);
    assert.deepEqual(result?.diagnostics.map((d) => [d.code, d.line]), [['metadata-unknown-key', 6]]);
  });
});

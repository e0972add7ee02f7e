import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkLayout, roleOf, type FileRole } from '../../../core/package/layout.ts';
import { addonFiles } from '../../support/addons.ts';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('roleOf', () => {
  const rows: Array<[string, FileRole]> = [
    ['metadata.yaml', 'metadata'],
    ['README.md', 'readme'],
    ['readme.md', 'readme'],
    ['template.yaml', 'template'],
    ['template.cue', 'template'],
    ['parameter.cue', 'parameter'],
    ['resources/parameter.cue', 'parameter'],
    ['NOTES.cue', 'notes'],
    ['Chart.yaml', 'chart'],
    ['resources/cm.yaml', 'resource'],
    ['resources/app.cue', 'resource'],
    ['resources/deep/cm.yml', 'resource'],
    ['resources/notes.txt', 'ignored'],
    ['definitions/x.cue', 'definition-cue'],
    ['definitions/x.yaml', 'definition-yaml'],
    ['definitions/x.json', 'ignored'],
    ['schemas/ui-schema-x.yaml', 'ui-schema'],
    ['views/pods.cue', 'view'],
    ['config-templates/ct.cue', 'config-template'],
    ['examples/app.yaml', 'example'],
    ['examples/anything/at/all.txt', 'example'],
    ['LICENSE', 'ignored'],
    ['docs/guide.md', 'ignored'],
    ['values.yaml', 'ignored'],
  ];
  for (const [path, role] of rows) {
    test(`${path} → ${role}`, () => assert.equal(roleOf(path), role));
  }
});

describe('checkLayout', () => {
  test('a clean addon has no diagnostics', () => {
    const files = addonFiles('demo', {
      'resources/cm.yaml': cm('x'),
      'parameter.cue': 'parameter: {}\n',
      'template.cue': 'output: {}\n',
      'schemas/ui.yaml': '- jsonKey: x\n',
      'examples/app.yaml': 'whatever: [\n',
      'Chart.yaml': 'apiVersion: v2\n',
    });
    assert.deepEqual(checkLayout(files), []);
  });

  test('examples/ is not warned about, even when it holds non-YAML', () => {
    const diagnostics = checkLayout(addonFiles('demo', { 'examples/app.yaml': cm('x'), 'examples/run.sh': 'echo\n' }));
    assert.deepEqual(diagnostics, []);
  });

  const rows: Array<{ name: string; changes: Record<string, string | null>; severity: 'error' | 'warning'; code: string; file: string; line?: number; mentions?: string[] }> = [
    { name: 'a file at the root KubeVela ignores', changes: { LICENSE: 'Apache\n' }, severity: 'warning', code: 'ignored-file', file: 'LICENSE', mentions: ['"LICENSE"'] },
    { name: 'a folder KubeVela ignores', changes: { 'docs/guide.md': '# guide\n' }, severity: 'warning', code: 'ignored-file', file: 'docs/guide.md', mentions: ['"docs/guide.md"'] },
    { name: 'a non-CUE file in definitions/', changes: { 'definitions/notes.md': 'x\n' }, severity: 'warning', code: 'ignored-file', file: 'definitions/notes.md' },
    { name: 'a non-YAML file in schemas/', changes: { 'schemas/x.json': '{}\n' }, severity: 'warning', code: 'ignored-file', file: 'schemas/x.json' },
    { name: 'both template.yaml and template.cue', changes: { 'template.yaml': cm('t'), 'template.cue': 'output: {}\n' }, severity: 'error', code: 'two-templates', file: 'template.yaml', mentions: ['template.yaml', 'template.cue'] },
    { name: 'both README.md and readme.md', changes: { 'readme.md': 'x\n' }, severity: 'warning', code: 'two-readmes', file: 'readme.md' },
    { name: 'both parameter.cue and resources/parameter.cue', changes: { 'parameter.cue': 'parameter: {}\n', 'resources/parameter.cue': 'parameter: {}\n' }, severity: 'error', code: 'two-parameters', file: 'resources/parameter.cue' },
    { name: 'no metadata.yaml', changes: { 'metadata.yaml': null }, severity: 'error', code: 'missing-metadata', file: 'metadata.yaml' },
    { name: 'a resources/ file with two documents', changes: { 'resources/two.yaml': `${cm('a')}---\n${cm('b')}` }, severity: 'error', code: 'resource-count', file: 'resources/two.yaml', mentions: ['2'] },
    { name: 'an empty resources/ file', changes: { 'resources/empty.yaml': '# nothing\n' }, severity: 'error', code: 'resource-count', file: 'resources/empty.yaml', mentions: ['0'] },
    { name: 'a resources/ file that is not a Kubernetes object', changes: { 'resources/list.yaml': '- a\n- b\n' }, severity: 'error', code: 'resource-not-object', file: 'resources/list.yaml' },
    { name: 'a resources/ object without kind', changes: { 'resources/nokind.yaml': 'apiVersion: v1\nmetadata: {}\n' }, severity: 'error', code: 'resource-not-object', file: 'resources/nokind.yaml', mentions: ['kind'] },
    { name: 'invalid YAML in resources/', changes: { 'resources/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n' }, severity: 'error', code: 'invalid-yaml', file: 'resources/bad.yaml', line: 5 },
    { name: 'a duplicate key in a Definition CR (KubeVela keeps the last)', changes: { 'definitions/cr.yaml': 'kind: TraitDefinition\nmetadata:\n  name: x\n  name: y\n' }, severity: 'warning', code: 'yaml-duplicate-key', file: 'definitions/cr.yaml', line: 4 },
    { name: 'a duplicate key in template.yaml (KubeVela keeps the last)', changes: { 'template.yaml': 'kind: Application\nkind: Application\n' }, severity: 'warning', code: 'yaml-duplicate-key', file: 'template.yaml', line: 2 },
    { name: 'invalid YAML in template.yaml', changes: { 'template.yaml': 'kind: Application\nspec: [1, 2\n' }, severity: 'error', code: 'invalid-yaml', file: 'template.yaml', line: 3 },
  ];

  for (const row of rows) {
    test(`${row.severity} ${row.code}: ${row.name}`, () => {
      const diagnostics = checkLayout(addonFiles('demo', row.changes));
      const found = diagnostics.filter((d) => d.code === row.code);
      assert.ok(found.length >= 1, `expected ${row.code} in ${JSON.stringify(diagnostics)}`);
      const d = found[0]!;
      assert.equal(d.severity, row.severity);
      assert.equal(d.file, row.file);
      if (row.line !== undefined) assert.equal(d.line, row.line, d.message);
      for (const m of row.mentions ?? []) assert.ok(d.message.includes(m), `${JSON.stringify(d.message)} does not mention ${m}`);
      assert.deepEqual(
        diagnostics.filter((x) => x.code !== row.code).map((x) => x.code),
        [],
        'only the problem under test is reported',
      );
    });
  }
});

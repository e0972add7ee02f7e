import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMetadata } from '../../../core/package/metadata.ts';

const base = 'name: demo\nversion: 1.0.0\n';

describe('parseMetadata', () => {
  test('valid metadata with every field KubeVela reads', () => {
    const text = `${base}description: A demo
icon: https://example.com/icon.png
url: https://example.com
tags: [demo, web]
deployTo:
  runtimeCluster: true
dependencies:
  - name: fluxcd
    version: ">=2.0.0"
  - name: terraform
system:
  vela: ">=1.6.0"
  kubernetes: ">=1.22"
needNamespace: [flux-system]
invisible: false
uxPlugins:
  web: https://example.com/plugin.js
annotations:
  team: platform
`;
    const { metadata, diagnostics } = parseMetadata(text);
    assert.deepEqual(diagnostics, []);
    assert.equal(metadata?.name, 'demo');
    assert.equal(metadata?.version, '1.0.0');
    assert.deepEqual(metadata?.dependencies, [{ name: 'fluxcd', version: '>=2.0.0' }, { name: 'terraform' }]);
    assert.deepEqual(metadata?.system, { vela: '>=1.6.0', kubernetes: '>=1.22' });
  });

  test('KubeVela-style ranges with a comma (">=1.0.0, <2.0.0") are accepted', () => {
    const { metadata, diagnostics } = parseMetadata(
      `${base}system:\n  vela: ">=1.0.0, <2.0.0"\n  kubernetes: ">=1.20.0, <=1.30.0"\ndependencies:\n  - name: fluxcd\n    version: ">=1.0.0, <2.0.0"\n`,
    );
    assert.deepEqual(diagnostics, []);
    assert.equal(metadata?.system?.vela, '>=1.0.0, <2.0.0');
  });

  const errors: Array<{ name: string; text: string; code: string; line: number; mentions: string[] }> = [
    { name: 'missing name', text: 'version: 1.0.0\ndescription: x\n', code: 'metadata-required', line: 1, mentions: ['"name"'] },
    { name: 'missing version', text: 'name: demo\ndescription: x\n', code: 'metadata-required', line: 1, mentions: ['"version"'] },
    { name: 'name with capitals and underscore', text: 'description: x\nname: My_Addon\nversion: 1.0.0\n', code: 'metadata-pattern', line: 2, mentions: ['name', '"My_Addon"'] },
    { name: 'name with a double dash', text: 'name: my--addon\nversion: 1.0.0\n', code: 'metadata-pattern', line: 1, mentions: ['"my--addon"'] },
    { name: 'name longer than 53 characters', text: `name: ${'a'.repeat(54)}\nversion: 1.0.0\n`, code: 'metadata-maxLength', line: 1, mentions: ['name'] },
    { name: 'version that is not semver', text: 'name: demo\nversion: "1.0"\n', code: 'metadata-format', line: 2, mentions: ['version', '"1.0"'] },
    { name: 'version that is a word', text: 'name: demo\nversion: latest\n', code: 'metadata-format', line: 2, mentions: ['"latest"'] },
    {
      name: 'dependency version that is not a range',
      text: `${base}dependencies:\n  - name: fluxcd\n  - name: terraform\n    version: ">=abc"\n`,
      code: 'metadata-format',
      line: 6,
      mentions: ['dependencies[1].version', '">=abc"'],
    },
    { name: 'dependency without a name', text: `${base}dependencies:\n  - version: ">=1.0.0"\n`, code: 'metadata-required', line: 4, mentions: ['dependencies[0].name'] },
    { name: 'dependency with a bad name', text: `${base}dependencies:\n  - name: Flux_CD\n`, code: 'metadata-pattern', line: 4, mentions: ['dependencies[0].name', '"Flux_CD"'] },
    { name: 'system.vela that is not a range', text: `${base}system:\n  vela: "~>1.x.y"\n`, code: 'metadata-format', line: 4, mentions: ['system.vela', '"~>1.x.y"'] },
    { name: 'system.kubernetes that is not a range', text: `${base}system:\n  kubernetes: "newest"\n`, code: 'metadata-format', line: 4, mentions: ['system.kubernetes', '"newest"'] },
    { name: 'tags that are not a list', text: `${base}tags: web\n`, code: 'metadata-type', line: 3, mentions: ['tags', 'array'] },
    { name: 'deployTo.runtimeCluster that is not a bool', text: `${base}deployTo:\n  runtimeCluster: "yes"\n`, code: 'metadata-type', line: 4, mentions: ['deployTo.runtimeCluster', 'boolean'] },
    { name: 'a needNamespace that is not a namespace name', text: `${base}needNamespace:\n  - ok-ns\n  - Bad_NS\n`, code: 'metadata-pattern', line: 5, mentions: ['needNamespace[1]'] },
    { name: 'invalid YAML: a bad indentation', text: 'name: demo\nversion: 1.0.0\ntags:\n  - a\n - b\n', code: 'metadata-yaml', line: 5, mentions: ['invalid YAML'] },
    { name: 'a list instead of a mapping', text: '- name: demo\n- version: 1.0.0\n', code: 'metadata-not-a-map', line: 1, mentions: ['mapping'] },
  ];

  for (const row of errors) {
    test(`error: ${row.name}`, () => {
      const { metadata, diagnostics } = parseMetadata(row.text);
      assert.equal(metadata, undefined, 'invalid metadata must not be returned');
      const found = diagnostics.filter((d) => d.code === row.code);
      assert.ok(found.length >= 1, `expected ${row.code} in ${JSON.stringify(diagnostics)}`);
      for (const d of found) {
        assert.equal(d.severity, 'error');
        assert.equal(d.file, 'metadata.yaml');
        assert.equal(d.line, row.line, d.message);
      }
      const messages = found.map((d) => d.message).join('\n');
      for (const m of row.mentions) assert.ok(messages.includes(m), `${JSON.stringify(messages)} does not mention ${m}`);
    });
  }

  const warnings: Array<{ name: string; text: string; line: number; mentions: string[]; absent?: string }> = [
    { name: 'a typo gets a did-you-mean (descripton → description)', text: `${base}descripton: A demo\n`, line: 3, mentions: ['"descripton"', 'did you mean "description"'] },
    { name: 'a typo of a nested dependency key', text: `${base}dependencies:\n  - name: fluxcd\n    verison: ">=1.0.0"\n`, line: 5, mentions: ['dependencies[0].verison', 'did you mean "version"'] },
    { name: 'an unknown key far from any known one', text: `${base}maintainers:\n  - me\n`, line: 3, mentions: ['"maintainers"'], absent: 'did you mean' },
    { name: 'legacy key runtime_cluster', text: `${base}runtime_cluster: true\n`, line: 3, mentions: ['runtime_cluster', 'legacy'] },
    { name: 'legacy key control_plane', text: `${base}description: x\ncontrol_plane: false\n`, line: 4, mentions: ['control_plane', 'legacy'] },
  ];

  for (const row of warnings) {
    test(`warning: ${row.name}`, () => {
      const { metadata, diagnostics } = parseMetadata(row.text);
      assert.ok(metadata, 'a warning does not refuse the metadata');
      assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
      const d = diagnostics[0]!;
      assert.equal(d.severity, 'warning');
      assert.equal(d.code, 'metadata-unknown-key');
      assert.equal(d.line, row.line);
      for (const m of row.mentions) assert.ok(d.message.includes(m), `${JSON.stringify(d.message)} does not mention ${m}`);
      if (row.absent) assert.ok(!d.message.includes(row.absent), d.message);
    });
  }

  test('a duplicate key is a warning and the last value wins, as in KubeVela (go-yaml)', () => {
    const { metadata, diagnostics } = parseMetadata('name: demo\nversion: 1.0.0\nname: other\n');
    assert.equal(metadata?.name, 'other');
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code, d.line]), [['warning', 'yaml-duplicate-key', 3]]);
  });

  test('every problem is reported at once', () => {
    const { diagnostics } = parseMetadata('name: Bad_Name\nversion: "1"\ndescripton: x\nsystem:\n  vela: nope\n');
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line]).sort(),
      [['metadata-format', 2], ['metadata-format', 5], ['metadata-pattern', 1], ['metadata-unknown-key', 3]],
    );
  });
});

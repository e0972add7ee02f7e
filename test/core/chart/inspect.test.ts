/**
 * core/chart: what an application chart must be to be accepted (Chart.yaml, values.yaml,
 * values.schema.json, templates, vendored dependencies), every problem reported at once with
 * its file and field, and the values table inferred from values.yaml's comments.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspectChart } from '../../../core/chart/inspect.ts';
import { parseValues } from '../../../core/chart/values.ts';
import { applyHelmignore } from '../../../core/chart/helmignore.ts';
import { parameterReference } from '../../../core/params/reference.ts';
import { packageFiles } from '../../support/addons.ts';
import { chartTree, chartYamlText } from '../../support/charts.ts';

const inspect = (changes: Record<string, string | null> = {}, top = 'demo-app') => inspectChart(top, packageFiles(chartTree('demo-app', '1.0.0', changes)));

/** Asserts exactly these (code, file, field) problems, in any order, and that each message contains its text. */
function problems(result: ReturnType<typeof inspect>, expected: Array<{ code: string; file: string; field?: string; message: string | RegExp }>): void {
  assert.equal(result.manifest, undefined, 'the chart is refused');
  const got = result.diagnostics.map((d) => ({ code: d.code, file: d.file, field: d.field, message: d.message }));
  assert.equal(got.length, expected.length, JSON.stringify(got, null, 1));
  for (const e of expected) {
    const d = got.find((g) => g.code === e.code && g.file === e.file && g.field === e.field);
    assert.ok(d, `no ${e.code} for ${e.file} ${e.field ?? ''} in ${JSON.stringify(got, null, 1)}`);
    if (typeof e.message === 'string') assert.ok(d.message.includes(e.message), `${JSON.stringify(d.message)} does not say ${JSON.stringify(e.message)}`);
    else assert.match(d.message, e.message);
  }
}

describe('a valid application chart', () => {
  test('gives a manifest: Chart.yaml fields, README, values.yaml as written, templates', () => {
    const r = inspect();
    assert.deepEqual(r.diagnostics, []);
    const m = r.manifest!;
    assert.deepEqual(m.metadata, { apiVersion: 'v2', name: 'demo-app', version: '1.0.0', type: 'application', description: 'The demo-app chart', appVersion: '1.16.0' });
    assert.match(m.readme, /A demo application chart/);
    assert.match(m.valuesYaml, /# Message written into the ConfigMap/);
    assert.deepEqual(m.templates, ['templates/configmap.yaml']);
    assert.equal(m.valuesSchema, null);
    assert.equal(m.parameterSource, 'values.yaml');
  });

  test('the values table is inferred from values.yaml: types, defaults, comments as descriptions, in file order', () => {
    const [root, image] = parameterReference(inspect().manifest!.parameterSchema);
    assert.deepEqual(root!.params.map((p) => [p.name, p.type, p.description, p.default]), [
      ['replicaCount', 'int', 'How many replicas the workload runs', 1],
      ['image', '{...}', '', undefined],
      ['message', 'string', 'Message written into the ConfigMap', 'hello'],
      ['ports', '[]int', '', [80, 443]],
      ['resources', 'map[string]_', '', undefined],
    ]);
    assert.deepEqual(image!.params.map((p) => [p.path, p.type, p.description, p.default]), [
      ['image.repository', 'string', 'Image repository', 'nginx'],
      ['image.tag', 'string', 'image tag', '1.27'],
      ['image.pullPolicy', 'string', '', 'IfNotPresent'],
    ]);
  });

  test('with values.schema.json the table comes from the schema, defaults from values.yaml', () => {
    const schema = { $schema: 'https://json-schema.org/draft-07/schema#', type: 'object', required: ['message'], properties: { message: { type: 'string', description: 'Greeting' }, replicaCount: { type: 'integer', minimum: 1 } } };
    const m = inspect({ 'values.schema.json': JSON.stringify(schema) }).manifest!;
    assert.equal(m.parameterSource, 'values.schema.json');
    assert.deepEqual(m.valuesSchema, schema);
    const [root] = parameterReference(m.parameterSchema);
    assert.deepEqual(root!.params.map((p) => [p.name, p.type, p.description, p.required, p.default]), [
      ['message', 'string', 'Greeting', false, 'hello'],
      ['replicaCount', 'int', '', false, 1],
    ]);
  });

  test('no values.yaml at all is an empty set of values; declared dependencies vendored in charts/ are fine', () => {
    const r = inspect({ 'values.yaml': null, 'Chart.yaml': chartYamlText('demo-app', '1.0.0', 'dependencies:\n  - name: redis\n    version: 17.x\n    repository: https://charts.example.com\n'), 'charts/redis-17.3.0.tgz': 'bytes' });
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.manifest!.subcharts, ['redis-17.3.0']);
    assert.deepEqual(r.manifest!.metadata.dependencies, [{ name: 'redis', version: '17.x', repository: 'https://charts.example.com' }]);
  });
});

describe('every problem at once, each naming its file and field', () => {
  test('Chart.yaml: apiVersion v1, a bad name, a non-semver version, a library type', () => {
    const r = inspect({ 'Chart.yaml': 'apiVersion: v1\nname: Demo_App\nversion: "1.0"\ntype: library\n' });
    problems(r, [
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'apiVersion', message: 'field "apiVersion" is "v1": it must be "v2"' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'name', message: 'field "name" is "Demo_App": use lowercase letters and digits separated by dashes' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'version', message: 'field "version" is "1.0": it must be a semantic version such as 1.0.0' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'type', message: 'field "type" is "library": only "application" charts are hosted here' },
    ]);
  });

  test('Chart.yaml: missing apiVersion, name and version; a version written as a number', () => {
    problems(inspect({ 'Chart.yaml': 'description: nothing else\n' }), [
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'apiVersion', message: 'field "apiVersion" is missing: it must be "v2"' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'name', message: 'field "name" is missing' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'version', message: 'field "version" is missing: use a semantic version such as 1.0.0' },
    ]);
    problems(inspect({ 'Chart.yaml': 'apiVersion: v2\nname: demo-app\nversion: 1.5\n' }), [
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'version', message: 'field "version" is 1.5: it must be a semantic version such as 1.0.0 (a string, no leading "v")' },
    ]);
  });

  test('Chart.yaml: wrongly typed optional fields, annotations and dependencies', () => {
    const text = chartYamlText('demo-app', '1.0.0', 'keywords: web\nmaintainers:\n  - email: a@example.com\nannotations:\n  replicas: 2\ndependencies:\n  - name: redis\n  - version: 1.x\n    name: db\n    repository: https://x\ndeprecated: "yes"\nhome: [a]\n');
    problems(inspect({ 'Chart.yaml': text }), [
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'keywords', message: 'field "keywords" must be a list of strings' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'maintainers[0].name', message: 'field "maintainers[0].name" is missing' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'annotations.replicas', message: 'field "annotations.replicas" must be a string (quote it), got 2' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'dependencies[0].version', message: 'field "dependencies[0].version" is missing: give a version or range such as "17.x"' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'deprecated', message: 'field "deprecated" must be true or false, got "yes"' },
      { code: 'chart-yaml-field', file: 'Chart.yaml', field: 'home', message: 'field "home" must be a string, got ["a"]' },
    ]);
  });

  test('Chart.yaml that is not YAML, or not a mapping', () => {
    problems(inspect({ 'Chart.yaml': 'apiVersion: v2\nname: [demo\n' }), [{ code: 'chart-yaml-syntax', file: 'Chart.yaml', message: /^Chart.yaml is not valid YAML: / }]);
    problems(inspect({ 'Chart.yaml': '- a\n- b\n' }), [{ code: 'chart-yaml-syntax', file: 'Chart.yaml', message: 'Chart.yaml must be a YAML mapping with apiVersion, name and version' }]);
  });

  test('no Chart.yaml: the archive is not a chart', () => {
    problems(inspect({ 'Chart.yaml': null }), [{ code: 'chart-missing-file', file: 'Chart.yaml', message: 'demo-app/Chart.yaml is missing: a chart archive holds one folder named like the chart, with Chart.yaml in it' }]);
  });

  test('values.yaml that does not parse (with its line), or is a list', () => {
    const r = inspect({ 'values.yaml': 'replicaCount: 1\nimage: [nginx\n' });
    problems(r, [{ code: 'chart-values-yaml', file: 'values.yaml', message: /^values.yaml is not valid YAML: / }]);
    assert.equal(typeof r.diagnostics[0]!.line, 'number');
    problems(inspect({ 'values.yaml': '- a\n' }), [{ code: 'chart-values-yaml', file: 'values.yaml', message: 'values.yaml must be a YAML mapping of values (key: value), got a list' }]);
  });

  test('values.yaml breaking values.schema.json: every violation names the value', () => {
    const schema = { type: 'object', required: ['domain'], properties: { replicaCount: { type: 'integer', minimum: 2 }, image: { type: 'object', properties: { pullPolicy: { enum: ['Always', 'Never'] } } } } };
    problems(inspect({ 'values.schema.json': JSON.stringify(schema) }), [
      { code: 'chart-values-required', file: 'values.yaml', field: 'domain', message: 'value "domain" is required by values.schema.json' },
      { code: 'chart-values-minimum', file: 'values.yaml', field: 'replicaCount', message: 'value "replicaCount" is 1: values.schema.json says it must be >= 2' },
      { code: 'chart-values-enum', file: 'values.yaml', field: 'image.pullPolicy', message: 'value "image.pullPolicy" is "IfNotPresent": values.schema.json allows "Always", "Never"' },
    ]);
  });

  test('values.schema.json that is not JSON, not an object, or not a schema', () => {
    problems(inspect({ 'values.schema.json': '{"type": ' }), [{ code: 'chart-values-schema', file: 'values.schema.json', message: /^values.schema.json is not valid JSON: / }]);
    problems(inspect({ 'values.schema.json': '[1]' }), [{ code: 'chart-values-schema', file: 'values.schema.json', message: 'values.schema.json must be a JSON Schema object, got an array' }]);
    problems(inspect({ 'values.schema.json': '{"type": "no-such-type"}' }), [{ code: 'chart-values-schema', file: 'values.schema.json', message: /^values.schema.json is not a usable JSON Schema: / }]);
  });

  test('no templates, or only NOTES.txt', () => {
    problems(inspect({ 'templates/configmap.yaml': null }), [{ code: 'chart-no-templates', file: 'templates/', message: 'templates/ is missing or empty: an application chart renders its objects from templates/*.yaml' }]);
    problems(inspect({ 'templates/configmap.yaml': null, 'templates/NOTES.txt': 'hi' }), [{ code: 'chart-no-templates', file: 'templates/', message: 'templates/ holds no template (templates/NOTES.txt)' }]);
  });

  test('a dependency not vendored in charts/', () => {
    problems(inspect({ 'Chart.yaml': chartYamlText('demo-app', '1.0.0', 'dependencies:\n  - name: redis\n    version: 17.x\n    repository: https://charts.example.com\n') }), [
      { code: 'chart-dependency-missing', file: 'Chart.yaml', field: 'dependencies[0]', message: 'field "dependencies[0]" (redis 17.x) is not vendored in charts/: run `helm dependency build` before packaging' },
    ]);
  });

  test('a top folder not named like the chart', () => {
    problems(inspect({}, 'other'), [{ code: 'chart-top-folder', file: 'other/', field: 'name', message: 'the archive\'s top folder "other" must be named like the chart "demo-app"' }]);
  });

  test('all of it in one chart: one refusal lists every problem', () => {
    const r = inspect({ 'Chart.yaml': 'apiVersion: v2\nname: demo-app\nversion: one\n', 'values.yaml': 'a: [', 'templates/configmap.yaml': null });
    assert.deepEqual(r.diagnostics.map((d) => d.code).sort(), ['chart-no-templates', 'chart-values-yaml', 'chart-yaml-field']);
  });
});

describe('values.yaml comments', () => {
  test('the comment block just above a key (not the file header), an inline comment, helm-docs "# --"', () => {
    const { inferred } = parseValues('# File header.\n\n# -- Replicas\n# of the app\nreplicas: 2\nname: web # the name\nflag: true\nratio: 0.5\nnothing: null\n');
    const props = inferred!.properties!;
    assert.deepEqual(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, [s.type, s.description, s.default]])), {
      replicas: ['integer', 'Replicas of the app', 2],
      name: ['string', 'the name', 'web'],
      flag: ['boolean', undefined, true],
      ratio: ['number', undefined, 0.5],
      nothing: [undefined, undefined, undefined],
    });
  });
});

describe('.helmignore', () => {
  test('drops what helm package drops: globs, folders, anchored paths; ! re-includes', () => {
    const files = packageFiles({
      '.helmignore': '# comment\n.git/\n*.swp\nci/\ndocs/*.md\n!docs/keep.md\n',
      'Chart.yaml': 'x',
      'values.swp': 'x',
      'templates/a.yaml': 'x',
      'templates/b.yaml.swp': 'x',
      'ci/values.yaml': 'x',
      'docs/a.md': 'x',
      'docs/keep.md': 'x',
      'docs/deep/b.md': 'x',
    });
    assert.deepEqual([...applyHelmignore(files).keys()].sort(), ['.helmignore', 'Chart.yaml', 'docs/deep/b.md', 'docs/keep.md', 'templates/a.yaml']);
  });
});

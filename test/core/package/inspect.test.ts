import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { CuePool } from '../../../core/cue/pool.ts';
import type { Diagnostic } from '../../../core/diagnostics.ts';
import { inspectAddon } from '../../../core/package/inspect.ts';
import { definitionToCR, crToYaml } from '../../../core/package/definition-cr.ts';
import { addonFiles, metadataYaml, packageFiles } from '../../support/addons.ts';
import { labelsTrait, terraformComponentCR, webComponent } from '../../support/definitions.ts';

const cue = new CueEvaluator(new CuePool({ size: 2 }));
after(() => cue.close());

/** An addon holding only metadata, README and the given files. */
const minimal = (files: Record<string, string>) =>
  packageFiles({ 'metadata.yaml': metadataYaml('demo'), 'README.md': '# demo\n', ...files });

const only = (diagnostics: Diagnostic[], code: string) => diagnostics.filter((d) => d.code === code);

function assertNoTempPath(diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) assert.doesNotMatch(`${d.file} ${d.message} ${d.hint ?? ''}`, /\/tmp\/|velahub-cue|definition\.cue\b/, d.message);
}

const labelsCR = `apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: labels-cr
  annotations:
    definition.oam.dev/description: Adds labels from a CR
  labels:
    custom.definition.oam.dev/ui-hidden: "true"
spec:
  podDisruptive: true
  appliesToWorkloads:
    - deployments.apps
  schematic:
    cue:
      template: |
        patch: metadata: labels: parameter.labels
        parameter: {
        	// +usage=Labels to add
        	labels: [string]: string
        }
`;

const terraformCR = terraformComponentCR('tf-bucket', 'An object storage bucket');

describe('inspectAddon', () => {
  test('an addon with a trait and a component gives a manifest and no diagnostics', async () => {
    const { manifest, diagnostics } = await inspectAddon(addonFiles('demo'), cue);
    assert.deepEqual(diagnostics, []);
    assert.ok(manifest);
    assert.equal(manifest.metadata.name, 'demo');
    assert.equal(manifest.readme, '# demo\n\nA demo addon.\n');
    assert.deepEqual(manifest.warnings, []);
    assert.deepEqual(
      manifest.definitions.map((d) => [d.file, d.type, d.name, d.schematic]),
      [
        ['definitions/labels.cue', 'trait', 'labels', 'cue'],
        ['definitions/web.cue', 'component', 'web', 'cue'],
      ],
    );
    const web = manifest.definitions.find((d) => d.name === 'web')!;
    assert.deepEqual(web.schema.required, ['image']);
    assert.equal(web.schema.properties?.replicas?.default, 1);
    assert.deepEqual(web.attributes, { workload: { definition: { apiVersion: 'apps/v1', kind: 'Deployment' } } });
    assert.equal(web.cue, webComponent('web'));
    assert.match(web.template, /^parameter: \{/m);
    const trait = manifest.definitions.find((d) => d.name === 'labels')!;
    assert.deepEqual(trait.attributes, { podDisruptive: true, appliesToWorkloads: ['deployments.apps'] });
  });

  test('warnings keep the manifest; strict mode turns them into a refusal', async () => {
    const files = addonFiles('demo', { LICENSE: 'Apache-2.0\n', 'metadata.yaml': metadataYaml('demo', 'descripton: typo\n') });
    const relaxed = await inspectAddon(files, cue);
    assert.ok(relaxed.manifest, JSON.stringify(relaxed.diagnostics));
    assert.deepEqual(relaxed.manifest.warnings.map((d) => d.code).sort(), ['ignored-file', 'metadata-unknown-key']);
    const strict = await inspectAddon(files, cue, { strict: true });
    assert.equal(strict.manifest, undefined);
    assert.deepEqual(strict.diagnostics.map((d) => d.code).sort(), ['ignored-file', 'metadata-unknown-key']);
  });

  test('a definition with a CUE syntax error: file definitions/x.cue, the right line, no temp path', async () => {
    const source = labelsTrait('x').replace('labels: [string]: string', 'labels: [string]: string\n\t\textra: "unterminated');
    const line = source.split('\n').findIndex((l) => l.includes('"unterminated')) + 1;
    const { manifest, diagnostics } = await inspectAddon(minimal({ 'definitions/x.cue': source }), cue);
    assert.equal(manifest, undefined);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length >= 1, JSON.stringify(diagnostics));
    assert.equal(errors[0]!.file, 'definitions/x.cue');
    assert.equal(errors[0]!.line, line);
    assert.equal(errors[0]!.code, 'cue-error');
    assertNoTempPath(diagnostics);
  });

  test('a definition with a bad type ("traits")', async () => {
    const { manifest, diagnostics } = await inspectAddon(minimal({ 'definitions/x.cue': labelsTrait('x').replace('type: "trait"', 'type: "traits"') }), cue);
    assert.equal(manifest, undefined);
    const [d] = only(diagnostics, 'definition-type');
    assert.ok(d, JSON.stringify(diagnostics));
    assert.equal(d.file, 'definitions/x.cue');
    assert.match(d.message, /"traits"/);
  });

  test('two definitions of the same type and name', async () => {
    const { manifest, diagnostics } = await inspectAddon(minimal({ 'definitions/a.cue': labelsTrait('same'), 'definitions/b.cue': labelsTrait('same') }), cue);
    assert.equal(manifest, undefined);
    const [d] = only(diagnostics, 'duplicate-definition');
    assert.ok(d, JSON.stringify(diagnostics));
    assert.equal(d.file, 'definitions/b.cue');
    assert.match(d.message, /"same"/);
    assert.match(d.message, /definitions\/a\.cue/);
  });

  test('a Definition CR (.yaml) is inspected like a .cue definition', async () => {
    const { manifest, diagnostics } = await inspectAddon(minimal({ 'definitions/labels-cr.yaml': labelsCR }), cue);
    assert.deepEqual(diagnostics, []);
    const [def] = manifest!.definitions;
    assert.equal(def?.name, 'labels-cr');
    assert.equal(def?.type, 'trait');
    assert.equal(def?.schematic, 'cue');
    assert.equal(def?.description, 'Adds labels from a CR');
    assert.deepEqual(def?.labels, { 'custom.definition.oam.dev/ui-hidden': 'true' });
    assert.deepEqual(def?.attributes, { podDisruptive: true, appliesToWorkloads: ['deployments.apps'] });
    assert.equal(def?.schema.properties?.labels?.description, 'Labels to add');
  });

  test('a CR keeps its template text as written (KubeVela applies the CR as it is, unformatted)', async () => {
    const unformatted = labelsCR.replace('patch: metadata: labels: parameter.labels', 'patch: metadata: labels:   parameter.labels\n        _keys: [ for k, _ in parameter.labels { k } ]');
    const { manifest, diagnostics } = await inspectAddon(minimal({ 'definitions/labels-cr.yaml': unformatted }), cue);
    assert.deepEqual(diagnostics, []);
    assert.equal(manifest!.definitions[0]?.template, 'patch: metadata: labels:   parameter.labels\n_keys: [ for k, _ in parameter.labels { k } ]\nparameter: {\n\t// +usage=Labels to add\n\tlabels: [string]: string\n}\n');
  });

  test('a CR whose template does not evaluate: diagnostic on the .yaml, no line into the generated CUE', async () => {
    const broken = labelsCR.replace('parameter.labels', 'parameter.labels +');
    const { diagnostics } = await inspectAddon(minimal({ 'definitions/labels-cr.yaml': broken }), cue);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length >= 1);
    for (const d of errors) {
      assert.equal(d.file, 'definitions/labels-cr.yaml');
      assert.equal(d.line, undefined);
    }
    assertNoTempPath(diagnostics);
  });

  test('a CR of an unknown kind names the field', async () => {
    const { diagnostics } = await inspectAddon(minimal({ 'definitions/x.yaml': labelsCR.replace('kind: TraitDefinition', 'kind: Trait') }), cue);
    const [d] = diagnostics;
    assert.equal(d?.code, 'ebad_definition');
    assert.equal(d?.file, 'definitions/x.yaml');
    assert.match(d!.message, /kind/);
  });

  test("a Terraform CR with inline HCL takes its parameters from the module's variables", async () => {
    const { manifest, diagnostics } = await inspectAddon(minimal({ 'definitions/bucket.yaml': terraformCR }), cue);
    assert.deepEqual(diagnostics, []);
    const [def] = manifest!.definitions;
    assert.equal(def?.schematic, 'terraform');
    assert.equal(def?.type, 'component');
    assert.equal(def?.name, 'tf-bucket');
    assert.equal(def?.description, 'An object storage bucket');
    assert.deepEqual(def?.schema, { type: 'object', properties: { bucket: { title: 'bucket', type: 'string' } }, required: ['bucket'] });
  });

  test('a remote Terraform module records where its parameters come from', async () => {
    const remote = terraformCR.replace(/configuration: \|[\s\S]*$/, 'type: remote\n      configuration: https://example.com/modules/oss.git\n      path: modules/bucket\n');
    const { manifest, diagnostics } = await inspectAddon(minimal({ 'definitions/bucket.yaml': remote }), cue);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(manifest!.definitions[0]?.schema['x-terraform-module'], { url: 'https://example.com/modules/oss.git', path: 'modules/bucket' });
  });

  test('Terraform HCL that does not parse is an error naming the file', async () => {
    const broken = terraformCR.replace('type = string', 'type = = string');
    const { manifest, diagnostics } = await inspectAddon(minimal({ 'definitions/bucket.yaml': broken }), cue);
    assert.equal(manifest, undefined);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.file]), [['ebad_terraform', 'definitions/bucket.yaml']]);
  });

  test('missing README and definition description are warnings', async () => {
    const files = packageFiles({ 'metadata.yaml': metadataYaml('demo'), 'definitions/x.cue': labelsTrait('x').replace('description: "Adds labels to the workload"', '') });
    const { manifest, diagnostics } = await inspectAddon(files, cue);
    assert.ok(manifest);
    assert.deepEqual(diagnostics.map((d) => `${d.severity} ${d.code} ${d.file}`).sort(), ['warning definition-no-description definitions/x.cue', 'warning missing-readme README.md']);
  });

  test("the addon's parameter.cue gives its parameter schema", async () => {
    const files = minimal({ 'parameter.cue': 'parameter: {\n\t// +usage=Where to install\n\tnamespace: *"vela-system" | string\n}\n' });
    const { manifest, diagnostics } = await inspectAddon(files, cue);
    assert.deepEqual(diagnostics, []);
    assert.equal(manifest?.parameterSchema?.properties?.namespace?.default, 'vela-system');
  });

  test('every problem of every file is reported at once', async () => {
    const files = packageFiles({
      'metadata.yaml': 'name: Demo\nversion: 1.0.0\n',
      'README.md': '# demo\n',
      'definitions/a.cue': labelsTrait('a').replace('type: "trait"', 'type: "traits"'),
      'definitions/b.cue': 'b: {\n\ttype: "trait"\n}\ntemplate: {\n\tparameter: {\n\t\tx: int +\n\t}\n}\n',
      'parameter.cue': 'foo: 1\n',
      'resources/two.yaml': 'apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n',
    });
    const { manifest, diagnostics } = await inspectAddon(files, cue);
    assert.equal(manifest, undefined);
    const found = new Set(diagnostics.map((d) => `${d.file} ${d.code}`));
    for (const expected of ['metadata.yaml metadata-pattern', 'definitions/a.cue definition-type', 'definitions/b.cue cue-error', 'parameter.cue parameter-missing', 'resources/two.yaml resource-count']) {
      assert.ok(found.has(expected), `missing ${expected} in ${[...found].join(', ')}`);
    }
    assertNoTempPath(diagnostics);
  });

  test('a definition written back from its CR inspects to the same schema', async () => {
    const first = await inspectAddon(minimal({ 'definitions/web.cue': webComponent('web') }), cue);
    const def = first.manifest!.definitions[0]!;
    const cr = definitionToCR({ name: def.name, type: def.type, description: def.description, annotations: def.annotations, labels: def.labels, attributes: def.attributes }, def.template);
    const second = await inspectAddon(minimal({ 'definitions/web.yaml': crToYaml(cr) }), cue);
    assert.deepEqual(second.diagnostics, []);
    assert.deepEqual(second.manifest!.definitions[0]!.schema, def.schema);
  });
});

describe('inspectAddon: CUE lines and budgets', () => {
  const slowDefinition = (name: string) => `import "list"
"${name}": {
	type: "trait"
	description: "Spends seconds in a comprehension"
}
template: {
	_grid: [ for i in list.Range(0, 1500, 1) for j in list.Range(0, 1500, 1) { i * j } ]
	patch: metadata: annotations: n: "\\(len(_grid))"
	parameter: {}
}
`;

  test('a definition one CUE line refuses is a warning naming the KubeVela versions affected', async () => {
    const source = labelsTrait('adds').replace('template: {', 'template: {\n\t_a: [1] + [2]');
    const result = await inspectAddon(minimal({ 'definitions/adds.cue': source }), cue);
    const [w] = only(result.diagnostics, 'cue-line-refuses');
    assert.ok(result.manifest, JSON.stringify(result.diagnostics));
    assert.equal(w?.severity, 'warning');
    assert.match(w!.message, /CUE v0\.9\.2 \(KubeVela 1\.10\) but CUE v0\.14\.1 \(KubeVela 1\.11\) refuses it/);
    assert.match(w!.hint ?? '', /list\.Concat/);
  });

  test('an addon whose system.vela allows only 1.11 is stored with the v0.14 line', async () => {
    const files = minimal({ 'definitions/labels.cue': labelsTrait('labels') });
    files.set('metadata.yaml', new TextEncoder().encode(metadataYaml('demo', 'system:\n  vela: ">=1.11.0"\n')));
    const result = await inspectAddon(files, cue);
    assert.equal(result.manifest?.definitions[0]?.cueLine, 'v0.14', JSON.stringify(result.diagnostics));
    const stable = await inspectAddon(minimal({ 'definitions/labels.cue': labelsTrait('labels') }), cue);
    assert.equal(stable.manifest?.definitions[0]?.cueLine, 'v0.9');
  });

  test('a construct KubeVela stores no schema for is a warning, and the definition keeps an empty schema', async () => {
    const source = labelsTrait('bounded').replace(/parameter: \{/, 'parameter: {\n\t\treplicas: *1 | int & >=1');
    const result = await inspectAddon(minimal({ 'definitions/bounded.cue': source }), cue);
    const [w] = only(result.diagnostics, 'schema-unsupported');
    assert.ok(w, JSON.stringify(result.diagnostics));
    assert.match(w.message, /KubeVela will store no parameter schema/);
    assert.match(w.message, /unsupported op for number &/);
  });

  test('more definitions than the budget allows are refused before any is evaluated', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 4; i++) files[`definitions/t${i}.cue`] = slowDefinition(`t${i}`);
    const t0 = performance.now();
    const result = await inspectAddon(minimal(files), cue, { budget: { maxDefinitions: 3, totalMs: 60_000 } });
    assert.ok(performance.now() - t0 < 1000, 'definitions were evaluated');
    const [d] = only(result.diagnostics, 'too-many-definitions');
    assert.match(d!.message, /4 definition files; at most 3/);
  });

  test('slow definitions stop at the package budget with ECUE_BUDGET, and the workers are free again', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 4; i++) files[`definitions/t${i}.cue`] = slowDefinition(`t${i}`);
    const t0 = performance.now();
    await assert.rejects(inspectAddon(minimal(files), cue, { budget: { maxDefinitions: 10, totalMs: 1500 } }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ECUE_BUDGET');
      assert.match(err.message, /budget of 1\.5 s/);
      return true;
    });
    assert.ok(performance.now() - t0 < 15_000, `took ${performance.now() - t0} ms`);
    const after = await inspectAddon(minimal({ 'definitions/labels.cue': labelsTrait('labels') }), cue);
    assert.ok(after.manifest, JSON.stringify(after.diagnostics));
  });

  test('a slow definition is refused at the per-definition limit, naming its file, and the others still evaluate', async () => {
    const t0 = performance.now();
    const result = await inspectAddon(minimal({ 'definitions/slow.cue': slowDefinition('slow'), 'definitions/labels.cue': labelsTrait('labels') }), cue, {
      budget: { maxDefinitions: 10, totalMs: 60_000, definitionMs: 500 },
    });
    assert.ok(performance.now() - t0 < 15_000, `took ${performance.now() - t0} ms`);
    assert.equal(result.manifest, undefined);
    const [d] = only(result.diagnostics, 'definition-too-slow');
    assert.equal(d!.file, 'definitions/slow.cue');
    assert.equal(d!.severity, 'error');
    assert.match(d!.message, /took longer than the limit of 0\.5 s per definition/);
    assert.deepEqual(
      result.diagnostics.filter((x) => x.file === 'definitions/labels.cue' && x.severity === 'error'),
      [],
      'the fast definition evaluated',
    );
  });
});

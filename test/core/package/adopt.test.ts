/**
 * adoptDefinitions: Definition CRs (as a cluster holds them) → an addon folder that lints
 * clean, with system.kubernetes inferred and a README carrying the parameter tables; and
 * toCueLiteral, which writes the CR's header back as CUE (multi-line strings as raw blocks).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';


import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { CueEvaluator, type InspectedDefinition } from '../../../core/cue/evaluator.ts';
import { CuePool } from '../../../core/cue/pool.ts';
import type { Diagnostic } from '../../../core/diagnostics.ts';
import { adoptDefinitions } from '../../../core/package/adopt.ts';
import { definitionToCR, toCueLiteral, type DefinitionCR } from '../../../core/package/definition-cr.ts';
import { textOf } from '../../../core/package/files.ts';
import { inspectAddon } from '../../../core/package/inspect.ts';
import { labelsTrait } from '../../support/definitions.ts';
import { rejectsCode } from '../../support/errors.ts';

const addonsRoot = new URL('../../../addons/', import.meta.url);

async function addonSource(name: string): Promise<string> {
  return readFile(new URL(`${name}/definitions/${name}.cue`, addonsRoot), 'utf8');
}

const cue = new CueEvaluator(new CuePool({ size: 2, timeoutMs: 120_000 }));
after(() => cue.close());

/** A definition source as the CR `vela def apply` would leave in a cluster. */
async function crOf(source: string, file: string): Promise<{ cr: DefinitionCR; inspected: InspectedDefinition }> {
  const inspected = await cue.inspect(source, file);
  return { cr: definitionToCR(inspected.header, inspected.template, 'platform-system'), inspected };
}

const errorsOf = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'error');

describe('adoptDefinitions: the bizworks-ingress and hpa-trait CRs', () => {
  const originals = new Map<string, InspectedDefinition>();
  let result: Awaited<ReturnType<typeof adoptDefinitions>>;

  before(async () => {
    const crs: DefinitionCR[] = [];
    for (const name of ['bizworks-ingress', 'hpa-trait']) {
      const { cr, inspected } = await crOf(await addonSource(name), `${name}.cue`);
      originals.set(name, inspected);
      crs.push(cr);
    }
    result = await adoptDefinitions(crs, { name: 'bizworks-traits', version: '1.0.0', description: 'BizWorks traits' }, cue);
  });

  test('lints clean and writes the KubeVela layout', () => {
    assert.deepEqual(errorsOf(result.diagnostics), [], JSON.stringify(result.diagnostics));
    assert.deepEqual(result.diagnostics, [], 'not even a warning: both have descriptions and the README is generated');
    assert.deepEqual([...result.files.keys()].sort(), ['README.md', 'definitions/bizworks-ingress.cue', 'definitions/hpa-trait.cue', 'metadata.yaml']);
    assert.deepEqual(result.definitions.map((d) => `${d.type}/${d.name}`), ['trait/bizworks-ingress', 'trait/hpa-trait']);
  });

  test('metadata.yaml: what the author gave, tags from the definition types, system.kubernetes inferred', () => {
    assert.deepEqual(parse(textOf(result.files, 'metadata.yaml')!), {
      name: 'bizworks-traits',
      version: '1.0.0',
      description: 'BizWorks traits',
      tags: ['trait'],
      system: { kubernetes: '>=1.19' },
    });
  });

  test('the README lists the definitions and has their parameter tables', () => {
    const readme = textOf(result.files, 'README.md')!;
    assert.match(readme, /^# bizworks-traits\n\nBizWorks traits\n/);
    assert.match(readme, /^- trait `bizworks-ingress`: Expose a component through a list of routes/m);
    assert.match(readme, /^- trait `hpa-trait`: Scale the component's Deployment/m);
    for (const [section, param] of [['## bizworks-ingress (trait)', '| route |'], ['## hpa-trait (trait)', '| memoryUtilization |']] as const) {
      const at = readme.indexOf(section);
      assert.ok(at >= 0, `README has no ${section}`);
      const body = readme.slice(at);
      assert.match(body, /\| NAME \| DESCRIPTION \| TYPE \| REQUIRED \| DEFAULT \|/);
      assert.ok(body.includes(param), `${section} has no row ${param}`);
    }
    // The nested #Route fields get their own table.
    assert.match(readme, /\| ingressProtocolType \| HTTPS adds a TLS block/);
  });

  test('each adopted definition file evaluates to the original header and parameter schema', async () => {
    for (const [name, original] of originals) {
      const adopted = await cue.inspect(textOf(result.files, `definitions/${name}.cue`)!, `definitions/${name}.cue`);
      assert.deepEqual(adopted.header, original.header, `${name}: header (incl. the customStatus block)`);
      assert.deepEqual(adopted.openapi, original.openapi, `${name}: parameter schema`);
    }
  });

  test('the files make an addon inspectAddon accepts', async () => {
    const lint = await inspectAddon(result.files, cue, { strict: true });
    assert.deepEqual(lint.diagnostics, []);
    assert.equal(lint.manifest?.metadata.system?.kubernetes, '>=1.19');
  });
});

describe('adoptDefinitions: odd CRs', () => {
  test('header strings round-trip exactly (trailing newline, \\(, \\#(, """#); no apiVersion → no system; given tags kept', async () => {
    const { cr } = await crOf(labelsTrait('team-labels'), 'team-labels.cue');
    const customStatus = 'message: "labels: \\(len(parameter.labels))"\n// a literal \\#( and a """# in a comment\n';
    cr.spec = { ...cr.spec, status: { customStatus, healthPolicy: 'isHealth: true\n' } };
    cr.metadata.annotations = { ...cr.metadata.annotations, 'team.example.com/notes': 'line one\nline "two"\n' };
    const result = await adoptDefinitions([cr], { name: 'team-labels', version: '0.1.0', description: 'Team labels', tags: ['Team'] }, cue);
    assert.deepEqual(errorsOf(result.diagnostics), [], JSON.stringify(result.diagnostics));
    const [def] = result.definitions;
    const { schematic: _s, ...attributes } = cr.spec;
    assert.deepEqual(def?.attributes, attributes);
    assert.equal(def?.annotations['team.example.com/notes'], 'line one\nline "two"\n');
    assert.deepEqual(parse(textOf(result.files, 'metadata.yaml')!), { name: 'team-labels', version: '0.1.0', description: 'Team labels', tags: ['Team'] });
  });

  test('a template CUE rejects, or a Terraform CR, comes back as an error diagnostic naming its file (not an exception); the others are still adopted', async () => {
    const { cr: good } = await crOf(labelsTrait('team-labels'), 'team-labels.cue');
    const broken: DefinitionCR = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'TraitDefinition',
      metadata: { name: 'broken-trait', annotations: { 'definition.oam.dev/description': 'Broken' } },
      spec: { schematic: { cue: { template: 'patch: metadata: labels: x: parameter.missing\nparameter: {\n\tn: int & "text"\n}\n' } } },
    };
    const terraform: DefinitionCR = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'ComponentDefinition',
      metadata: { name: 'tf-bucket' },
      spec: { schematic: { terraform: { configuration: 'resource "x" "y" {}' } } },
    };
    const result = await adoptDefinitions([broken, terraform, good], { name: 'mixed', version: '1.0.0', description: 'Mixed' }, cue);
    const errors = errorsOf(result.diagnostics);
    const files = [...new Set(errors.map((d) => d.file))].sort();
    assert.deepEqual(files, ['definitions/broken-trait.cue', 'definitions/tf-bucket.cue'], JSON.stringify(errors));
    assert.ok(errors.some((d) => d.file === 'definitions/tf-bucket.cue' && d.code === 'eterraform' && /Terraform/.test(d.message)), JSON.stringify(errors));
    assert.ok(result.files.has('definitions/broken-trait.cue'), 'written anyway, for the author to fix');
    assert.ok(!result.files.has('definitions/tf-bucket.cue'), 'nothing to write for a definition without CUE');
    assert.deepEqual(result.definitions.map((d) => d.name), ['team-labels']);
  });

  test('refuses a bad name, a bad version, and nothing to adopt (EUSAGE naming the flag)', async () => {
    const { cr } = { cr: definitionToCR({ name: 'x', type: 'trait', description: 'x', annotations: {}, labels: {}, attributes: {} }, 'parameter: {}') };
    await rejectsCode(adoptDefinitions([cr], { name: 'Bad_Name', version: '1.0.0', description: '' }, cue), 'EUSAGE', '--name', 'Bad_Name');
    await rejectsCode(adoptDefinitions([cr], { name: 'ok', version: '1.0', description: '' }, cue), 'EUSAGE', '--version', '1.0');
    await rejectsCode(adoptDefinitions([], { name: 'ok', version: '1.0.0', description: '' }, cue), 'EUSAGE', 'no definitions');
  });
});

describe('toCueLiteral', () => {
  test('single-line strings are quoted, multi-line ones become #""" blocks at the field\'s indentation', () => {
    assert.equal(toCueLiteral('one line with "quotes" and \\(x)', 0), JSON.stringify('one line with "quotes" and \\(x)'));
    assert.equal(toCueLiteral('a\n\tb', 1), '#"""\n\t\ta\n\t\t\tb\n\t\t"""#');
    assert.equal(toCueLiteral('a\n\nb', 0), '#"""\n\ta\n\n\tb\n\t"""#', 'empty lines carry no indentation');
    assert.match(toCueLiteral('a\n"""#\n', 0), /^##"""\n[\s\S]*\n\t"""##$/, 'a """# inside needs one more #');
    assert.match(toCueLiteral('a\n\\#(x)', 0), /^##"""/, 'a \\# inside would be an escape under one #');
    assert.equal(toCueLiteral('a\r\nb', 0), JSON.stringify('a\r\nb'), 'a carriage return stays escaped');
  });

  test('labels are quoted only when they are not identifiers; empty values stay short', () => {
    assert.equal(toCueLiteral({ plain: 1, 'a.b/c': true, list: [], obj: {}, n: null }, 0), '{\n\tplain: 1\n\t"a.b/c": true\n\tlist: []\n\tobj: {}\n\tn: null\n}');
    assert.equal(toCueLiteral(['x', 2, false], 0), '["x", 2, false]');
  });

  test('round-trips through CUE: every value evaluates back to itself', async () => {
    const strings = [
      'single line',
      'a\nb',
      'ends with a newline\n',
      'two trailing newlines\n\n',
      '\nstarts with a newline',
      'message: "Visiting URL: \\(_urls[0])"\nif len(_urls) > 1 {\n\tmessage: "\\(len(_urls)) routes"\n}\n',
      'a literal \\#(not interpolated) and \\#n\nand "quotes" \'single\' `back`',
      'closes early? """#\nno: """##\nnor """###',
      '\ttab-indented\n    space-indented\n\n\n  trailing spaces  \n',
      'unicode: ünïcødé ✓ \u2028 line separator\nsecond',
      'cr\r\nlf',
      'backslash at end \\\nnext',
    ];
    const value = {
      strings,
      nested: { deeper: { list: strings.map((s, i) => ({ [`k-${i}`]: s, i })) } },
      numbers: [0, -1, 1.5, 1e21],
      flags: { yes: true, no: false, nothing: null },
      'quoted-label': { 'with space': 'x\ny' },
    };
    const source = `v: ${toCueLiteral(value, 0)}\n`;
    const back = ((await cue.exportJson(source, 'v.cue')) as { v: typeof value }).v;
    strings.forEach((s, i) => assert.equal(back.strings[i], s, `string ${i}`));
    assert.deepEqual(back, value);
  });
});

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { CuePool } from '../../../core/cue/pool.ts';
import { crToDefinitionCue, crToYaml, definitionToCR, kindOfType, typeOfKind } from '../../../core/package/definition-cr.ts';
import { ingressTrait } from '../../support/definitions.ts';
import { throwsCode } from '../../support/errors.ts';

const header = {
  name: 'gateway',
  type: 'trait' as const,
  description: 'Routes traffic',
  annotations: { 'team.example.com/owner': 'platform' },
  labels: { 'custom.definition.oam.dev/ui-hidden': 'true' },
  attributes: { podDisruptive: false, appliesToWorkloads: ['deployments.apps'] },
};

describe('definitionToCR', () => {
  test('builds what `vela def apply` produces', () => {
    assert.deepEqual(definitionToCR(header, 'parameter: {}\n'), {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'TraitDefinition',
      metadata: {
        name: 'gateway',
        namespace: 'vela-system',
        annotations: { 'custom.definition.oam.dev/team.example.com/owner': 'platform', 'definition.oam.dev/description': 'Routes traffic' },
        labels: { 'custom.definition.oam.dev/ui-hidden': 'true' },
      },
      spec: { podDisruptive: false, appliesToWorkloads: ['deployments.apps'], schematic: { cue: { template: 'parameter: {}\n' } } },
    });
  });

  test('as pkg/definition/definition.go: keys outside oam.dev under custom.definition.oam.dev/, alias as definition.oam.dev/alias', () => {
    const cr = definitionToCR({ ...header, alias: 'GW', labels: { 'ui-hidden': 'true', 'definition.oam.dev/x': 'y' }, annotations: { owner: 'me' } }, 'x: 1');
    assert.deepEqual(cr.metadata.labels, { 'custom.definition.oam.dev/ui-hidden': 'true', 'definition.oam.dev/x': 'y' });
    assert.deepEqual(cr.metadata.annotations, { 'custom.definition.oam.dev/owner': 'me', 'definition.oam.dev/alias': 'GW', 'definition.oam.dev/description': 'Routes traffic' });
  });

  test('no empty annotations or labels, and the namespace can be chosen', () => {
    const cr = definitionToCR({ ...header, description: '', annotations: {}, labels: {} }, 'x: 1', 'default');
    assert.deepEqual(cr.metadata, { name: 'gateway', namespace: 'default' });
  });

  test('description: "" in the header gives an empty description annotation, as KubeVela writes it', () => {
    const cr = definitionToCR({ ...header, description: '', emptyDescription: true, annotations: {}, labels: {} }, 'x: 1');
    assert.deepEqual(cr.metadata.annotations, { 'definition.oam.dev/description': '' });
  });

  test('kinds of every type, both ways', () => {
    const pairs = [['component', 'ComponentDefinition'], ['trait', 'TraitDefinition'], ['policy', 'PolicyDefinition'], ['workflow-step', 'WorkflowStepDefinition']] as const;
    for (const [type, kind] of pairs) {
      assert.equal(kindOfType(type), kind);
      assert.equal(typeOfKind(kind), type);
    }
    assert.equal(typeOfKind('Deployment'), undefined);
  });

  test('crToYaml keeps a multi-line template as a block', () => {
    const cr = definitionToCR(header, 'parameter: {\n\tx: int\n}\n');
    const text = crToYaml(cr);
    assert.deepEqual(parse(text), cr);
    assert.match(text, /template: \|/);
  });
});

describe('crToDefinitionCue refuses', () => {
  const cr = (change: (lines: string) => string) =>
    change(`apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: x
spec:
  schematic:
    cue:
      template: |
        parameter: {}
`);
  const rows: Array<{ name: string; yaml: string; code: string; mentions: string[] }> = [
    { name: 'invalid YAML', yaml: 'kind: [\n', code: 'EBAD_DEFINITION', mentions: ['definitions/x.yaml', 'invalid YAML'] },
    { name: 'not an object', yaml: '42\n', code: 'EBAD_DEFINITION', mentions: ['definitions/x.yaml', 'document'] },
    { name: 'an unknown kind', yaml: cr((s) => s.replace('TraitDefinition', 'Trait')), code: 'EBAD_DEFINITION', mentions: ['kind', '"Trait"'] },
    { name: 'a foreign apiVersion', yaml: cr((s) => s.replace('core.oam.dev/v1beta1', 'apps/v1')), code: 'EBAD_DEFINITION', mentions: ['apiVersion', '"apps/v1"'] },
    { name: 'no metadata.name', yaml: cr((s) => s.replace('  name: x\n', '  labels: {}\n')), code: 'EBAD_DEFINITION', mentions: ['metadata.name'] },
    { name: 'no CUE template', yaml: cr((s) => s.replace(/  schematic:[\s\S]*/, '  schematic: {}\n')), code: 'EBAD_DEFINITION', mentions: ['spec.schematic.cue.template'] },
    { name: 'a Terraform schematic', yaml: cr((s) => s.replace(/  schematic:[\s\S]*/, '  schematic:\n    terraform:\n      configuration: x\n')), code: 'ETERRAFORM', mentions: ['definitions/x.yaml'] },
  ];
  for (const row of rows) {
    test(`${row.code}: ${row.name}`, () => {
      throwsCode(() => crToDefinitionCue(row.yaml, 'definitions/x.yaml'), row.code, ...row.mentions);
    });
  }
});

describe('crToDefinitionCue', () => {
  test('writes the header as CUE and hoists single and grouped imports out of the template', () => {
    const yaml = crToYaml(definitionToCR(header, 'import "strings"\nimport (\n\t"list"\n\tm "math"\n)\n\nparameter: {}\n'));
    const { cue } = crToDefinitionCue(yaml, 'definitions/gateway.yaml');
    assert.equal(cue.split('\n\n')[0], 'import "strings"\nimport (\n\t"list"\n\tm "math"\n)');
    // JSON or idiomatic CUE for the header: both are CUE; the values are what matters.
    assert.match(cue, /^gateway: \{\n\t"?type"?: "trait"/m);
    assert.match(cue, /"?description"?: "Routes traffic"/);
    assert.doesNotMatch(cue, /definition\.oam\.dev\/description/);
    assert.match(cue, /^template: \{\n\n?\tparameter: \{\}\n\}$/m);
  });

  test('quotes a name that is not a CUE identifier', () => {
    const { cue } = crToDefinitionCue(crToYaml(definitionToCR({ ...header, name: 'my-gateway' }, 'parameter: {}')), 'x.yaml');
    assert.match(cue, /^"my-gateway": \{/m);
  });
});

describe('CUE → CR → CUE round trip', () => {
  const cue = new CueEvaluator(new CuePool({ size: 2 }));
  after(() => cue.close());

  test('renders identical outputs for the same parameters (imports, a #Def, a list parameter)', async () => {
    const original = ingressTrait('gateway');
    const inspected = await cue.inspect(original, 'definitions/gateway.cue');
    const yaml = crToYaml(definitionToCR(inspected.header, inspected.template));
    const { cue: back, cr } = crToDefinitionCue(yaml, 'definitions/gateway.yaml');
    assert.equal(cr.kind, 'TraitDefinition');
    assert.match(back, /^import "strings"/, 'imports are hoisted to the top');

    const parameterSets = [
      { route: [{ host: 'A.example.com' }] },
      { route: [{ host: 'a', servicePort: 81 }, { host: 'B' }], class: 'traefik' },
      { route: [] },
    ];
    for (const parameters of parameterSets) {
      const [before, after] = await Promise.all([
        cue.render(original, 'definitions/gateway.cue', { parameters }),
        cue.render(back, 'definitions/gateway.yaml', { parameters }),
      ]);
      assert.deepEqual(after, before, JSON.stringify(parameters));
      assert.equal(Object.keys(before.outputs).length, parameters.route.length);
    }

    const again = await cue.inspect(back, 'definitions/gateway.yaml');
    assert.deepEqual(again.header, inspected.header);
    assert.deepEqual(again.openapi, inspected.openapi);
  });
});

describe('imports survive CUE ⇄ CR', () => {
  const step = `import (
	"vela/op"
	"strings"
)

"deploy-note": {
	type: "workflow-step"
	description: "Applies a ConfigMap holding a note"
}
template: {
	apply: op.#Apply & {
		value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: name: strings.ToLower(parameter.name)
			data: note: parameter.note
		}
	}
	parameter: {
		// +usage=ConfigMap name
		name: string
		// +usage=The note
		note: *"" | string
	}
}
`;
  test('a workflow step importing vela/op keeps its imports in the CR template and back, and evaluates both ways', async () => {
    const evaluator = new CueEvaluator(new CuePool({ size: 1 }));
    try {
      const inspected = await evaluator.inspect(step, 'definitions/deploy-note.cue');
      assert.match(inspected.template, /^import \(\n\t"vela\/op"\n\t"strings"\n\)/);
      const cr = definitionToCR(inspected.header, inspected.template);
      const back = crToDefinitionCue(crToYaml(cr), 'deploy-note.yaml').cue;
      assert.match(back, /^import \(/);
      const again = await evaluator.inspect(back, 'deploy-note.yaml');
      assert.deepEqual(again.kubevelaSchema, inspected.kubevelaSchema);
      assert.deepEqual(Object.keys((inspected.kubevelaSchema as { properties: object }).properties).sort(), ['name', 'note']);
    } finally {
      await evaluator.close();
    }
  });
});

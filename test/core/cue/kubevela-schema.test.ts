/**
 * The schema the engine generates is the one KubeVela stores in a definition's
 * `schema-NAME` ConfigMap (`openapi-v3-json-schema`): KubeVela's own steps —
 * `parameter` filled into `#parameter`, `openapi.Gen` with references expanded,
 * then FixOpenAPISchema (title = field name; description = the text after
 * `+usage=` and before `+short`) and kin-openapi's round trip (no null default).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { engineRunner, testEngines } from '../../support/cue-engines.ts';

const definition = `"kv-shapes": {
	type: "component"
	description: "Every parameter shape KubeVela's schema generator meets"
}
template: {
	output: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		data: name: parameter.name
	}
	#Port: {
		// +usage=Port number
		port: int
		// +usage=Protocol
		protocol: *"TCP" | "UDP"
	}
	parameter: {
		// +usage=Name of the thing
		// +short=n
		name: string
		// +usage=Optional replicas
		replicas?: int
		// +usage=Image pull policy
		pullPolicy: *"IfNotPresent" | "Always" | "Never"
		// +usage=Nested struct
		resources: {
			// +usage=CPU
			cpu: *"500m" | string
			limits?: {
				memory: string
			}
		}
		// +usage=List of structs
		ports: [...#Port]
		// +usage=Map of strings
		labels?: [string]: string
		// +usage=Nullable string
		secretName: *null | string
		// +ignore
		// +usage=Hidden from docs
		debug?: bool
		// +usage=A referenced struct
		main: #Port
	}
}
`;

const port = {
  properties: {
    port: { description: 'Port number', title: 'port', type: 'integer' },
    protocol: { default: 'TCP', description: 'Protocol', enum: ['TCP', 'UDP'], title: 'protocol', type: 'string' },
  },
  required: ['port', 'protocol'],
  type: 'object',
};

const expected = {
  properties: {
    debug: { description: 'Hidden from docs', title: 'debug', type: 'boolean' },
    labels: { additionalProperties: { type: 'string' }, description: 'Map of strings', title: 'labels', type: 'object' },
    main: { ...port, description: 'A referenced struct', title: 'main' },
    name: { description: 'Name of the thing', title: 'name', type: 'string' },
    ports: { description: 'List of structs', items: port, title: 'ports', type: 'array' },
    pullPolicy: { default: 'IfNotPresent', description: 'Image pull policy', enum: ['IfNotPresent', 'Always', 'Never'], title: 'pullPolicy', type: 'string' },
    replicas: { description: 'Optional replicas', title: 'replicas', type: 'integer' },
    resources: {
      description: 'Nested struct',
      properties: {
        cpu: { default: '500m', description: 'CPU', title: 'cpu', type: 'string' },
        limits: { properties: { memory: { title: 'memory', type: 'string' } }, required: ['memory'], title: 'limits', type: 'object' },
      },
      required: ['cpu'],
      title: 'resources',
      type: 'object',
    },
    secretName: { description: 'Nullable string', nullable: true, title: 'secretName', type: 'string' },
  },
  required: ['name', 'pullPolicy', 'resources', 'ports', 'secretName', 'main'],
  type: 'object',
};

for (const engine of testEngines) {
  describe(`${engine} engine`, () => {
    const cue = new CueEvaluator(engineRunner(engine));
    after(() => cue.close());

    describe("the schema KubeVela stores (schema-NAME ConfigMap)", () => {
      for (const line of ['v0.9', 'v0.14'] as const) {
        test(`nested structs, lists of structs, maps, enums with defaults, *null, +ignore, optional, #Defs — ${line}`, async () => {
          const inspected = await cue.inspect(definition, 'definitions/kv-shapes.cue', { line });
          assert.deepEqual(inspected.kubevelaSchema, expected);
        });
      }

      test('a template without parameter gets an empty object schema, as KubeVela stores', async () => {
        const inspected = await cue.inspect('"bare": {\n\ttype: "component"\n}\ntemplate: output: {apiVersion: "v1", kind: "ConfigMap"}\n', 'bare.cue');
        assert.deepEqual(inspected.kubevelaSchema, { type: 'object' });
      });
    });
  });
}

import { stringify } from 'yaml';
import type { JsonSchema } from './schema.ts';

/** A generated example of using a definition: its parameters and an Application. */
export interface DefinitionExample {
  /** Values for the required parameters (defaults left to the definition). */
  parameters: Record<string, unknown>;
  /** An OAM Application using the definition with those parameters. */
  application: Record<string, unknown>;
  /** The Application as YAML. */
  yaml: string;
}

/** Plausible values for common parameter names, so the example reads like a real one. */
const sampleStrings: Array<[RegExp, string]> = [
  [/image$/i, 'nginx:1.27'],
  [/(domain|host)/i, 'app.example.com'],
  [/url$/i, 'https://charts.example.com'],
  [/chart$/i, 'example-chart'],
  [/mountpath$/i, '/data'],
  [/path$/i, '/'],
  [/^cpu$/i, '500m'],
  [/memory$/i, '512Mi'],
  [/size$/i, '1Gi'],
  [/(version|tag)$/i, '1.0.0'],
];

function sampleString(name: string): string {
  return sampleStrings.find(([re]) => re.test(name))?.[1] ?? 'example';
}

function sample(schema: JsonSchema, name: string): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives && alternatives.length > 0) return sample(alternatives[0]!, name);
  switch (schema.type) {
    case 'string':
      return sampleString(name);
    case 'integer':
      return /port$/i.test(name) ? 80 : typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return schema.items ? [sample(schema.items, name)] : [];
    case 'object':
      return sampleObject(schema);
    default:
      return 'example';
  }
}

/** The required fields of a struct (those with a default are left out: the definition fills them). */
function sampleObject(schema: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (!required.has(name) || prop.default !== undefined || prop['x-ignore']) continue;
    out[name] = sample(prop, name);
  }
  return out;
}

/** Example values for a definition's required parameters, generated from its schema. */
export function exampleParameters(schema: JsonSchema): Record<string, unknown> {
  return sampleObject(schema);
}

/**
 * An Application that uses the definition with example parameters: as a
 * component, as a trait of a `webservice` component, as a policy, or as a
 * workflow step.
 */
export function exampleApplication(definition: { name: string; type: string; schema: JsonSchema }): DefinitionExample {
  const parameters = exampleParameters(definition.schema);
  const properties = parameters;
  const spec: Record<string, unknown> = {};
  const web = { name: 'example', type: 'webservice', properties: { image: 'nginx:1.27', ports: [{ port: 80, expose: true }] } };
  switch (definition.type) {
    case 'component':
      spec.components = [{ name: 'example', type: definition.name, properties }];
      break;
    case 'trait':
      spec.components = [{ ...web, traits: [{ type: definition.name, properties }] }];
      break;
    case 'policy':
      spec.components = [web];
      spec.policies = [{ name: `example-${definition.name}`, type: definition.name, properties }];
      break;
    default:
      spec.components = [web];
      spec.workflow = { steps: [{ name: `example-${definition.name}`, type: definition.name, properties }] };
  }
  const application = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: `${definition.name}-example` }, spec };
  return { parameters, application, yaml: stringify(application, { lineWidth: 0 }) };
}

import { parse } from '@cdktf/hcl2json';
import { VelahubError } from '../errors.ts';
import type { JsonSchema } from '../params/schema.ts';
import { typeConstraintToSchema } from './type-constraint.ts';

interface HclVariable {
  type?: string;
  default?: unknown;
  description?: string;
  sensitive?: boolean;
  nullable?: boolean;
}

/** The JSON Schema type of a default value, for variables declared without a type. */
function schemaOfValue(v: unknown): JsonSchema {
  if (typeof v === 'string') return { type: 'string' };
  if (typeof v === 'number') return { type: 'number' };
  if (typeof v === 'boolean') return { type: 'boolean' };
  if (Array.isArray(v)) return { type: 'array' };
  if (v && typeof v === 'object') return { type: 'object' };
  return {};
}

/**
 * The parameter schema of a Terraform module given inline as HCL, as KubeVela
 * derives it: one parameter per `variable` block (name, type, default,
 * description; required when it has no default). Parsed with HashiCorp's own
 * HCL parser (compiled to WebAssembly).
 */
export async function terraformParameterSchema(hcl: string, file: string): Promise<JsonSchema> {
  let doc: { variable?: Record<string, HclVariable[]> };
  try {
    doc = (await parse(file, hcl)) as typeof doc;
  } catch (err) {
    throw new VelahubError('EBAD_TERRAFORM', `${file}: the Terraform configuration does not parse: ${String((err as Error).message ?? err).split('\n')[0]}`, { path: file });
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, blocks] of Object.entries(doc.variable ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const v = blocks[0] ?? {};
    const schema: JsonSchema = { title: name, ...(v.type ? typeConstraintToSchema(v.type) : schemaOfValue(v.default)) };
    if (v.description) schema.description = v.description;
    if (v.default !== undefined && v.default !== null) schema.default = v.default;
    if (v.sensitive) schema['x-sensitive'] = true;
    properties[name] = schema;
    if (v.default === undefined) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}

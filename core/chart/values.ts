import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { Ajv } from 'ajv';
import type { Diagnostic } from '../diagnostics.ts';
import type { JsonSchema } from '../params/schema.ts';

/** values.yaml read: the values as data, or the diagnostics that say why not. */
export interface ParsedValues {
  values?: Record<string, unknown>;
  /** The schema inferred from the values, with comments as descriptions. */
  inferred?: JsonSchema;
  diagnostics: Diagnostic[];
}

/**
 * Reads values.yaml: a YAML mapping (or an empty file). Every parse error is
 * reported with its line, and a schema is inferred from the values — types from
 * the values themselves, descriptions from the comment above a key (or after it
 * on the same line; helm-docs' `# --` prefix is dropped) — for charts that ship
 * no values.schema.json.
 */
export function parseValues(text: string, file = 'values.yaml'): ParsedValues {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    return {
      diagnostics: doc.errors.map((e) => ({
        severity: 'error',
        code: 'chart-values-yaml',
        file,
        line: e.linePos?.[0]?.line,
        column: e.linePos?.[0]?.col,
        message: `${file} is not valid YAML: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { values: {}, inferred: { type: 'object', properties: {} }, diagnostics: [] };
  if (!isMap(root)) {
    return { diagnostics: [{ severity: 'error', code: 'chart-values-yaml', file, line: 1, message: `${file} must be a YAML mapping of values (key: value), got a ${isSeq(root) ? 'list' : 'scalar'}` }] };
  }
  return { values: doc.toJS() as Record<string, unknown>, inferred: inferNode(root, undefined), diagnostics: [] };
}

/** The comment block nearest a key: the last paragraph of the comment above it, without `#` and `--`. */
function describe(above: string | null | undefined, inline: string | null | undefined): string | undefined {
  const block = above?.split(/\n\s*\n/).pop()?.trim();
  const text = (block || inline?.trim() || '')
    .split('\n')
    .map((l) => l.trim().replace(/^--\s?/, '').trim())
    .filter(Boolean)
    .join(' ');
  return text || undefined;
}

function inferNode(node: Node | null, description: string | undefined): JsonSchema {
  const out: JsonSchema = {};
  if (isMap(node)) {
    out.type = 'object';
    out.properties = {};
    node.items.forEach((pair, i) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      // The comment before a map's first key is kept on the map itself by the parser.
      // A nested map's own commentBefore describes its first key, not the map.
      const above = keyNode?.commentBefore ?? (isMap(valueNode) ? undefined : valueNode?.commentBefore) ?? (i === 0 ? node.commentBefore : undefined);
      out.properties![key] = { title: key, ...inferNode(valueNode, describe(above, valueNode?.comment)) };
    });
  } else if (isSeq(node)) {
    out.type = 'array';
    const first = node.items[0] as Node | undefined;
    if (first !== undefined) out.items = inferNode(first, undefined);
    out.default = node.toJSON();
  } else if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') out.type = 'string';
    else if (typeof v === 'boolean') out.type = 'boolean';
    else if (typeof v === 'number') out.type = Number.isInteger(v) ? 'integer' : 'number';
    if (v !== null && v !== undefined) out.default = v;
  }
  if (description) out.description = description;
  return out;
}

/** A path in the form users write it: `image.tag`, `ports[0].name`. */
function valuePath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';
}

/** values.schema.json read: the schema, or why it cannot be used. */
export interface ParsedSchema {
  schema?: JsonSchema;
  diagnostics: Diagnostic[];
}

/**
 * Reads values.schema.json: JSON, an object, and a schema Ajv can compile
 * (Helm refuses to install a chart whose schema does not compile either).
 */
export function parseValuesSchema(text: string, file = 'values.schema.json'): ParsedSchema {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    return { diagnostics: [{ severity: 'error', code: 'chart-values-schema', file, message: `${file} is not valid JSON: ${(err as Error).message}` }] };
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return { diagnostics: [{ severity: 'error', code: 'chart-values-schema', file, message: `${file} must be a JSON Schema object, got ${Array.isArray(schema) ? 'an array' : JSON.stringify(schema)}` }] };
  }
  try {
    compile(schema as JsonSchema);
  } catch (err) {
    return { diagnostics: [{ severity: 'error', code: 'chart-values-schema', file, message: `${file} is not a usable JSON Schema: ${(err as Error).message}` }] };
  }
  return { schema: schema as JsonSchema, diagnostics: [] };
}

const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, verbose: true });
const compiled = new WeakMap<JsonSchema, ReturnType<Ajv['compile']>>();

function compile(schema: JsonSchema) {
  let fn = compiled.get(schema);
  if (!fn) {
    // $schema names a draft; Helm ignores which one, and so do we (Ajv's draft-07 vocabulary).
    const { $schema: _draft, ...rest } = schema;
    fn = ajv.compile(rest);
    compiled.set(schema, fn);
  }
  return fn;
}

/**
 * Checks values against values.schema.json, as `helm install` does before it
 * renders: every violation, each naming the value's path in values.yaml.
 */
export function validateValues(schema: JsonSchema, values: unknown, file = 'values.yaml'): Diagnostic[] {
  const validate = compile(schema);
  if (validate(values)) return [];
  const out: Diagnostic[] = [];
  for (const err of validate.errors ?? []) {
    const p = err.params as Record<string, unknown>;
    const field = err.keyword === 'required' ? valuePath(err.instancePath, String(p.missingProperty)) : err.keyword === 'additionalProperties' ? valuePath(err.instancePath, String(p.additionalProperty)) : valuePath(err.instancePath);
    const data = (err as { data?: unknown }).data;
    let message: string;
    if (err.keyword === 'required') message = `value "${field}" is required by values.schema.json`;
    else if (err.keyword === 'additionalProperties') message = `value "${field}" is not allowed by values.schema.json (additionalProperties is false)`;
    else if (err.keyword === 'enum') message = `value "${field}" is ${JSON.stringify(data)}: values.schema.json allows ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    else message = `value "${field}" is ${JSON.stringify(data)}: values.schema.json says it ${err.message ?? 'is invalid'}`;
    out.push({ severity: 'error', code: `chart-values-${err.keyword}`, file, field, message });
  }
  return out;
}

/**
 * The schema a values table is built from: values.schema.json with each
 * missing `default` taken from values.yaml, so the table shows what a chart
 * really uses when nothing is set.
 */
export function withDefaults(schema: JsonSchema, values: unknown): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (out.default === undefined && values !== undefined && values !== null && (typeof values !== 'object' || Array.isArray(values))) out.default = values;
  if (schema.properties && values && typeof values === 'object' && !Array.isArray(values)) {
    const v = values as Record<string, unknown>;
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, withDefaults(s, v[k])]));
  }
  return out;
}

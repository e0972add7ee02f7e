/** A JSON Schema / OpenAPI v3 schema object, as CUE generates it. */
export type JsonSchema = {
  type?: string;
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  [key: string]: unknown;
};

/**
 * Turns CUE's OpenAPI output for `#parameter` into the schema velahub stores:
 * references expanded (as KubeVela's generator does), `title` = field name,
 * comment markers read into `description` / `x-short` / `x-alias` / `x-ignore` /
 * `x-immutable`, and fields with a default dropped from `required` (KubeVela
 * treats a defaulted field as not required).
 */
export function parameterSchemaFromOpenApi(doc: Record<string, unknown>): JsonSchema {
  const schemas = ((doc.components as { schemas?: Record<string, JsonSchema> } | undefined)?.schemas ?? {}) as Record<
    string,
    JsonSchema
  >;
  const root = schemas.parameter ?? { type: 'object', properties: {} };
  return normalize(expand(root, schemas, []), undefined);
}

function expand(node: JsonSchema, schemas: Record<string, JsonSchema>, stack: string[]): JsonSchema {
  if (node.$ref) {
    const name = node.$ref.replace('#/components/schemas/', '');
    const target = schemas[name];
    const { $ref: _ignored, ...rest } = node;
    // A recursive definition cannot be expanded; keep it as an open object.
    if (!target || stack.includes(name)) return { type: 'object', ...rest, 'x-recursive': name };
    return expand({ ...target, ...rest }, schemas, [...stack, name]);
  }
  if (node.allOf?.length === 1 && !node.properties) {
    // `x: #Def & {}` (see the CUE bridge): fold the single allOf into the field, keeping its own docs.
    const { allOf, ...rest } = node;
    const inner = expand(allOf[0]!, schemas, stack);
    return { ...inner, ...rest, type: inner.type ?? rest.type, ...(rest.description ? { description: rest.description } : {}) };
  }
  const out: JsonSchema = { ...node };
  if (node.properties) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, expand(v, schemas, stack)]));
  }
  if (node.items) out.items = expand(node.items, schemas, stack);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    out.additionalProperties = expand(node.additionalProperties, schemas, stack);
  }
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    if (node[key]) out[key] = node[key]!.map((s) => expand(s, schemas, stack));
  }
  return out;
}

/** Reads `+usage=`, `+short=`, `+alias=`, `+ignore`, `+immutable` out of a CUE comment. */
export function parseMarkers(comment: string | undefined): {
  usage?: string;
  short?: string;
  alias?: string;
  ignore?: boolean;
  immutable?: boolean;
  rest?: string;
} {
  if (!comment) return {};
  const out: ReturnType<typeof parseMarkers> = {};
  const rest: string[] = [];
  for (const raw of comment.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^\+usage=(.*)$/.exec(line))) out.usage = m[1]!.trim();
    else if ((m = /^\+short=(.*)$/.exec(line))) out.short = m[1]!.trim();
    else if ((m = /^\+alias=(.*)$/.exec(line))) out.alias = m[1]!.trim();
    else if (line === '+ignore') out.ignore = true;
    else if (line === '+immutable') out.immutable = true;
    else if (/^\+\w+/.test(line)) continue;
    else if (line) rest.push(line);
  }
  if (rest.length > 0) out.rest = rest.join(' ');
  return out;
}

function normalize(node: JsonSchema, name: string | undefined): JsonSchema {
  const out: JsonSchema = { ...node };
  if (name !== undefined) out.title = name;
  const markers = parseMarkers(node.description);
  delete out.description;
  const description = markers.usage ?? markers.rest;
  if (description) out.description = description;
  if (markers.short) out['x-short'] = markers.short;
  if (markers.alias) out['x-alias'] = markers.alias;
  if (markers.ignore) out['x-ignore'] = true;
  if (markers.immutable) out['x-immutable'] = true;
  if (node.properties && node.additionalProperties && typeof node.default === 'object' && node.default !== null) {
    // A map with a default (`{[string]: string} & (*{A: "x"} | {...})`): CUE's encoder lists the
    // default's keys as fixed properties (`A: enum ["x"]`). They are the default, not fields.
    const def = node.default as Record<string, unknown>;
    const fromDefault = (k: string, v: JsonSchema) => v.enum?.length === 1 && JSON.stringify(v.enum[0]) === JSON.stringify(def[k]);
    const kept = Object.entries(node.properties).filter(([k, v]) => !fromDefault(k, v));
    if (kept.length === 0) {
      delete out.properties;
      delete out.required;
      return normalizeRest(node, out);
    }
  }
  if (node.properties) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, normalize(v, k)]));
    const required = (node.required ?? []).filter((k) => node.properties![k]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return normalizeRest(node, out);
}

function normalizeRest(node: JsonSchema, out: JsonSchema): JsonSchema {
  if (node.items) out.items = normalize(node.items, undefined);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    out.additionalProperties = normalize(node.additionalProperties, undefined);
  }
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    if (node[key]) out[key] = node[key]!.map((s) => normalize(s, undefined));
  }
  return out;
}

/**
 * Marks each struct that is a named `#Def` (a field's own value, a list's
 * element or a map's value) with `x-definition: NAME`, read from CUE's OpenAPI
 * document with references kept; the docs title its table with that name.
 */
export function markDefinitions(schema: JsonSchema, refsDoc: Record<string, unknown>): JsonSchema {
  const schemas = ((refsDoc.components as { schemas?: Record<string, JsonSchema> } | undefined)?.schemas ?? {}) as Record<string, JsonSchema>;
  const nameOf = (node: JsonSchema | undefined) => node?.$ref?.replace('#/components/schemas/', '');
  const mark = (target: JsonSchema, refs: JsonSchema | undefined, seen: string[]): JsonSchema => {
    if (!refs) return target;
    const name = nameOf(refs) ?? nameOf(refs.allOf?.length === 1 ? refs.allOf[0] : undefined);
    const body = name ? schemas[name] : refs;
    if (name && seen.includes(name)) return target;
    const next = name ? [...seen, name] : seen;
    const out: JsonSchema = { ...target };
    if (name && target.type === 'object' && target.properties) out['x-definition'] = name;
    if (target.properties && body?.properties) {
      out.properties = Object.fromEntries(Object.entries(target.properties).map(([k, v]) => [k, mark(v, body.properties![k], next)]));
    }
    if (target.items && body?.items) out.items = mark(target.items, body.items, next);
    if (target.additionalProperties && typeof target.additionalProperties === 'object' && body?.additionalProperties && typeof body.additionalProperties === 'object') {
      out.additionalProperties = mark(target.additionalProperties, body.additionalProperties, next);
    }
    return out;
  };
  return mark(schema, schemas.parameter, []);
}

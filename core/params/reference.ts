import type { JsonSchema } from './schema.ts';

/** One row of a parameter table (`vela show`'s columns, plus short/alias). */
export interface ParamDoc {
  name: string;
  /** Dotted path from the root, e.g. `route.annotations` (list items are not indexed). */
  path: string;
  description: string;
  /** Display type: `string`, `int`, `"a" or "b"`, `[]string`, `[]{...}`, `map[string]string`. */
  type: string;
  required: boolean;
  default?: unknown;
  immutable: boolean;
  short?: string;
  alias?: string;
  /** Anchor of the sub-table describing this parameter's nested fields. */
  table?: string;
  /** For a disjunction of structs: one sub-table per alternative (`type-option-1`, …), as `vela show` lists them. */
  options?: string[];
}

/** A table of parameters: the root one, then one per nested struct. */
export interface ParamTable {
  /** `''` for the root, else the dotted path of the struct it documents. */
  path: string;
  /** The named CUE definition (`#Route`) the struct is, when it is one. */
  definition?: string;
  params: ParamDoc[];
}

/**
 * Builds the parameter reference of a schema: the root table, then one table per
 * nested struct (through lists and maps too), in depth-first order. Parameters
 * marked `+ignore` are left out, as `vela show` does.
 */
export function parameterReference(schema: JsonSchema): ParamTable[] {
  const tables: ParamTable[] = [];
  walk(schema, '', tables);
  return tables;
}

function walk(schema: JsonSchema, path: string, tables: ParamTable[]): void {
  const table: ParamTable = { path, params: [] };
  if (path && typeof schema['x-definition'] === 'string') table.definition = schema['x-definition'];
  tables.push(table);
  const required = new Set(schema.required ?? []);
  const nested: Array<[JsonSchema, string]> = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (prop['x-ignore']) continue;
    const childPath = path ? `${path}.${name}` : name;
    const struct = structOf(prop);
    const doc: ParamDoc = {
      name,
      path: childPath,
      description: prop.description ?? '',
      type: typeName(prop),
      required: required.has(name) && prop.default === undefined,
      immutable: prop['x-immutable'] === true,
    };
    if (prop.default !== undefined) doc.default = prop.default;
    if (typeof prop['x-short'] === 'string') doc.short = prop['x-short'];
    if (typeof prop['x-alias'] === 'string') doc.alias = prop['x-alias'];
    const options = struct ? structOptions(struct) : undefined;
    if (struct && options) {
      doc.options = options.map((_, i) => `${childPath}.type-option-${i + 1}`);
      doc.type = (prop.type === 'array' ? '[]' : '') + options.map((_, i) => `type-option-${i + 1}`).join(' or ');
      options.forEach((option, i) => nested.push([option, doc.options![i]!]));
    } else if (struct) {
      doc.table = childPath;
      nested.push([struct, childPath]);
    }
    table.params.push(doc);
  }
  for (const [struct, childPath] of nested) walk(struct, childPath, tables);
}

/**
 * The alternatives of a disjunction of structs. CUE's OpenAPI encoder folds
 * `{a: string} | {b: {...}}` into one object whose `oneOf` lists, per
 * alternative, the fields it requires; each alternative becomes a struct of
 * those fields (required) and the fields no alternative requires (optional).
 */
function structOptions(s: JsonSchema): JsonSchema[] | undefined {
  const alternatives = s.oneOf ?? s.anyOf;
  if (!alternatives || alternatives.length < 2 || !s.properties) return undefined;
  if (!alternatives.every((a) => Array.isArray(a.required) && a.required.length > 0 && a.type === undefined)) return undefined;
  const claimed = new Set(alternatives.flatMap((a) => a.required!));
  const shared = Object.keys(s.properties).filter((k) => !claimed.has(k));
  return alternatives.map((a) => {
    const keys = [...a.required!, ...shared].filter((k) => s.properties![k]);
    return { type: 'object', required: [...new Set([...a.required!, ...(s.required ?? [])])], properties: Object.fromEntries(keys.map((k) => [k, s.properties![k]!])) };
  });
}

/** The struct schema nested in `s` (itself, a list's items, a map's values), if any. */
function structOf(s: JsonSchema): JsonSchema | undefined {
  if (isStruct(s)) return s;
  if (s.type === 'array' && s.items && isStruct(s.items)) return s.items;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object' && isStruct(s.additionalProperties)) {
    return s.additionalProperties;
  }
  return undefined;
}

/** True when `s` is a struct: an object schema with named properties (not a map, not `{}`). */
export function isStruct(s: JsonSchema | undefined): boolean {
  return s?.type === 'object' && s.properties !== undefined && Object.keys(s.properties).length > 0;
}

/** The display type of a schema, in `vela show`'s Go-like notation. */
export function typeName(s: JsonSchema): string {
  if (s.enum && s.enum.length > 0) return s.enum.map((v) => JSON.stringify(v)).join(' or ');
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives && alternatives.length > 0) return [...new Set(alternatives.map(typeName))].join(' or ');
  switch (s.type) {
    case 'integer':
      return 'int';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'array':
      return `[]${s.items ? typeName(s.items) : '_'}`;
    case 'object': {
      if (isStruct(s)) return '{...}';
      const ap = s.additionalProperties;
      if (ap && typeof ap === 'object') return `map[string]${typeName(ap)}`;
      return 'map[string]_';
    }
    default:
      return s.type ?? '_';
  }
}

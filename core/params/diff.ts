import type { JsonSchema } from './schema.ts';
import { typeName } from './reference.ts';

/** What kind of change a schema change is. */
export type ChangeKind =
  | 'removed'
  | 'added'
  | 'added-required'
  | 'became-required'
  | 'became-optional'
  | 'type-changed'
  | 'type-widened'
  | 'enum-value-removed'
  | 'enum-value-added'
  | 'enum-added'
  | 'enum-removed'
  | 'default-changed'
  | 'description-changed'
  | 'immutable-changed';

/** One difference between two versions of a parameter schema. */
export interface SchemaChange {
  /** Dotted parameter path; `[]` marks list items, `{}` map values. */
  path: string;
  kind: ChangeKind;
  /** True when existing Applications may stop validating or rendering. */
  breaking: boolean;
  message: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Compares two parameter schemas and classifies every change. Breaking: a
 * parameter removed, a type narrowed or changed, a parameter became required
 * (or a new one is required), an enum value removed or an enum imposed.
 * Compatible: new optional parameters, widened types, new enum values, changed
 * defaults and descriptions (reported, not breaking).
 */
export function diffSchemas(before: JsonSchema, after: JsonSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  compare(before, after, '', changes);
  return changes;
}

/** Only the breaking changes of a diff. */
export function breakingChanges(changes: readonly SchemaChange[]): SchemaChange[] {
  return changes.filter((c) => c.breaking);
}

/** The part of a definition that a diff compares. */
export interface DiffableDefinition {
  name: string;
  type: string;
  schema: JsonSchema;
}

/** One definition's changes between two versions of an addon. */
export interface DefinitionDiff {
  /** `type/name`, e.g. `trait/gateway`. */
  definition: string;
  type: string;
  name: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  /** A removed definition, or a change that breaks existing Applications. */
  breaking: boolean;
  changes: SchemaChange[];
}

/**
 * Compares the definitions of two versions of an addon, matched by type and
 * name, sorted by `type/name`: the one comparison behind the registry's diff,
 * publish's breaking-change check and the installer's upgrade report.
 */
export function diffManifests(before: { definitions: readonly DiffableDefinition[] }, after: { definitions: readonly DiffableDefinition[] }): DefinitionDiff[] {
  const key = (d: DiffableDefinition) => `${d.type}/${d.name}`;
  const a = new Map(before.definitions.map((d) => [key(d), d]));
  const b = new Map(after.definitions.map((d) => [key(d), d]));
  return [...new Set([...a.keys(), ...b.keys()])].sort().map((definition) => {
    const da = a.get(definition);
    const db = b.get(definition);
    const { type, name } = (da ?? db)!;
    if (!da) return { definition, type, name, status: 'added', breaking: false, changes: [] };
    if (!db) return { definition, type, name, status: 'removed', breaking: true, changes: [] };
    const changes = diffSchemas(da.schema, db.schema);
    return { definition, type, name, status: changes.length ? 'changed' : 'unchanged', breaking: changes.some((c) => c.breaking), changes };
  });
}

/**
 * One definition's changes between two versions, a removed definition counted as
 * one breaking change (path `(definition)`, kind `removed`, worded by `removedMessage`):
 * the rule publish refuses by and an upgrade reports by. An added definition has none.
 */
export function definitionChanges(diff: DefinitionDiff, removedMessage: string): SchemaChange[] {
  if (diff.status === 'removed') return [{ path: '(definition)', kind: 'removed', breaking: true, message: removedMessage }];
  return diff.changes;
}

function compare(a: JsonSchema, b: JsonSchema, path: string, out: SchemaChange[]): void {
  const where = path || '(root)';
  const ta = baseType(a);
  const tb = baseType(b);
  if (ta !== tb) {
    const widened = ta === 'integer' && tb === 'number' || tb === 'any' || (b.oneOf ?? b.anyOf ?? []).some((alt) => baseType(alt) === ta);
    out.push({
      path: where,
      kind: widened ? 'type-widened' : 'type-changed',
      breaking: !widened,
      message: `type of "${where}" changed from ${typeName(a)} to ${typeName(b)}`,
      before: typeName(a),
      after: typeName(b),
    });
    return;
  }
  compareEnums(a, b, where, out);
  if (JSON.stringify(a.default) !== JSON.stringify(b.default) && path) {
    out.push({ path: where, kind: 'default-changed', breaking: false, message: `default of "${where}" changed from ${show(a.default)} to ${show(b.default)}`, before: a.default, after: b.default });
  }
  if ((a.description ?? '') !== (b.description ?? '') && path) {
    out.push({ path: where, kind: 'description-changed', breaking: false, message: `description of "${where}" changed`, before: a.description, after: b.description });
  }
  if (Boolean(a['x-immutable']) !== Boolean(b['x-immutable']) && path) {
    out.push({ path: where, kind: 'immutable-changed', breaking: Boolean(b['x-immutable']), message: `"${where}" is ${b['x-immutable'] ? 'now' : 'no longer'} immutable`, before: Boolean(a['x-immutable']), after: Boolean(b['x-immutable']) });
  }
  if (a.properties || b.properties) compareProperties(a, b, path, out);
  if (a.items && b.items) compare(a.items, b.items, `${path}[]`, out);
  const apA = typeof a.additionalProperties === 'object' ? a.additionalProperties : undefined;
  const apB = typeof b.additionalProperties === 'object' ? b.additionalProperties : undefined;
  if (apA && apB) compare(apA, apB, `${path}{}`, out);
}

function compareProperties(a: JsonSchema, b: JsonSchema, path: string, out: SchemaChange[]): void {
  const pa = a.properties ?? {};
  const pb = b.properties ?? {};
  const reqA = new Set(a.required ?? []);
  const reqB = new Set(b.required ?? []);
  const open = b.additionalProperties === true || (b.properties === undefined && b.additionalProperties === undefined);
  for (const name of Object.keys(pa)) {
    const child = path ? `${path}.${name}` : name;
    if (!(name in pb)) {
      out.push({ path: child, kind: 'removed', breaking: !open, message: `parameter "${child}" was removed` });
      continue;
    }
    const wasRequired = reqA.has(name);
    const isRequired = reqB.has(name);
    if (!wasRequired && isRequired) {
      out.push({ path: child, kind: 'became-required', breaking: true, message: `parameter "${child}" became required` });
    } else if (wasRequired && !isRequired) {
      out.push({ path: child, kind: 'became-optional', breaking: false, message: `parameter "${child}" is now optional` });
    }
    compare(pa[name]!, pb[name]!, child, out);
  }
  for (const name of Object.keys(pb)) {
    if (name in pa) continue;
    const child = path ? `${path}.${name}` : name;
    const required = reqB.has(name);
    out.push({
      path: child,
      kind: required ? 'added-required' : 'added',
      breaking: required,
      message: required ? `required parameter "${child}" was added` : `optional parameter "${child}" was added`,
    });
  }
}

function compareEnums(a: JsonSchema, b: JsonSchema, where: string, out: SchemaChange[]): void {
  if (!a.enum && !b.enum) return;
  if (a.enum && !b.enum) {
    out.push({ path: where, kind: 'enum-removed', breaking: false, message: `"${where}" no longer restricts its values` });
    return;
  }
  if (!a.enum && b.enum) {
    out.push({ path: where, kind: 'enum-added', breaking: true, message: `"${where}" now only accepts ${b.enum.map(show).join(', ')}`, after: b.enum });
    return;
  }
  const before = new Set(a.enum!.map((v) => JSON.stringify(v)));
  const after = new Set(b.enum!.map((v) => JSON.stringify(v)));
  for (const v of before) {
    if (!after.has(v)) out.push({ path: where, kind: 'enum-value-removed', breaking: true, message: `value ${v} of "${where}" is no longer accepted`, before: JSON.parse(v) });
  }
  for (const v of after) {
    if (!before.has(v)) out.push({ path: where, kind: 'enum-value-added', breaking: false, message: `"${where}" now also accepts ${v}`, after: JSON.parse(v) });
  }
}

function baseType(s: JsonSchema): string {
  if (s.oneOf || s.anyOf) return 'union';
  return s.type ?? 'any';
}

function show(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v);
}

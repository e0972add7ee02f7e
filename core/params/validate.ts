import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from '../diagnostics.ts';
import type { JsonSchema } from './schema.ts';
import { closest } from '../package/did-you-mean.ts';

const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, verbose: true });
const cache = new WeakMap<JsonSchema, ValidateFunction>();

/**
 * Closes every struct that lists its properties, so a misspelt parameter is an
 * error instead of being ignored; structs without properties stay open.
 */
function closeStructs(s: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...s };
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, closeStructs(v)]));
    if (s.additionalProperties === undefined) out.additionalProperties = false;
  }
  if (s.items) out.items = closeStructs(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = closeStructs(s.additionalProperties);
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) if (s[key]) out[key] = s[key]!.map(closeStructs);
  return out;
}

/** A parameter path in the form users write it: `route[0].servicePort`. */
function paramPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(parameters)';
}

/**
 * Validates parameter values against a definition's schema and returns every
 * problem, each naming the parameter and saying what would be valid.
 */
export function validateParameters(schema: JsonSchema, values: unknown, file = 'parameters'): Diagnostic[] {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(closeStructs(schema));
    cache.set(schema, validate);
  }
  if (validate(values)) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    if (err.keyword === 'oneOf' || err.keyword === 'anyOf' || err.keyword === 'if') continue;
    const d = toDiagnostic(err, file, schema);
    const key = `${d.code}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function toDiagnostic(err: ErrorObject, file: string, root: JsonSchema): Diagnostic {
  const p = err.params as Record<string, unknown>;
  const at = paramPath(err.instancePath);
  const data = (err as ErrorObject & { data?: unknown }).data;
  let message: string;
  let field = at;
  switch (err.keyword) {
    case 'required':
      field = paramPath(err.instancePath, String(p.missingProperty));
      message = `parameter "${field}" is required`;
      break;
    case 'additionalProperties': {
      field = paramPath(err.instancePath, String(p.additionalProperty));
      const known = Object.keys(schemaAt(root, err.schemaPath)?.properties ?? {});
      const guess = closest(String(p.additionalProperty), known);
      message = `unknown parameter "${field}"${guess ? `; did you mean "${guess}"?` : known.length ? `; valid: ${known.join(', ')}` : ''}`;
      break;
    }
    case 'type':
      message = `parameter "${at}" must be ${article(String(p.type))}, got ${JSON.stringify(data)}`;
      break;
    case 'enum':
      message = `parameter "${at}" is ${JSON.stringify(data)}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'pattern':
      message = `parameter "${at}" is ${JSON.stringify(data)}: must match ${String(p.pattern)}`;
      break;
    default:
      message = `parameter "${at}" ${err.message ?? 'is invalid'}`;
  }
  return { severity: 'error', code: `parameter-${err.keyword}`, file, message, field };
}

function article(type: string): string {
  const names: Record<string, string> = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'a boolean (true or false)', object: 'a map', array: 'a list' };
  return names[type] ?? type;
}

function schemaAt(root: JsonSchema, schemaPath: string): JsonSchema | undefined {
  let node: unknown = closeStructs(root);
  for (const part of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    if (node && typeof node === 'object') node = (node as Record<string, unknown>)[part];
  }
  return node as JsonSchema | undefined;
}

import { VelahubError } from '../errors.ts';
import type { JsonSchema } from './schema.ts';

type Segment = string | number;

function parsePath(path: string, expr: string): Segment[] {
  const segments: Segment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  let consumed = '';
  while ((m = re.exec(path))) {
    segments.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
    consumed += m[0];
  }
  if (segments.length === 0 || consumed.length !== path.replace(/\./g, '').length) {
    throw new VelahubError('EBAD_SET', `--set ${JSON.stringify(expr)}: invalid key ${JSON.stringify(path)}`, { path: '--set', hint: 'write key=value, e.g. route[0].domain=example.com' });
  }
  return segments;
}

function schemaFor(schema: JsonSchema | undefined, segments: Segment[]): JsonSchema | undefined {
  let s = schema;
  for (const seg of segments) {
    if (!s) return undefined;
    if (typeof seg === 'number') s = s.items;
    else s = s.properties?.[seg] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
  }
  return s;
}

/**
 * Converts a `--set` value as Helm does (`true`, `false`, `null`, integers,
 * `{a,b}` lists), except that a parameter the schema types as a string stays a
 * string — so `--set tag=1.20` means "1.20", not 1.2.
 */
function coerce(raw: string, target: JsonSchema | undefined): unknown {
  if (target?.type === 'string') return raw;
  if (raw.startsWith('{') && raw.endsWith('}')) {
    return raw.slice(1, -1).split(',').filter((s) => s !== '').map((s) => coerce(s.trim(), target?.items));
  }
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?(0|[1-9]\d*)$/.test(raw)) return Number(raw);
  if ((target?.type === 'number') && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * Applies one `--set key=value` (Helm syntax: dotted keys, `[i]` list indexes)
 * to a values object, typing the value with the parameter schema when given.
 */
export function applySet(values: Record<string, unknown>, expr: string, schema?: JsonSchema): Record<string, unknown> {
  const eq = expr.indexOf('=');
  if (eq <= 0) {
    throw new VelahubError('EBAD_SET', `--set ${JSON.stringify(expr)}: expected key=value`, { path: '--set', hint: 'e.g. --set replicas=3' });
  }
  const segments = parsePath(expr.slice(0, eq), expr);
  const value = coerce(expr.slice(eq + 1), schemaFor(schema, segments));
  let node: Record<string | number, unknown> = values;
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (last) {
      node[seg] = value;
      return;
    }
    const nextIsIndex = typeof segments[i + 1] === 'number';
    const existing = node[seg];
    if (existing === undefined || existing === null || typeof existing !== 'object') node[seg] = nextIsIndex ? [] : {};
    node = node[seg] as Record<string | number, unknown>;
  });
  return values;
}

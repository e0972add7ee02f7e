import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { parseDocument, LineCounter, isMap, isScalar, type Document } from 'yaml';
import metadataSchema from '../../schemas/addon-metadata.schema.json' with { type: 'json' };
import { hasErrors, type Diagnostic } from '../diagnostics.ts';
import { isVersion, parseRange, versionProblem } from './versions.ts';
import { closest } from './did-you-mean.ts';
import { aliasMessage, maxYamlAliases } from './yaml-limits.ts';
import { parseYamlAsKubeVela } from './kubevela-yaml.ts';

/** An addon's metadata.yaml, as KubeVela reads it. */
export interface AddonMetadata {
  name: string;
  version: string;
  description?: string;
  icon?: string;
  url?: string;
  tags?: string[];
  deployTo?: { runtimeCluster?: boolean; [key: string]: unknown };
  dependencies?: Array<{ name: string; version?: string }>;
  system?: { vela?: string; kubernetes?: string };
  needNamespace?: string[];
  invisible?: boolean;
  uxPlugins?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

// verbose: errors carry the offending value, which the messages quote.
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
addFormats.default(ajv);
ajv.addFormat('semver', { type: 'string', validate: isVersion });
ajv.addFormat('semver-range', { type: 'string', validate: (s: string) => parseRange(s) !== null });
const validate = ajv.compile(metadataSchema);

/** Keys written by tools for KubeVela that it ignores; they are kept but noted. */
const legacyKeys = new Set(['runtime_cluster', 'control_plane', 'deploy_to']);

/**
 * Parses and validates metadata.yaml: schema errors (name pattern, semver
 * version, semver ranges) are errors; unknown keys are warnings with a
 * "did you mean" for near misses. Every diagnostic has the line of the key.
 */
export function parseMetadata(text: string, file = 'metadata.yaml'): { metadata?: AddonMetadata; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  // A duplicate key is KubeVela's (go-yaml's) last-wins, with a warning, never an error.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const diagnostics: Diagnostic[] = doc.errors.length ? [] : parseYamlAsKubeVela(text, file).warnings;
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    diagnostics.push({ severity: 'error', code: 'metadata-yaml', file, line: pos?.line, column: pos?.col, message: `invalid YAML: ${e.message.split('\n')[0]}` });
  }
  if (hasErrors(diagnostics)) return { diagnostics };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: maxYamlAliases });
  } catch (err) {
    diagnostics.push({ severity: 'error', code: 'metadata-yaml', file, line: 1, message: aliasMessage(err) });
    return { diagnostics };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    diagnostics.push({ severity: 'error', code: 'metadata-not-a-map', file, line: 1, message: 'metadata.yaml must be a YAML mapping with at least "name" and "version"' });
    return { diagnostics };
  }
  const lineOf = (path: Array<string | number>) => lineAt(doc, lineCounter, path);
  if (!validate(value)) {
    for (const err of validate.errors ?? []) diagnostics.push(schemaError(err, file, lineOf));
  }
  diagnostics.push(...unknownKeys(value as Record<string, unknown>, file, lineOf));
  return { metadata: hasErrors(diagnostics) ? undefined : (value as AddonMetadata), diagnostics };
}

function unknownKeys(value: Record<string, unknown>, file: string, lineOf: (p: Array<string | number>) => number | undefined): Diagnostic[] {
  const known = Object.keys(metadataSchema.properties);
  const out: Diagnostic[] = [];
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = closest(key, known);
    const legacy = legacyKeys.has(key);
    out.push({
      severity: 'warning',
      code: 'metadata-unknown-key',
      file,
      line: lineOf([key]),
      message: legacy
        ? `"${key}" is a legacy key that KubeVela ignores`
        : `unknown key "${key}": KubeVela ignores it${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
    });
  }
  const deps = value.dependencies;
  if (Array.isArray(deps)) {
    deps.forEach((d, i) => {
      if (d && typeof d === 'object') {
        for (const key of Object.keys(d)) {
          if (key === 'name' || key === 'version') continue;
          const s = closest(key, ['name', 'version']);
          out.push({ severity: 'warning', code: 'metadata-unknown-key', file, line: lineOf(['dependencies', i, key]), message: `unknown key "dependencies[${i}].${key}": KubeVela ignores it${s ? `; did you mean "${s}"?` : ''}` });
        }
      }
    });
  }
  return out;
}

function schemaError(err: ErrorObject, file: string, lineOf: (p: Array<string | number>) => number | undefined): Diagnostic {
  const path = err.instancePath.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
  const field = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  const line = lineOf(path);
  let message: string;
  switch (err.keyword) {
    case 'required':
      message = `missing required field "${[field, (err.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.')}"`;
      break;
    case 'pattern':
      message = field.endsWith('name')
        ? `${field} ${JSON.stringify(valueAt(err))} is not a valid addon name: use lowercase letters and digits separated by single dashes (e.g. "my-addon")`
        : `${field} does not match ${(err.params as { pattern: string }).pattern}`;
      break;
    case 'format': {
      const format = (err.params as { format: string }).format;
      message =
        format === 'semver'
          ? versionProblem(field, String(valueAt(err)))
          : `${field} ${JSON.stringify(valueAt(err))} is not a valid semver range: expected e.g. ">=1.0.0" or ">=1.0.0, <2.0.0"`;
      break;
    }
    case 'type':
      message = `${field || 'metadata'} must be ${(err.params as { type: string }).type}`;
      break;
    default:
      message = `${field || 'metadata'} ${err.message ?? 'is invalid'}`;
  }
  return { severity: 'error', code: `metadata-${err.keyword}`, file, line, message };
}

function valueAt(err: ErrorObject): unknown {
  return (err as ErrorObject & { data?: unknown }).data;
}

function lineAt(doc: Document, lc: LineCounter, path: Array<string | number>): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const key of path) {
    if (!node || typeof node !== 'object') break;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (!pair) break;
      const k = pair.key as { range?: [number, number, number] };
      if (k.range) line = lc.linePos(k.range[0]).line;
      node = pair.value;
    } else if ('items' in (node as object) && typeof key === 'number') {
      const item = (node as { items: Array<{ range?: [number, number, number] }> }).items[key];
      if (item?.range) line = lc.linePos(item.range[0]).line;
      node = item;
    } else break;
  }
  return line ?? 1;
}

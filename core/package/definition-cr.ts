import { parse, stringify } from 'yaml';
import { aliasMessage, maxYamlAliases } from './yaml-limits.ts';
import { VelahubError } from '../errors.ts';
import type { DefinitionHeader, DefinitionType } from '../cue/evaluator.ts';

const kinds: Record<DefinitionType, string> = {
  component: 'ComponentDefinition',
  trait: 'TraitDefinition',
  policy: 'PolicyDefinition',
  'workflow-step': 'WorkflowStepDefinition',
};

/** The annotation KubeVela keeps a definition's description in. */
const descriptionAnnotation = 'definition.oam.dev/description';

/** The annotation KubeVela writes a definition header's `alias` to. */
const aliasAnnotation = 'definition.oam.dev/alias';

/** Where KubeVela puts header labels and annotations of the user's own (keys without `oam.dev`). */
const userKeyPrefix = 'custom.definition.oam.dev/';

/** Header labels or annotations as KubeVela writes them: keys without `oam.dev` get {@link userKeyPrefix}. */
function userKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k.includes('oam.dev') ? k : `${userKeyPrefix}${k}`, v]));
}

/** A Definition custom resource (core.oam.dev/v1beta1). */
export interface DefinitionCR {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; [k: string]: unknown };
  spec: { schematic?: { cue?: { template: string }; terraform?: Record<string, unknown> }; [k: string]: unknown };
}

/** The definition type a CR kind stands for, or undefined for other kinds. */
export function typeOfKind(kind: string): DefinitionType | undefined {
  return (Object.entries(kinds) as Array<[DefinitionType, string]>).find(([, k]) => k === kind)?.[0];
}

/** The CR kind of a definition type. */
export function kindOfType(type: DefinitionType): string {
  return kinds[type];
}

/**
 * Builds the Definition CR for a definition in CUE format: header attributes
 * become spec fields, the description and alias annotations, labels and
 * annotations outside `oam.dev` go under `custom.definition.oam.dev/` (as
 * pkg/definition/definition.go writes them), the template text goes to
 * `spec.schematic.cue.template` — what `vela def apply` produces.
 */
export function definitionToCR(header: DefinitionHeader, template: string, namespace = 'vela-system'): DefinitionCR {
  const annotations = userKeys(header.annotations);
  if (header.alias !== undefined) annotations[aliasAnnotation] = header.alias;
  if (header.description || header.emptyDescription) annotations[descriptionAnnotation] = header.description;
  const metadata: DefinitionCR['metadata'] = { name: header.name, namespace };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  if (Object.keys(header.labels).length > 0) metadata.labels = userKeys(header.labels);
  return {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: kindOfType(header.type),
    metadata,
    spec: { ...header.attributes, schematic: { cue: { template } } },
  };
}

/** Quotes a CUE label when it is not a plain identifier. */
function cueLabel(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/**
 * Parses a Definition CR from YAML and writes it in the definition CUE format.
 * JSON is valid CUE, so header values are emitted as JSON; the template text is
 * kept as written. Throws EBAD_DEFINITION naming the file and field at fault.
 */
export function crToDefinitionCue(yamlText: string, file: string): { cue: string; cr: DefinitionCR } {
  let doc: unknown;
  try {
    doc = parse(yamlText, { maxAliasCount: maxYamlAliases });
  } catch (err) {
    throw new VelahubError('EBAD_DEFINITION', `${file}: ${aliasMessage(err)}`, { path: file });
  }
  const cr = doc as DefinitionCR;
  const bad = (field: string, why: string) => new VelahubError('EBAD_DEFINITION', `${file}: ${field} ${why}`, { path: file });
  if (!cr || typeof cr !== 'object') throw bad('document', 'is not a Definition object');
  const type = typeOfKind(cr.kind);
  if (!type) throw bad('kind', `is ${JSON.stringify(cr.kind)}: expected one of ${Object.values(kinds).join(', ')}`);
  if (!String(cr.apiVersion ?? '').startsWith('core.oam.dev/')) throw bad('apiVersion', `is ${JSON.stringify(cr.apiVersion)}: expected core.oam.dev/v1beta1`);
  if (!cr.metadata?.name) throw bad('metadata.name', 'is missing');
  const template = cr.spec?.schematic?.cue?.template;
  if (typeof template !== 'string') {
    if (cr.spec?.schematic?.terraform) throw new VelahubError('ETERRAFORM', `${file}: Terraform definitions have no CUE template`, { path: file });
    throw bad('spec.schematic.cue.template', 'is missing: a CUE definition carries its template there');
  }
  const annotations = { ...(cr.metadata.annotations ?? {}) };
  const description = annotations[descriptionAnnotation] ?? '';
  delete annotations[descriptionAnnotation];
  const { schematic: _schematic, ...attributes } = cr.spec;
  const header = {
    type,
    annotations,
    labels: cr.metadata.labels ?? {},
    description,
    attributes,
  };
  const cue = `${cueLabel(cr.metadata.name)}: ${toCueLiteral(header, 0)}\ntemplate: {\n${indent(template)}\n}\n`;
  return { cue: hoistImports(cue), cr };
}

/** Serializes a CR as YAML the way kubectl users expect to read it. */
export function crToYaml(cr: DefinitionCR): string {
  return stringify(cr, { lineWidth: 0 });
}

/**
 * Writes plain data as idiomatic CUE: identifiers unquoted, one field per line,
 * multi-line strings as raw `#"""` blocks (status snippets stay readable).
 */
export function toCueLiteral(value: unknown, depth: number): string {
  const pad = '\t'.repeat(depth + 1);
  const end = '\t'.repeat(depth);
  if (typeof value === 'string') {
    // Control characters other than tab (e.g. \r) would not survive a raw block: quote those.
    if (!value.includes('\n') || /[\x00-\x08\x0b-\x1f]/.test(value)) return JSON.stringify(value);
    // Enough #s that no `\#…` in the text reads as an escape and no `"""#…` ends the block.
    let hashes = '#';
    while (value.includes(`\\${hashes}`) || value.includes(`"""${hashes}`)) hashes += '#';
    // Every line, a trailing newline included (it becomes an empty last line).
    const body = value.split('\n').map((l) => (l ? pad + l : '')).join('\n');
    return `${hashes}"""\n${body}\n${pad}"""${hashes}`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => typeof v !== 'object' || v === null)) return `[${value.map((v) => toCueLiteral(v, depth)).join(', ')}]`;
    return `[\n${value.map((v) => pad + toCueLiteral(v, depth + 1)).join(',\n')},\n${end}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${pad}${cueLabel(k)}: ${toCueLiteral(v, depth + 1)}`).join('\n')}\n${end}}`;
  }
  return JSON.stringify(value ?? null);
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : `\t${l}`))
    .join('\n');
}

/**
 * Moves `import` declarations found inside the template to the top of the file,
 * where CUE requires them.
 */
function hoistImports(cue: string): string {
  const lines = cue.split('\n');
  const imports: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (/^import\s*\($/.test(trimmed)) {
      imports.push('import (');
      while (++i < lines.length && lines[i]!.trim() !== ')') imports.push('\t' + lines[i]!.trim());
      imports.push(')');
    } else if (/^import\s+("|\w+\s+")/.test(trimmed)) {
      imports.push(trimmed);
    } else rest.push(line);
  }
  return imports.length > 0 ? `${imports.join('\n')}\n\n${rest.join('\n')}` : cue;
}

import type { JsonSchema } from '../../../core/params/schema.ts';
import { isStruct, typeName } from '../../../core/params/reference.ts';
import { formatDefault } from '../../../core/params/markdown.ts';
import { html, type SafeHtml } from '../html.ts';

/** Past this depth a value is edited as JSON (recursive or very deep schemas). */
const maxDepth = 6;

function scalarType(s: JsonSchema | undefined): string | undefined {
  if (!s) return undefined;
  if (s.enum && s.enum.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) return 'enum';
  return ['string', 'integer', 'number', 'boolean'].includes(s.type ?? '') ? s.type : undefined;
}

/** One parameter's field: its key, schema, whether it must be set, and the value to show. */
interface FieldInput {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
}

/** How a text area is read back: one value per line, key=value per line, or JSON. */
interface TextFieldInput extends FieldInput {
  kind: 'lines' | 'map' | 'json';
  /** The type of each line's value (`lines`, `map`). */
  itemType?: string;
}

function label({ name, schema: s, required }: Omit<FieldInput, 'value'>): SafeHtml {
  const type = s.enum && s.enum.length > 1 ? 'enum' : typeName(s);
  return html`${name}${required ? html`<span class="req" title="required"> *</span>` : ''} <span class="muted">${type}</span>`;
}

function placeholder(s: JsonSchema): string {
  return s.default === undefined ? '' : `default: ${formatDefault(s.default)}`;
}

function scalarField(f: FieldInput): SafeHtml {
  const { name, schema: s, required, value } = f;
  const type = scalarType(s)!;
  const req = required ? html` data-required` : '';
  const head = html`<span class="label">${label(f)}</span>`;
  if (type === 'enum' || type === 'boolean') {
    const options = type === 'boolean' ? [true, false] : s.enum!;
    const blank = s.default === undefined ? '(unset)' : `(default: ${formatDefault(s.default)})`;
    return html`<label class="field" data-key="${name}" data-kind="scalar" data-type="${type}"${req}>${head}<select><option value="">${blank}</option>${options.map((o) => html`<option value="${JSON.stringify(o)}"${value !== undefined && JSON.stringify(value) === JSON.stringify(o) ? html` selected` : ''}>${String(o)}</option>`)}</select><span class="err" hidden></span></label>`;
  }
  const mode = type === 'integer' ? 'numeric' : type === 'number' ? 'decimal' : 'text';
  return html`<label class="field" data-key="${name}" data-kind="scalar" data-type="${type}"${req}>${head}<input type="text" inputmode="${mode}" autocomplete="off" spellcheck="false" value="${value === undefined ? '' : String(value)}" placeholder="${placeholder(s)}"><span class="err" hidden></span></label>`;
}

function textField(f: TextFieldInput): SafeHtml {
  const { name, schema: s, required, kind, itemType, value } = f;
  let text = '';
  if (value !== undefined) {
    if (kind === 'lines' && Array.isArray(value)) text = value.map(String).join('\n');
    else if (kind === 'map' && value && typeof value === 'object') text = Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join('\n');
    else text = JSON.stringify(value, null, 2);
  }
  const hint = kind === 'lines' ? 'one value per line' : kind === 'map' ? 'one key=value per line' : 'JSON';
  const ph = s.default === undefined ? hint : `${hint}; default: ${formatDefault(s.default)}`;
  return html`<label class="field" data-key="${name}" data-kind="${kind}"${itemType ? html` data-type="${itemType}"` : ''}${required ? html` data-required` : ''}><span class="label">${label(f)}</span><textarea rows="${kind === 'json' ? 4 : 2}" spellcheck="false" placeholder="${ph}">${text}</textarea><span class="err" hidden></span></label>`;
}

function objectFields(s: JsonSchema, values: Record<string, unknown> | undefined, depth: number): SafeHtml[] {
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {})
    .filter(([, p]) => !p['x-ignore'])
    .map(([name, p]) => field({ name, schema: p, required: required.has(name) && p.default === undefined, value: values?.[name], depth }));
}

/** One entry of a list of structs; the form's `<template>` is one with no value and no index. */
function item(i: { schema: JsonSchema; value: Record<string, unknown> | undefined; index: number | string; depth: number }): SafeHtml {
  return html`<li class="item" data-kind="object"><div class="item-head"><span>item <span class="n">${i.index}</span></span><button type="button" class="secondary" data-action="remove">Remove</button></div>${objectFields(i.schema, i.value, i.depth + 1)}</li>`;
}

function field(f: FieldInput & { depth: number }): SafeHtml {
  const { name, schema: s, required, value, depth } = f;
  if (depth > maxDepth) return textField({ ...f, kind: 'json' });
  if (scalarType(s) && !(s.oneOf ?? s.anyOf)) return scalarField(f);
  if (s.type === 'array') {
    const items = s.items;
    if (items && isStruct(items)) {
      const values = Array.isArray(value) ? value : [];
      return html`<fieldset class="field-list" data-key="${name}" data-kind="list"${required ? html` data-required` : ''}><legend>${label(f)}</legend><span class="err" hidden></span>
<ol class="items">${values.map((v, i) => item({ schema: items, value: v as Record<string, unknown>, index: i, depth }))}</ol>
<template>${item({ schema: items, value: undefined, index: '', depth })}</template>
<button type="button" class="secondary" data-action="add">Add ${name} item</button></fieldset>`;
    }
    const it = scalarType(items);
    if (it && it !== 'enum') return textField({ ...f, kind: 'lines', itemType: it });
    if (it === 'enum') return textField({ ...f, kind: 'lines', itemType: 'string' });
    return textField({ ...f, kind: 'json' });
  }
  if (isStruct(s) && !(s.oneOf ?? s.anyOf)) {
    return html`<fieldset data-key="${name}" data-kind="object"${required ? html` data-required` : ''}><legend>${label(f)}</legend><span class="err" hidden></span>${objectFields(s, value as Record<string, unknown> | undefined, depth + 1)}</fieldset>`;
  }
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    const vt = scalarType(s.additionalProperties);
    if (vt && vt !== 'enum') return textField({ ...f, kind: 'map', itemType: vt });
  }
  return textField({ ...f, kind: 'json' });
}

/**
 * The try-it form of a definition, generated from its parameter schema and
 * filled with example values: scalars as inputs (numbers typed as text so the
 * schema, not the browser, judges them), enums and booleans as selects, lists
 * of structs as repeatable groups, other lists and maps as one-per-line
 * textareas, anything else as JSON. docs.js posts it to the render API.
 */
export function tryItForm(input: { schema: JsonSchema; values: Record<string, unknown>; endpoint: string; kind: string }): SafeHtml {
  return html`<form id="tryit" class="tryit" data-endpoint="${input.endpoint}" novalidate>
<div data-kind="object" data-root>${objectFields(input.schema, input.values, 0)}</div>
<details><summary>Context</summary>
<label class="field"><span class="label">component name</span><input type="text" data-context="name" placeholder="example" autocomplete="off"></label>
<label class="field"><span class="label">namespace</span><input type="text" data-context="namespace" placeholder="default" autocomplete="off"></label>
<label class="field"><span class="label">cluster version</span><input type="text" data-context="clusterVersion" placeholder="1.29" autocomplete="off"></label>
</details>
<div class="actions"><button type="submit">Render</button><span id="tryit-status" class="muted" role="status" aria-live="polite"></span></div>
<div id="tryit-errors" class="alert bad" role="alert" hidden></div>
<pre id="tryit-output" hidden aria-label="Rendered objects" tabindex="0"></pre>
<details><summary>As an API call</summary><pre id="tryit-request" class="mono">Render once to see the request.</pre></details>
</form>`;
}

import { formatDefault } from '../../../core/params/markdown.ts';
import type { ParamDoc, ParamTable } from '../../../core/params/reference.ts';
import { html, type SafeHtml } from '../html.ts';

/** The anchor of a parameter row: `param-route.annotations`. */
export function paramAnchor(path: string): string {
  return `param-${path}`;
}

function row(p: ParamDoc, tables: Map<string, ParamTable>, depth: number): SafeHtml {
  const nested = p.table ? tables.get(p.table) : undefined;
  const id = paramAnchor(p.path);
  return html`<tr id="${id}">
<td class="name"><a href="#${id}">${p.name}</a>${p.short ? html` <span class="muted">(-${p.short})</span>` : ''}</td>
<td>${p.description}${p.alias ? html` <span class="muted">alias: ${p.alias}</span>` : ''}</td>
<td><code>${p.type}</code></td>
<td>${p.required ? html`<span class="yes">yes</span>` : 'no'}</td>
<td>${p.default === undefined ? '' : html`<code>${formatDefault(p.default)}</code>`}</td>
<td>${p.immutable ? html`<span class="yes">yes</span>` : 'no'}</td>
</tr>${nested ? nestedRow(p.path, `Fields of`, nested, tables, depth) : ''}${(p.options ?? []).map((o, i) => {
    const option = tables.get(o);
    return option ? nestedRow(o, `Option ${i + 1} of`, option, tables, depth) : '';
  })}`;
}

function nestedRow(path: string, label: string, nested: ParamTable, tables: Map<string, ParamTable>, depth: number): SafeHtml {
  const shown = path.replace(/\.type-option-\d+$/, '');
  return html`<tr class="nested"><td colspan="6"><details${depth === 0 ? html` open` : ''} data-table="${path}"><summary>${label} <code>${shown}</code>${nested.definition ? html` <span class="muted">#${nested.definition}</span>` : ''} (${nested.params.length})</summary>${table(nested, tables, depth + 1)}</details></td></tr>`;
}

function table(t: ParamTable, tables: Map<string, ParamTable>, depth: number): SafeHtml {
  return html`<table class="params">
<thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Default</th><th scope="col">Immutable</th></tr></thead>
<tbody>${t.params.map((p) => row(p, tables, depth))}</tbody>
</table>`;
}

/**
 * The parameter reference as nested tables (`vela show`'s columns): each
 * struct's fields sit in an expandable row under it, and every row has an
 * `id="param-<path>"` anchor for deep links.
 */
export function parameterTables(tables: ParamTable[]): SafeHtml {
  const root = tables.find((t) => t.path === '');
  if (!root || root.params.length === 0) return html`<p class="muted">This definition takes no parameters.</p>`;
  const byPath = new Map(tables.map((t) => [t.path, t]));
  return html`<div class="table-wrap">${table(root, byPath, 0)}</div>`;
}

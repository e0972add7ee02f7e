import { html, type SafeHtml } from '../html.ts';
import type { SearchModel } from '../loaders.ts';
import { addonCard } from './home.ts';
import { definitionUrl, kindBadge } from './common.ts';
import { paramAnchor } from './param-table.ts';

/** Search results: definitions (with the parameters that matched) and addons. */
export function searchView(m: SearchModel): SafeHtml {
  const { q, parameter } = m.query;
  const what = [q ? `“${q}”` : '', parameter ? `parameter “${parameter}”` : ''].filter(Boolean).join(' and ');
  const defs = m.definitions.items;
  return html`<h1>Search${what ? html`: ${what}` : ''}</h1>
<form method="get" class="filters" action="/search" aria-label="Search options">
<label>Text<input type="search" name="q" value="${q ?? ''}"></label>
<label>Parameter name<input type="search" name="parameter" value="${parameter ?? ''}" placeholder="e.g. domain"></label>
<button type="submit">Search</button>
</form>
${!q && !parameter ? html`<p class="muted">Type a name, a word of a description, a tag, or a parameter name (“which traits take a <code>domain</code>?”).</p>` : html`
<section aria-labelledby="defs-h"><h2 id="defs-h">Definitions (${defs.length})</h2>
${defs.length ? html`<ul class="cards">${defs.map((d) => {
  const url = definitionUrl(d.addon, d.version, d.name);
  return html`<li class="card"><h3><a href="${url}">${d.name}</a> ${kindBadge(d.type)}</h3><p class="muted">${d.addon}@${d.version}</p><p>${d.description}</p>${d.parameters.length ? html`<p>Parameter${d.parameters.length > 1 ? 's' : ''}: ${d.parameters.map((p, i) => html`${i ? ', ' : ''}<a href="${url}#${paramAnchor(p)}"><code>${p}</code></a>`)}</p>` : ''}</li>`;
})}</ul>` : html`<p class="muted">No definition matches.</p>`}
</section>
<section aria-labelledby="addons-h"><h2 id="addons-h">Addons (${m.addons.total})</h2>
${m.addons.items.length ? html`<ul class="cards">${m.addons.items.map((a) => addonCard(a, 'h3'))}</ul>` : html`<p class="muted">No addon matches.</p>`}
</section>`}`;
}

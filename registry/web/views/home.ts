import { html, type SafeHtml } from '../html.ts';
import type { HomeModel } from '../loaders.ts';
import { addonUrl, kindBadge, pager, qs } from './common.ts';
import type { AddonSummary } from '../../store/records.ts';

/** One addon as a card: name, latest version, description, definition kinds, tags. */
export function addonCard(a: AddonSummary, heading: 'h2' | 'h3' = 'h2'): SafeHtml {
  const title = html`<a href="${addonUrl(a.name)}">${a.name}</a> <span class="muted">${a.latest ?? ''}</span>`;
  return html`<li class="card">
${heading === 'h2' ? html`<h2>${title}</h2>` : html`<h3>${title}</h3>`}
<p>${a.description}</p>
<p>${a.definitionTypes.length ? a.definitionTypes.map((t) => kindBadge(t)) : html`<span class="badge">meta</span>`}</p>
${a.tags.length ? html`<ul class="tags" aria-label="tags">${a.tags.map((t) => html`<li><a class="badge" href="/${qs({ tag: t })}">${t}</a></li>`)}</ul>` : ''}
</li>`;
}

/** Home: search and filters, then the addons. */
export function homeView(m: HomeModel): SafeHtml {
  const { q, tag, type } = m.query;
  const filtered = Boolean(q || tag || type);
  const { items, total } = m.addons;
  return html`<h1>KubeVela addons and definitions</h1>
<p class="muted">Browse components, traits, policies and workflow steps: parameters, versions, and a live render of each definition.</p>
<form class="filters" method="get" action="/" aria-label="Filter addons">
<label>Text<input type="search" name="q" value="${q ?? ''}" placeholder="name, description, tag"></label>
<label>Definition type<select name="type"><option value="">any</option>${m.facets.types.map((t) => html`<option value="${t.type}"${t.type === type ? html` selected` : ''}>${t.type} (${t.count})</option>`)}</select></label>
<label>Tag<select name="tag"><option value="">any</option>${m.facets.tags.map((t) => html`<option value="${t.tag}"${t.tag === tag ? html` selected` : ''}>${t.tag} (${t.count})</option>`)}</select></label>
<button type="submit">Filter</button>
${filtered ? html`<a href="/">Clear</a>` : ''}
</form>
<ul class="tags" aria-label="Popular tags">${m.facets.tags.slice(0, 20).map((t) => html`<li><a class="badge${t.tag === tag ? ' kind' : ''}" href="/${qs({ tag: t.tag, type, q })}"${t.tag === tag ? html` aria-current="true"` : ''}>${t.tag}</a></li>`)}</ul>
<p class="muted">${total} addon${total === 1 ? '' : 's'}${filtered ? ' match' : ''}</p>
<ul class="cards">${items.map((a) => addonCard(a))}</ul>
${pager('/', m.addons, { q, tag, type })}`;
}

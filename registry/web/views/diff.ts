import { html, type SafeHtml } from '../html.ts';
import type { DiffModel } from '../loaders.ts';
import type { DiffHunk } from '../line-diff.ts';
import { addonUrl, definitionUrl } from './common.ts';

function mark(breaking: boolean | undefined): SafeHtml {
  return breaking ? html`<span class="badge breaking">breaking</span>` : html`<span class="badge compatible">compatible</span>`;
}

function hunk(h: DiffHunk): SafeHtml {
  const from = h.lines.filter((l) => l.op !== '+').length;
  const to = h.lines.filter((l) => l.op !== '-').length;
  return html`<span class="line hunk">@@ -${h.fromStart},${from} +${h.toStart},${to} @@</span>${h.lines.map((l) => html`<span class="line${l.op === '+' ? ' add' : l.op === '-' ? ' del' : ''}">${l.op}${l.text}</span>`)}`;
}

/** Diff page: pick two versions; parameter changes per definition, marked breaking or compatible; README diff. */
export function diffView(m: DiffModel): SafeHtml {
  const d = m.diff;
  const option = (v: string, selected: string | undefined) => html`<option${v === selected ? html` selected` : ''}>${v}</option>`;
  return html`<p class="crumbs"><a href="/">Addons</a> / <a href="${addonUrl(m.name)}">${m.name}</a> / diff</p>
<h1>${m.name}: ${d ? html`${d.from} → ${d.to}` : 'compare versions'}</h1>
<form method="get" class="filters" aria-label="Pick versions">
<label>From<select name="from">${m.versions.map((v) => option(v.version, d?.from))}</select></label>
<label>To<select name="to">${m.versions.map((v) => option(v.version, d?.to))}</select></label>
<button type="submit">Compare</button>
</form>
${!d
    ? html`<p class="muted">${m.name} has a single version: nothing to compare.</p>`
    : html`<p>${d.breaking ? html`<span class="badge breaking">breaking</span> Existing Applications may stop working after upgrading.` : html`<span class="badge compatible">compatible</span> No breaking parameter change.`}</p>
<section aria-labelledby="params"><h2 id="params">Parameters</h2>
${d.definitions.length === 0 ? html`<p class="muted">Neither version has definitions.</p>` : ''}
${d.definitions.map((def) => {
  const [type, name] = def.definition.split('/') as [string, string];
  const link = def.status === 'removed' ? html`<code>${name}</code>` : html`<a href="${definitionUrl(m.name, d.to, name)}">${name}</a>`;
  return html`<h3>${link} <span class="badge kind">${type}</span> <span class="muted">${def.status}</span> ${def.status === 'unchanged' ? '' : mark(def.breaking)}</h3>
${def.status === 'added' ? html`<p class="muted">New in ${d.to}.</p>` : def.status === 'removed' ? html`<p class="muted">Removed in ${d.to}: Applications using it will fail.</p>` : ''}
${def.changes.length ? html`<ul class="change-list">${def.changes.map((c) => html`<li data-kind="${c.kind}" data-path="${c.path}">${mark(c.breaking)} <code>${c.path}</code> ${c.message}</li>`)}</ul>` : ''}`;
})}
</section>
<section aria-labelledby="readme-diff"><h2 id="readme-diff">README</h2>
${!m.readme || m.readme.hunks.length === 0
    ? html`<p class="muted">${m.readme?.truncated ?? 'The README did not change.'}</p>`
    : html`<p class="muted">${m.readme.added} line(s) added, ${m.readme.removed} removed.</p><pre class="diff" tabindex="0" aria-label="README line diff">${m.readme.hunks.map(hunk)}</pre>`}
</section>`}`;
}

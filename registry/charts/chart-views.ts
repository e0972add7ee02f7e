import { html, type SafeHtml } from '../web/html.ts';
import { date, pager } from '../web/views/common.ts';
import { packageColumns, packageSection } from '../web/views/package-sections.ts';
import { parameterTables } from '../web/views/param-table.ts';
import type { ChartListModel, ChartPageModel } from './chart-loaders.ts';

/** `/helm-charts/NAME` or `/helm-charts/NAME/VERSION` (`/charts/` holds the addon archives). */
export function chartUrl(name: string, version?: string): string {
  return `/helm-charts/${encodeURIComponent(name)}${version ? `/${encodeURIComponent(version)}` : ''}`;
}

/** The chart list: the repository to add, a filter, and a card per chart. */
export function chartListView(m: ChartListModel): SafeHtml {
  const { items, total } = m.charts;
  return html`<h1>Helm charts</h1>
<p class="muted">Application charts in this registry's Helm repository, for <code>helm</code> and for the <a href="/addons/helm-component">helm-component</a> addon.</p>
<code class="cmd">helm repo add velahub ${m.repository}</code>
<form class="filters" method="get" action="/helm-charts" aria-label="Filter charts">
<label>Text<input type="search" name="q" value="${m.query.q ?? ''}" placeholder="name or description"></label>
<button type="submit">Filter</button>
${m.query.q ? html`<a href="/helm-charts">Clear</a>` : ''}
</form>
<p class="muted">${total} chart${total === 1 ? '' : 's'}${m.query.q ? ' match' : ''}</p>
<ul class="cards">${items.map((c) => html`<li class="card"><h2><a href="${chartUrl(c.name)}">${c.name}</a> <span class="muted">${c.latest}</span></h2><p>${c.description}</p><p class="muted">${c.appVersion ? html`app ${c.appVersion} · ` : ''}${c.versions} version${c.versions === 1 ? '' : 's'} · ${date(c.updatedAt)}</p></li>`)}</ul>
${pager('/helm-charts', m.charts, { q: m.query.q })}`;
}

/**
 * A chart page: README and the values table beside the helm-component
 * Application to paste, the helm commands, versions, dependencies and digest.
 */
export function chartView(m: ChartPageModel): SafeHtml {
  const v = m.version;
  return html`<p class="crumbs"><a href="/helm-charts">Charts</a> / ${v.name}</p>
<h1>${v.name} <span class="muted">${v.version}</span>${m.isLatest ? html` <span class="badge ok">latest</span>` : ''}${v.metadata.deprecated ? html` <span class="badge warn">deprecated</span>` : ''}</h1>
<p>${v.description}</p>
${!m.isLatest ? html`<p class="muted">The latest version is <a href="${chartUrl(v.name, m.chart.latest)}">${m.chart.latest}</a>.</p>` : ''}
${packageColumns({
    main: html`<section aria-labelledby="app-h">
<h2 id="app-h">Deploy with KubeVela</h2>
<p class="muted">An Application using the <a href="/addons/helm-component">helm-component</a> addon (Flux), with this repository and chart. Roll back by setting <code>version</code> back.</p>
<pre><code id="application">${v.application}</code></pre>
</section>
<section aria-labelledby="values-h">
<h2 id="values-h">Values</h2>
<p class="muted">${v.parameterSource === 'values.schema.json' ? 'From values.schema.json, defaults from values.yaml.' : 'Inferred from values.yaml: types from the values, descriptions from the comments.'}</p>
${parameterTables(v.parameters)}
<details><summary>values.yaml</summary><pre><code>${v.values}</code></pre></details>
</section>`,
    readme: v.readme,
    aside: html`<section aria-labelledby="install">
<h2 id="install">Install with Helm</h2>
${v.install.helm.map((c) => html`<code class="cmd">${c}</code>`)}
</section>
<section aria-labelledby="versions">
<h2 id="versions">Versions</h2>
<ul class="versions">${m.chart.versions.map((x) => html`<li${x.version === v.version ? html` class="current" aria-current="page"` : ''}><a href="${chartUrl(v.name, x.version)}">${x.version}</a> ${date(x.createdAt)}${x.appVersion ? html` <span class="muted">app ${x.appVersion}</span>` : ''}${x.version === m.chart.latest ? html` <span class="badge ok">latest</span>` : ''}</li>`)}</ul>
</section>
<section aria-labelledby="deps">
<h2 id="deps">Dependencies</h2>
${v.dependencies.length ? html`<ul>${v.dependencies.map((d) => html`<li>${d.name} <code>${d.version}</code>${d.repository ? html` <span class="muted">${d.repository}</span>` : ''}</li>`)}</ul>` : html`<p class="muted">None.</p>`}
</section>
${packageSection({ arrived: 'Uploaded', createdAt: v.createdAt, size: v.size, digest: v.digest, archive: v.archive, home: v.metadata.home, more: v.appVersion ? html`<dt>App version</dt><dd>${v.appVersion}</dd>` : '' })}`,
  })}`;
}

import { html, type SafeHtml } from '../html.ts';
import type { AddonModel } from '../loaders.ts';
import { addonUrl, date, definitionUrl, kindBadge } from './common.ts';
import { packageColumns, packageSection } from './package-sections.ts';

/** Deprecated / yanked marks of a version. */
export function versionMarks(v: { deprecated: string | null; yanked: boolean }): SafeHtml {
  return html`${v.yanked ? html` <span class="badge bad" title="yanked: ranges never pick it">yanked</span>` : ''}${v.deprecated ? html` <span class="badge warn" title="${v.deprecated}">deprecated</span>` : ''}`;
}

/** Addon page: definitions and README, with install, versions and dependencies beside them. */
export function addonView(m: AddonModel): SafeHtml {
  const v = m.version;
  const a = m.addon;
  const others = a.versions.filter((x) => x.version !== v.version);
  const system = Object.entries(v.system).filter(([, r]) => typeof r === 'string' && r !== '');
  return html`<p class="crumbs"><a href="/">Addons</a> / ${a.name}</p>
<h1>${v.name} <span class="muted">${v.version}</span>${m.isLatest ? html` <span class="badge ok">latest</span>` : ''}${versionMarks(v)}</h1>
<p>${v.metadata.description ?? ''}</p>
${v.yanked ? html`<p class="alert bad" role="note">This version was yanked${v.yankReason ? html`: ${v.yankReason}` : ''}. Version ranges never pick it.</p>` : ''}
${v.deprecated ? html`<p class="alert bad" role="note">Deprecated: ${v.deprecated}</p>` : ''}
${!m.isLatest && a.latest ? html`<p class="muted">The latest version is <a href="${addonUrl(a.name, a.latest)}">${a.latest}</a>.</p>` : ''}
${packageColumns({
    main: html`<section aria-labelledby="defs">
<h2 id="defs">Definitions</h2>
${v.definitions.length
    ? html`<ul class="cards">${v.definitions.map((d) => html`<li class="card"><h3><a href="${definitionUrl(v.name, v.version, d.name)}${v.definitions.filter((x) => x.name === d.name).length > 1 ? `?type=${d.type}` : ''}">${d.name}</a> ${kindBadge(d.type)}</h3><p>${d.description}</p></li>`)}</ul>`
    : html`<p class="muted">No definitions of its own: this addon brings its dependencies.</p>`}
</section>`,
    readme: v.readme,
    aside: html`<section aria-labelledby="install">
<h2 id="install">Install</h2>
<p class="muted">With velahub:</p>
<code class="cmd">${m.install.velahub}</code>
<p class="muted">With the vela CLI, after adding this registry:</p>
<code class="cmd">${m.install.registry}</code>
<code class="cmd">${m.install.vela}</code>
</section>
<section aria-labelledby="versions">
<h2 id="versions">Versions</h2>
<ul class="versions">${a.versions.map((x) => html`<li${x.version === v.version ? html` class="current" aria-current="page"` : ''}><a href="${addonUrl(a.name, x.version)}">${x.version}</a> ${date(x.createdAt)}${x.version === a.latest ? html` <span class="badge ok">latest</span>` : ''}${versionMarks(x)}</li>`)}</ul>
${others.length ? html`<form method="get" action="${addonUrl(a.name)}/diff" class="filters" aria-label="Compare versions">
<label>From<select name="from">${others.map((x) => html`<option>${x.version}</option>`)}</select></label>
<label>To<select name="to"><option>${v.version}</option>${others.map((x) => html`<option>${x.version}</option>`)}</select></label>
<button type="submit" class="secondary">Compare</button>
</form>` : ''}
</section>
<section aria-labelledby="deps">
<h2 id="deps">Dependencies</h2>
${v.dependencies.length ? html`<ul>${v.dependencies.map((d) => html`<li><a href="${addonUrl(d.name)}">${d.name}</a> <code>${d.version ?? '*'}</code></li>`)}</ul>` : html`<p class="muted">None.</p>`}
<h2 id="dependents">Used by</h2>
${m.dependents.length ? html`<ul>${m.dependents.map((d) => html`<li><a href="${addonUrl(d.name)}">${d.name}</a> <code>${d.range ?? '*'}</code></li>`)}</ul>` : html`<p class="muted">No published addon depends on it.</p>`}
</section>
<section aria-labelledby="system">
<h2 id="system">Requirements</h2>
${system.length ? html`<dl class="facts">${system.map(([k, r]) => html`<dt>${k === 'vela' ? 'KubeVela' : k === 'kubernetes' ? 'Kubernetes' : k}</dt><dd><code>${String(r)}</code></dd>`)}</dl>` : html`<p class="muted">None declared.</p>`}
${v.metadata.needNamespace?.length ? html`<p>Namespaces: ${v.metadata.needNamespace.join(', ')}</p>` : ''}
</section>
${packageSection({ arrived: 'Published', createdAt: v.createdAt, size: v.size, digest: v.digest, archive: v.archive, home: v.metadata.url })}`,
  })}`;
}

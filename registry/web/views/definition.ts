import { html, type SafeHtml } from '../html.ts';
import type { DefinitionModel } from '../loaders.ts';
import { versionMarks } from './addon.ts';
import { addonUrl, kindBadge } from './common.ts';
import { parameterTables } from './param-table.ts';
import { tryItForm } from './param-form.ts';

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** The definition's attributes worth a line: what it applies to, whether it restarts pods, its workload. */
function facts(m: DefinitionModel): SafeHtml {
  const attrs = m.definition.attributes as Record<string, unknown>;
  const applies = list(attrs.appliesToWorkloads);
  const conflicts = list(attrs.conflictsWith);
  const workload = (attrs.workload as { type?: string; definition?: { kind?: string; apiVersion?: string } } | undefined) ?? undefined;
  const rows: SafeHtml[] = [];
  if (m.definition.type === 'trait') {
    rows.push(html`<dt>Applies to</dt><dd>${applies.length ? applies.map((w, i) => html`${i ? ', ' : ''}<code>${w}</code>`) : 'any workload'}</dd>`);
    if (typeof attrs.podDisruptive === 'boolean') rows.push(html`<dt>Restarts pods</dt><dd>${attrs.podDisruptive ? 'yes (podDisruptive)' : 'no'}</dd>`);
    if (conflicts.length) rows.push(html`<dt>Conflicts with</dt><dd>${conflicts.join(', ')}</dd>`);
  }
  if (workload?.definition?.kind) rows.push(html`<dt>Workload</dt><dd><code>${workload.definition.apiVersion ?? ''} ${workload.definition.kind}</code></dd>`);
  else if (workload?.type) rows.push(html`<dt>Workload</dt><dd><code>${workload.type}</code></dd>`);
  rows.push(html`<dt>Addon</dt><dd><a href="${addonUrl(m.addon.name, m.version.version)}">${m.addon.name}@${m.version.version}</a>${versionMarks(m.version)}</dd>`);
  rows.push(html`<dt>Source</dt><dd><code>${m.file}</code></dd>`);
  return html`<dl class="facts">${rows}</dl>`;
}

/** For a Terraform definition using a remote module: where its parameters are defined. */
function terraformModuleNote(schema: Record<string, unknown>): SafeHtml | string {
  const mod = schema['x-terraform-module'] as { url?: string; path?: string } | undefined;
  if (!mod?.url) return '';
  return html`<p>The parameters are the <code>variable</code> blocks of the Terraform module at <code>${mod.url}</code>${mod.path ? html`, path <code>${mod.path}</code>` : ''}; velahub does not fetch remote modules, so they are not listed here.</p>`;
}

/** Definition page: facts, parameter reference, example Application, try-it form, CUE source. */
export function definitionView(m: DefinitionModel): SafeHtml {
  const d = m.definition;
  const others = m.addon.versions.filter((x) => x.version !== m.version.version);
  return html`<p class="crumbs"><a href="/">Addons</a> / <a href="${addonUrl(m.addon.name)}">${m.addon.name}</a> / <a href="${addonUrl(m.addon.name, m.version.version)}">${m.version.version}</a> / ${d.name}</p>
<h1>${d.name} ${kindBadge(d.type)}</h1>
<p>${d.description}</p>
${facts(m)}
${m.addon.latest && m.addon.latest !== m.version.version ? html`<p class="muted">This is ${m.version.version}; the latest is <a href="${addonUrl(m.addon.name, m.addon.latest)}/definitions/${d.name}">${m.addon.latest}</a>.${others.length ? html` <a href="${addonUrl(m.addon.name)}/diff?from=${m.version.version}&amp;to=${m.addon.latest}">What changed</a>` : ''}</p>` : ''}
<section aria-labelledby="params">
<h2 id="params">Parameters</h2>
${terraformModuleNote(d.schema)}${parameterTables(d.parameters)}
</section>
<section aria-labelledby="example">
<h2 id="example">Example</h2>
<p class="muted">An Application using it with the required parameters (generated from the schema).</p>
<pre tabindex="0"><code>${m.example.yaml}</code></pre>
</section>
<section aria-labelledby="try">
<h2 id="try">Try it</h2>
${m.renderUrl
    ? html`<p class="muted">Fill in parameters and render them with the real CUE evaluator. Objects are rendered for a component named <code>example</code>${d.type === 'trait' ? ' (a trait’s patch is shown as a patch, not merged)' : ''}.</p>${tryItForm({ schema: d.schema, values: m.example.parameters, endpoint: m.renderUrl, kind: d.type })}`
    : html`<p class="muted">This is a ${m.schematic} definition: it cannot be rendered here.</p>`}
</section>
${d.cue ? html`<section aria-labelledby="source"><h2 id="source">Source</h2><details><summary>CUE</summary><pre tabindex="0"><code>${d.cue}</code></pre></details></section>` : ''}`;
}

import { html, trusted, type SafeHtml } from '../html.ts';
import { renderMarkdown, safeUrl } from '../markdown.ts';
import { date } from './common.ts';

/** The README section of an addon or chart page, sanitized (see renderMarkdown). */
export function readmeSection(readme: string): SafeHtml {
  return html`<section aria-labelledby="readme-h">
<h2 id="readme-h">README</h2>
${readme.trim() ? html`<div class="readme" id="readme">${trusted(renderMarkdown(readme))}</div>` : html`<p class="muted">No README.</p>`}
</section>`;
}

/** An addon or chart page's two columns: its own sections with the README last, and the facts beside them. */
export function packageColumns(page: { main: SafeHtml; readme: string; aside: SafeHtml }): SafeHtml {
  return html`<div class="layout">
<div>
${page.main}
${readmeSection(page.readme)}
</div>
<aside>
${page.aside}
</aside>
</div>`;
}

/** What the package section of an addon or chart page shows. */
export interface PackageFacts {
  /** How the version arrived: "Published" (addons), "Uploaded" (charts). */
  arrived: string;
  createdAt: string;
  size: number;
  digest: string;
  /** Where the archive downloads from. */
  archive: string;
  /** The package's home page, as its metadata gives it (shown only when its URL is safe). */
  home?: string;
  /** More facts after the size, as `<dt>`/`<dd>` pairs. */
  more?: SafeHtml | '';
}

/** The package section: when it arrived, size, digest, download and home page. */
export function packageSection(p: PackageFacts): SafeHtml {
  const home = p.home ? safeUrl(p.home) : undefined;
  return html`<section aria-labelledby="pkg">
<h2 id="pkg">Package</h2>
<dl class="facts"><dt>${p.arrived}</dt><dd>${date(p.createdAt)}</dd><dt>Size</dt><dd>${(p.size / 1024).toFixed(1)} KiB</dd>${p.more ?? ''}</dl>
<p class="muted">Digest</p><code class="digest">${p.digest}</code>
<p><a href="${p.archive}">Download archive</a>${home ? html` · <a href="${home}" rel="nofollow noopener noreferrer">Home page</a>` : ''}</p>
</section>`;
}

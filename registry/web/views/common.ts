import { html, type SafeHtml } from '../html.ts';

/** `/addons/NAME` or `/addons/NAME/VERSION`. */
export function addonUrl(name: string, version?: string): string {
  return `/addons/${encodeURIComponent(name)}${version ? `/${encodeURIComponent(version)}` : ''}`;
}

/** `/addons/NAME/VERSION/definitions/DEF`. */
export function definitionUrl(addon: string, version: string, name: string): string {
  return `${addonUrl(addon, version)}/definitions/${encodeURIComponent(name)}`;
}

/** The JSON twin of a page path: `/api/v1/pages` + path. */
export function twinUrl(pagePath: string): string {
  return `/api/v1/pages${pagePath === '/' ? '/home' : pagePath}`;
}

/** A definition kind badge. */
export function kindBadge(type: string): SafeHtml {
  return html`<span class="badge kind">${type}</span>`;
}

/** A date as YYYY-MM-DD inside a <time> element. */
export function date(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.slice(0, 10)}</time>`;
}

/** A query string from the defined values. */
export function qs(values: Record<string, string | number | undefined>): string {
  const parts = Object.entries(values).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Previous / Next links of a paged list at `path`, keeping its filters (`query`). */
export function pager(path: string, page: { total: number; offset: number; limit: number }, query: Record<string, string | undefined>): SafeHtml {
  const { total, offset, limit } = page;
  return html`<nav class="pager" aria-label="Pages">
${offset > 0 ? html`<a href="${path}${qs({ ...query, offset: Math.max(0, offset - limit) || undefined })}">Previous</a>` : ''}
${offset + limit < total ? html`<a href="${path}${qs({ ...query, offset: offset + limit })}">Next</a>` : ''}
</nav>`;
}

import { html, type SafeHtml } from '../html.ts';
import { assets } from '../assets.ts';

/** What every page passes to the shell. */
export interface PageShell {
  title: string;
  description?: string;
  /** The page's JSON twin under /api/v1/pages. */
  jsonTwin?: string;
  /** The search box's current text. */
  query?: string;
  body: SafeHtml;
}

/** The HTML document around a page: header with search, main, footer linking the JSON twin. */
export function layout(page: PageShell): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>${page.title} · velahub</title>
${page.description ? html`<meta name="description" content="${page.description}">` : ''}
<link rel="stylesheet" href="${assets.css.url}">
${page.jsonTwin ? html`<link rel="alternate" type="application/json" href="${page.jsonTwin}">` : ''}
<script src="${assets.js.url}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="in">
<a class="brand" href="/">velahub</a>
<form role="search" action="/search" method="get">
<input type="search" name="q" value="${page.query ?? ''}" placeholder="Search addons, definitions, parameters" aria-label="Search addons, definitions and parameters">
<button type="submit">Search</button>
</form>
</div></header>
<main id="main" tabindex="-1">
${page.body}
</main>
<footer class="site">KubeVela addons and X-Definitions · ${page.jsonTwin ? html`<a href="${page.jsonTwin}">this page as JSON</a> · ` : ''}<a href="/index.yaml">index.yaml</a> · <a href="/helm-charts">Helm charts</a></footer>
</body>
</html>
`.text;
}

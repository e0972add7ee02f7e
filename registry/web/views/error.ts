import { html, type SafeHtml } from '../html.ts';

/** An error page: what failed, and a way back. */
export function errorView(status: number, message: string, hint?: string): SafeHtml {
  return html`<h1>${status === 404 ? 'Not found' : status < 500 ? 'That did not work' : 'Something went wrong'}</h1>
<p class="alert bad">${message}</p>
${hint ? html`<p>${hint}</p>` : ''}
<p><a href="/">All addons</a></p>`;
}

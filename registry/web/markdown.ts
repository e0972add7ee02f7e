import { Marked, type Tokens } from 'marked';
import { escapeHtml } from './html.ts';

/** Tags a README may use; every attribute is dropped except the few listed in {@link keptAttributes}. */
const allowedTags = new Set([
  'a', 'abbr', 'b', 'blockquote', 'br', 'code', 'dd', 'del', 'details', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'i', 'img', 'input', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 's', 'small', 'span', 'strong', 'sub', 'summary', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
]);
/** Tags whose content is dropped with them, not shown as text. */
const droppedWithContent = new Set(['script', 'style', 'iframe', 'object', 'embed', 'noscript', 'template', 'textarea', 'title', 'svg', 'math', 'select', 'frameset', 'noembed', 'xmp']);
const voidTags = new Set(['br', 'hr', 'img', 'input']);
const keptAttributes: Record<string, ReadonlySet<string>> = {
  a: new Set(['href', 'title']),
  img: new Set(['src', 'alt', 'title', 'width', 'height']),
  input: new Set(['type', 'checked', 'disabled']),
  td: new Set(['align']),
  th: new Set(['align']),
  details: new Set(['open']),
  ol: new Set(['start']),
};

const tagPattern = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const attributePattern = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', tab: '\t', newline: '\n', nbsp: ' ' };

/** Decodes character references, so `&#106;avascript:` is seen for what it is. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code < 0x110000 ? String.fromCodePoint(code) : '';
    }
    return named[ref.toLowerCase()] ?? m;
  });
}

/**
 * The URL if it is safe in a link or image: relative, fragment, or http(s)/mailto.
 * `javascript:`, `data:`, `vbscript:` and any other scheme give undefined.
 */
export function safeUrl(raw: string, kind: 'link' | 'image' = 'link'): string | undefined {
  const url = decodeEntities(raw).trim();
  // eslint-disable-next-line no-control-regex
  const probe = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(probe)?.[1];
  if (scheme === undefined) return probe.startsWith('//') && kind === 'image' ? undefined : url;
  const allowed = kind === 'image' ? ['http', 'https'] : ['http', 'https', 'mailto'];
  return allowed.includes(scheme) ? url : undefined;
}

/** Text of raw HTML made inert: `<` and `>` escaped, entities kept as they are. */
function escapeText(text: string): string {
  return text.replace(/&(?!(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);)/gi, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Rebuilds one allowed tag with only its permitted, checked attributes. */
function cleanTag(name: string, attrs: string, closing: boolean): string {
  if (closing) return voidTags.has(name) ? '' : `</${name}>`;
  const kept = keptAttributes[name];
  const out: string[] = [];
  if (kept) {
    for (const m of attrs.matchAll(attributePattern)) {
      const attr = m[1]!.toLowerCase();
      if (!kept.has(attr)) continue;
      let value = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
      if (attr === 'href' || attr === 'src') {
        const url = safeUrl(value, attr === 'src' ? 'image' : 'link');
        if (url === undefined) continue;
        value = url;
      }
      if ((attr === 'width' || attr === 'height' || attr === 'start') && !/^\d{1,5}%?$/.test(value)) continue;
      if (attr === 'align' && !/^(left|right|center)$/i.test(value)) continue;
      if (attr === 'type' && value.toLowerCase() !== 'checkbox') continue;
      out.push(m[2] === undefined && m[3] === undefined && m[4] === undefined ? attr : `${attr}="${escapeHtml(value)}"`);
    }
  }
  if (name === 'input' && !out.includes('type="checkbox"')) return '';
  if (name === 'input' && !out.includes('disabled')) out.push('disabled');
  if (name === 'a' && out.some((a) => a.startsWith('href='))) out.push('rel="nofollow noopener noreferrer"');
  if (name === 'img') out.push('loading="lazy"');
  return `<${name}${out.length ? ' ' + out.join(' ') : ''}>`;
}

/**
 * Makes a fragment of raw HTML from a README safe: allowed tags are rebuilt
 * with a few checked attributes (no `on*`, no `style`, no `javascript:` URLs),
 * script-like elements are dropped with their content, everything else is
 * shown as text.
 */
export function sanitizeHtmlFragment(fragment: string): string {
  let out = '';
  let last = 0;
  let skipping: string | undefined;
  for (const m of fragment.matchAll(tagPattern)) {
    const before = fragment.slice(last, m.index);
    last = m.index + m[0].length;
    if (!skipping) out += escapeText(before);
    if (m[0].startsWith('<!--')) continue;
    const closing = m[1] === '/';
    const name = m[2]!.toLowerCase();
    if (skipping) {
      if (closing && name === skipping) skipping = undefined;
      continue;
    }
    if (droppedWithContent.has(name)) {
      if (!closing && !m[0].endsWith('/>')) skipping = name;
      continue;
    }
    if (allowedTags.has(name)) out += cleanTag(name, m[3] ?? '', closing);
  }
  if (!skipping) out += escapeText(fragment.slice(last));
  return out;
}

/**
 * Closes what a README left open and drops closing tags it never opened, so
 * its HTML cannot close or swallow the page's own elements.
 */
function balance(htmlText: string): string {
  const stack: string[] = [];
  const out = htmlText.replace(/<(\/?)([a-z][a-z0-9-]*)\b[^>]*>/g, (tag, slash: string, name: string) => {
    if (voidTags.has(name)) return tag;
    if (!slash) {
      stack.push(name);
      return tag;
    }
    const i = stack.lastIndexOf(name);
    if (i < 0) return '';
    const closed = stack.splice(i);
    return closed.reverse().map((n) => `</${n}>`).join('');
  });
  return out + stack.reverse().map((n) => `</${n}>`).join('');
}

function slug(text: string): string {
  return text.toLowerCase().replace(/<[^>]*>/g, '').replace(/&[^;]+;/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const marked = new Marked({
  gfm: true,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return sanitizeHtmlFragment(text);
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const inner = this.parser.parseInline(tokens);
      const url = safeUrl(href, 'link');
      if (url === undefined) return inner;
      return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''} rel="nofollow noopener noreferrer">${inner}</a>`;
    },
    image({ href, title, text }: Tokens.Image): string {
      const url = safeUrl(href, 'image');
      if (url === undefined) return escapeHtml(text);
      return `<img src="${escapeHtml(url)}" alt="${escapeHtml(text)}"${title ? ` title="${escapeHtml(title)}"` : ''} loading="lazy">`;
    },
    heading({ tokens, depth }: Tokens.Heading): string {
      const inner = this.parser.parseInline(tokens);
      const level = Math.min(6, depth + 1);
      return `<h${level} id="readme-${slug(inner)}">${inner}</h${level}>\n`;
    },
  },
});

/**
 * Renders a package's Markdown (a README) to HTML that is safe to embed:
 * GFM, with raw HTML limited to an allow-list, unsafe URLs removed, headings
 * shifted one level down (the page has its own h1) and given `readme-` anchors.
 */
export function renderMarkdown(markdown: string): string {
  const out = marked.parse(markdown, { async: false });
  return balance(out);
}

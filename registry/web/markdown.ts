import { Marked, type Tokens } from 'marked';
import { LRUCache } from 'lru-cache';
import sanitizeHtml from 'sanitize-html';
import { escapeHtml } from './html.ts';

/** Tags a README may use; every attribute is dropped except the few listed in {@link keptAttributes}. */
const allowedTags = [
  'a', 'abbr', 'b', 'blockquote', 'br', 'code', 'dd', 'del', 'details', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'i', 'img', 'input', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 's', 'small', 'span', 'strong', 'sub', 'summary', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
];
/** Tags whose content is dropped with them, not shown as text. */
const droppedWithContent = ['script', 'style', 'iframe', 'object', 'embed', 'noscript', 'template', 'textarea', 'title', 'svg', 'math', 'select', 'frameset', 'noembed', 'xmp'];
const voidTags = ['br', 'hr', 'img', 'input'];
const keptAttributes: Record<string, string[]> = {
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'title', 'width', 'height', 'loading'],
  input: ['type', 'checked', 'disabled'],
  td: ['align'],
  th: ['align'],
  details: ['open'],
  ol: ['start'],
  // The renderer's heading anchors (only `readme-…` ids are kept) and code blocks' language classes.
  ...Object.fromEntries(['h2', 'h3', 'h4', 'h5', 'h6'].map((h) => [h, ['id']])),
  code: ['class'],
};

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

/** The attribute values a README's HTML may keep: sizes and numbers, alignments, checkboxes. */
const attributeValue: Record<string, RegExp> = { width: /^\d{1,5}%?$/, height: /^\d{1,5}%?$/, start: /^\d{1,5}%?$/, align: /^(left|right|center)$/i, type: /^checkbox$/i };

/** Drops the attributes whose value is not one a README may keep. */
function keepValues(attribs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attribs).filter(([name, value]) => !attributeValue[name] || attributeValue[name].test(value)));
}

/** `href` and `src` through {@link safeUrl}; the attribute goes when the URL is not safe. */
function keepUrl(attribs: Record<string, string>, name: 'href' | 'src'): void {
  if (attribs[name] === undefined) return;
  const url = safeUrl(attribs[name], name === 'src' ? 'image' : 'link');
  if (url === undefined) delete attribs[name];
  else attribs[name] = url;
}

// allowedEmptyAttributes (sanitize-html 2.12+) is missing from @types/sanitize-html.
const readmeHtml: sanitizeHtml.IOptions & { allowedEmptyAttributes: string[] } = {
  allowedTags,
  allowedAttributes: keptAttributes,
  allowedClasses: { code: ['language-*'] },
  allowedEmptyAttributes: ['alt', 'checked', 'disabled'],
  nonTextTags: droppedWithContent,
  selfClosing: voidTags,
  // URLs are judged by safeUrl in transformTags; this is the same rule again, as a second lock.
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  // The parser decodes entities (sanitize-html's safe default) and the output is escaped again; a no-break space is
  // written back as the entity, as READMEs write it.
  textFilter: (text) => text.replace(/\u00a0/g, '&nbsp;'),
  transformTags: {
    '*': (tagName, attribs) => ({ tagName, attribs: keepValues(attribs) }),
    a: (tagName, attribs) => {
      keepUrl(attribs, 'href');
      const { href, title } = attribs;
      return { tagName, attribs: { ...(href !== undefined ? { href } : {}), ...(title !== undefined ? { title } : {}), ...(href !== undefined ? { rel: 'nofollow noopener noreferrer' } : {}) } };
    },
    img: (tagName, attribs) => {
      keepUrl(attribs, 'src');
      return { tagName, attribs: { ...attribs, loading: 'lazy' } };
    },
    input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, disabled: '' } }),
    ...Object.fromEntries(['h2', 'h3', 'h4', 'h5', 'h6'].map((h) => [h, (tagName: string, attribs: sanitizeHtml.Attributes) => ({ tagName, attribs: /^readme-[a-z0-9-]*$/.test(attribs.id ?? '') ? { id: attribs.id! } : {} })])),
  },
  // A text box, a button or any input but a task list's checkbox has no place in a README.
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type?.toLowerCase() !== 'checkbox',
};

/**
 * Makes HTML from a README safe: the allowed tags keep a few checked
 * attributes (no `on*`, no `style`, no `javascript:` URLs), script-like
 * elements are dropped with their content, other tags are dropped and their
 * text kept, stray closing tags go and open ones are closed, so a README can
 * neither run script nor close or swallow the page's own elements.
 */
export function sanitizeHtmlFragment(fragment: string): string {
  // HTML void elements as marked writes them, without the XHTML slash.
  return sanitizeHtml(fragment, readmeHtml).replace(/ \/>/g, '>');
}

function slug(text: string): string {
  return text.toLowerCase().replace(/<[^>]*>/g, '').replace(/&[^;]+;/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const marked = new Marked({
  gfm: true,
  renderer: {
    // Raw HTML goes through as written: the whole output is sanitized at once (which also adds rel and loading), so
    // tags a README opens in one block and closes in another keep their structure. Unsafe Markdown links and images
    // become their text here, as a link without its target would be no link.
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return text;
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const inner = this.parser.parseInline(tokens);
      const url = safeUrl(href, 'link');
      if (url === undefined) return inner;
      return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${inner}</a>`;
    },
    image({ href, title, text }: Tokens.Image): string {
      const url = safeUrl(href, 'image');
      if (url === undefined) return escapeHtml(text);
      return `<img src="${escapeHtml(url)}" alt="${escapeHtml(text)}"${title ? ` title="${escapeHtml(title)}"` : ''}>`;
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
  let out = rendered.get(markdown);
  if (out === undefined) {
    out = sanitizeHtmlFragment(marked.parse(markdown, { async: false }));
    rendered.set(markdown, out);
  }
  return out;
}

// A published README never changes and pages show the same few again and again: parsing and sanitizing
// (about 1.6 ms for a 7 KB README) is done once per text, within 16 MiB of text and HTML.
const rendered = new LRUCache<string, string>({ maxSize: 16 * 1024 * 1024, sizeCalculation: (html, markdown) => Math.max(1, html.length + markdown.length) });

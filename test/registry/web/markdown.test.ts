import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderMarkdown, safeUrl, sanitizeHtmlFragment } from '../../../registry/web/markdown.ts';

/** Each hostile README must render without any way to run script. */
const hostile: Array<{ name: string; md: string; absent: RegExp[]; present?: RegExp[] }> = [
  { name: 'script block', md: '<script>\nwindow.__pwned = 1\n</script>\n', absent: [/<script/i, /__pwned/] },
  { name: 'inline script', md: 'hi <script>window.__pwned=1</script> there', absent: [/<script/i] },
  { name: 'event handler on allowed tag', md: '<b onclick="window.__pwned=1">x</b>', absent: [/onclick/i], present: [/<b>x<\/b>/] },
  { name: 'img onerror', md: '<img src=x onerror="window.__pwned=1">', absent: [/onerror/i], present: [/<img src="x"/] },
  { name: 'iframe', md: '<iframe src="https://evil.example"></iframe>', absent: [/<iframe/i] },
  { name: 'javascript: link in markdown', md: '[click](javascript:alert(1))', absent: [/javascript:/i, /<a /] },
  { name: 'entity-encoded javascript: link', md: '[click](JaVa&#115;cript:alert(1))', absent: [/script:/i, /<a /] },
  { name: 'javascript: href in raw html', md: '<a href="  javascript:alert(1)">x</a>', absent: [/javascript/i] },
  { name: 'data: image', md: '![x](data:image/svg+xml;base64,PHN2Zz4=)', absent: [/data:/, /<img/] },
  { name: 'style attribute and element', md: '<p style="position:fixed">x</p><style>body{}</style>', absent: [/style/i] },
  { name: 'svg with script', md: '<svg><script>alert(1)</script></svg>', absent: [/<svg/i, /<script/i] },
  { name: 'form and input', md: '<form action="https://evil.example"><input type="text" name="p"></form>', absent: [/<form/i, /<input/i] },
  { name: 'stray closing tags cannot close the page', md: '</div></main></body>\n\ntext', absent: [/<\/div>/, /<\/main>/, /<\/body>/] },
  { name: 'unquoted attribute tricks', md: '<a href=javascript:alert(1) title=x>y</a>', absent: [/javascript/i] },
];

describe('renderMarkdown: hostile READMEs', () => {
  for (const row of hostile) {
    test(row.name, () => {
      const out = renderMarkdown(row.md);
      for (const re of row.absent) assert.doesNotMatch(out, re);
      for (const re of row.present ?? []) assert.match(out, re);
    });
  }
});

describe('renderMarkdown: ordinary READMEs', () => {
  test('GFM tables, code, task lists, safe links and headings with anchors', () => {
    const out = renderMarkdown('# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```yaml\nk: <v>\n```\n\n- [x] done\n\n[docs](https://kubevela.io) [rel](docs/x.md) <mailto:a@b.c>\n');
    assert.match(out, /<h2 id="readme-title">Title<\/h2>/);
    assert.match(out, /<table>/);
    assert.match(out, /k: &lt;v&gt;/);
    assert.match(out, /<input checked="" disabled="" type="checkbox">/);
    assert.match(out, /<a href="https:\/\/kubevela.io" rel="nofollow noopener noreferrer">docs<\/a>/);
    assert.match(out, /<a href="docs\/x.md"/);
    assert.match(out, /href="mailto:a@b.c"/);
  });

  test('allowed HTML keeps its structure and loses its attributes', () => {
    assert.equal(sanitizeHtmlFragment('<details open class="x"><summary id="s">More</summary></details>'), '<details open><summary>More</summary></details>');
    assert.equal(sanitizeHtmlFragment('<p align="center">a &amp; b &nbsp; < c</p>'), '<p>a &amp; b &nbsp; &lt; c</p>');
  });
});

describe('safeUrl', () => {
  const rows: Array<[string, 'link' | 'image', string | undefined]> = [
    ['https://x.io/a', 'link', 'https://x.io/a'],
    ['http://x.io', 'image', 'http://x.io'],
    ['docs/a.md', 'link', 'docs/a.md'],
    ['#section', 'link', '#section'],
    ['mailto:a@b.c', 'link', 'mailto:a@b.c'],
    ['mailto:a@b.c', 'image', undefined],
    ['javascript:alert(1)', 'link', undefined],
    [' java\tscript:alert(1)', 'link', undefined],
    ['&#x6A;avascript:alert(1)', 'link', undefined],
    ['vbscript:x', 'link', undefined],
    ['data:text/html,x', 'link', undefined],
    ['//evil.example/x.png', 'image', undefined],
  ];
  for (const [url, kind, expected] of rows) {
    test(`${kind} ${JSON.stringify(url)}`, () => assert.equal(safeUrl(url, kind), expected));
  }
});

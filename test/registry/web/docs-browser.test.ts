/**
 * The docs browser end to end: a registry seeded with the bundled addons plus a
 * two-version fixture, its pages over HTTP (sizes, JSON twins, render API),
 * and the pages in Debian's chromium through playwright-core (search, nested
 * parameter tables, try-it form, diff, README safety, keyboard, phone, dark
 * mode). Screenshots go to test-output/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { packFiles } from '../../../core/package/archive.ts';
import { publishArchive } from '../../../registry/publish.ts';
import { startServer, type RunningServer } from '../../../registry/server.ts';
import type { TokenRecord } from '../../../registry/store/records.ts';
import { bundledVersion } from '../../support/bundled.ts';
import { browserSkipReason, openBrowser, screenshots, type TestBrowser } from '../../support/browser.ts';

const adminToken = 'docs-browser-test-admin-token';
const admin: TokenRecord = { id: 'test-admin', description: 'docs browser tests', scope: 'admin', pattern: null, createdAt: new Date(0).toISOString(), revokedAt: null };

/** The fixture addon `diff-demo`: 2.0.0 removes `legacyPort`, adds `path`, and its README tries to run script. */
/** The bundled bizworks-ingress version the pages are read at. */
const ingressV = bundledVersion('bizworks-ingress');

function diffDemo(version: '1.0.0' | '2.0.0'): Map<string, Uint8Array> {
  const v2 = version === '2.0.0';
  const metadata = `name: diff-demo\nversion: ${version}\ndescription: Fixture addon for the docs browser tests\ntags: [Demo]\ndependencies:\n  - name: hpa-trait\n    version: ">=1.0.0"\nsystem:\n  kubernetes: ">=1.22"\n`;
  const readme = v2
    ? '# diff-demo\n\nSecond version.\n\n<script>window.__pwned = 1</script>\n\n<img src="x" onerror="window.__pwned = 2">\n\n[click me](javascript:window.__pwned=3)\n\n<a href="#" onclick="window.__pwned = 4">or me</a>\n'
    : '# diff-demo\n\nFirst version.\n';
  const definition = `"demo-route": {
	type: "trait"
	description: "A demo trait: one Service per component"
	attributes: {
		podDisruptive: false
		appliesToWorkloads: ["deployments.apps"]
	}
}
template: {
	parameter: {
		// +usage=Host name the route answers
		domain: string
${v2 ? '\t\t// +usage=Path of the route\n\t\tpath: *"/" | string\n' : '\t\t// +usage=Port of the old API\n\t\tlegacyPort?: int\n'}	}
	outputs: service: {
		apiVersion: "v1"
		kind:       "Service"
		metadata: name: context.name
		spec: ports: [{port: 80}]
	}
}
`;
  const text = (s: string) => new TextEncoder().encode(s);
  return new Map([['metadata.yaml', text(metadata)], ['README.md', text(readme)], ['definitions/demo-route.cue', text(definition)]]);
}

let server: RunningServer;
let base: string;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'velahub-docs-'));
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, seedDir: 'addons', adminToken, say: () => {}, logger: pino({ level: 'silent' }) });
  base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  for (const version of ['1.0.0', '2.0.0'] as const) {
    await publishArchive(server.registry, packFiles('diff-demo', diffDemo(version), { name: 'diff-demo', version }).data, admin);
  }
}, { timeout: 180_000 });

after(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function getJson(path: string): Promise<any> {
  const res = await fetch(base + path);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.json();
}

describe('docs pages over HTTP', () => {
  const pages = [
    '/',
    '/?tag=BizWorks&type=trait',
    '/search?q=domain',
    '/search?parameter=domain',
    '/addons/bizworks-ingress',
    '/addons/bizworks-platform',
    '/addons/stateful-component/1.0.0',
    `/addons/bizworks-ingress/${ingressV}/definitions/bizworks-ingress`,
    '/addons/stateless-component/1.0.0/definitions/stateless-component',
    '/addons/stateful-component/1.0.0/definitions/stateful-component',
    `/addons/helm-component/${bundledVersion('helm-component')}/definitions/helm-component`,
    '/addons/hpa-trait/1.0.0/definitions/hpa-trait',
    '/addons/bizworks-rollout',
    `/addons/bizworks-rollout/${bundledVersion('bizworks-rollout')}/definitions/bizworks-rollout`,
    '/addons/diff-demo/diff?from=1.0.0&to=2.0.0',
  ];

  test('every page is HTML under 100 KB with a strict Content-Security-Policy and a JSON twin', async (t) => {
    for (const path of pages) {
      const res = await fetch(base + path, { headers: { 'accept-encoding': 'identity' } });
      const body = await res.text();
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const bytes = Buffer.byteLength(body);
      t.diagnostic(`${path}: ${bytes} bytes`);
      assert.ok(bytes < 100 * 1024, `${path} is ${bytes} bytes`);
      assert.doesNotMatch(body, /https?:\/\/(?!127\.0\.0\.1|kubevela|kubernetes)[^"'\s]+\.(js|css|woff2?)\b/, `${path} loads nothing from elsewhere`);
      const twin = /<link rel="alternate" type="application\/json" href="([^"]+)">/.exec(body)?.[1];
      assert.ok(twin, `${path} names its JSON twin`);
      assert.equal((await fetch(base + twin!.replace(/&amp;/g, '&'))).status, 200, `twin of ${path}`);
    }
  });

  test('the page twins carry exactly what the JSON API serves', async () => {
    const addon = await getJson(`/api/v1/pages/addons/bizworks-ingress/${ingressV}`);
    assert.deepEqual(addon.version, await getJson(`/api/v1/addons/bizworks-ingress/versions/${ingressV}`));
    assert.deepEqual(addon.addon, await getJson('/api/v1/addons/bizworks-ingress'));
    const def = await getJson(`/api/v1/pages/addons/bizworks-ingress/${ingressV}/definitions/bizworks-ingress`);
    assert.deepEqual(def.definition, await getJson(`/api/v1/addons/bizworks-ingress/versions/${ingressV}/definitions/bizworks-ingress`));
    const diff = await getJson('/api/v1/pages/addons/diff-demo/diff?from=1.0.0&to=2.0.0');
    assert.deepEqual(diff.diff, await getJson('/api/v1/addons/diff-demo/diff?from=1.0.0&to=2.0.0'));
    const home = await getJson('/api/v1/pages/home?tag=BizWorks');
    assert.deepEqual(home.addons, await getJson('/api/v1/addons?tag=BizWorks&limit=50'));
  });

  test('reverse dependencies come from the stored metadata', async () => {
    const { dependents } = await getJson('/api/v1/addons/hpa-trait/dependents');
    assert.deepEqual(dependents.map((d: { name: string }) => d.name), ['bizworks-platform', 'diff-demo']);
    assert.deepEqual(dependents[1], { name: 'diff-demo', latest: '2.0.0', range: '>=1.0.0', versions: ['2.0.0', '1.0.0'] });
    const flux = await getJson('/api/v1/addons/fluxcd/dependents');
    assert.deepEqual(flux.dependents.map((d: { name: string }) => d.name), ['helm-component']);
    assert.equal((await fetch(`${base}/api/v1/addons/no-such-addon/dependents`)).status, 404);
    const page = await (await fetch(`${base}/addons/hpa-trait`)).text();
    assert.match(page, /<a href="\/addons\/diff-demo">diff-demo<\/a>/);
  });

  test('bizworks-rollout\'s definition page: the parameter reference of every level and an example', async () => {
    const page = await (await fetch(`${base}/addons/bizworks-rollout/${bundledVersion('bizworks-rollout')}/definitions/bizworks-rollout`)).text();
    for (const field of ['mode', 'batches', 'replicas', 'duration', 'weight', 'traffic', 'ingress', 'gracePeriodSeconds', 'workload']) assert.match(page, new RegExp(`>${field}<`), `the reference lists ${field}`);
    assert.match(page, /Seconds to wait once the batch is ready/);
    assert.match(page, /<h2 id="example">Example<\/h2>/);
    assert.match(page, /type: bizworks-rollout/);
  });

  test('the install commands name the version when it is not the latest', async () => {
    const latest = await getJson('/api/v1/pages/addons/diff-demo');
    assert.equal(latest.install.velahub, 'velahub enable diff-demo');
    assert.equal(latest.install.vela, 'vela addon enable diff-demo');
    const old = await getJson('/api/v1/pages/addons/diff-demo/1.0.0');
    assert.equal(old.install.velahub, 'velahub enable diff-demo@1.0.0');
    assert.equal(old.install.vela, 'vela addon enable diff-demo --version 1.0.0');
    assert.match(old.install.registry, /^vela addon registry add velahub --type helm --endpoint http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('missing addons, versions and definitions are HTML 404 pages; bad filters are 400', async () => {
    for (const path of ['/addons/no-such-addon', '/addons/bizworks-ingress/9.9.9', `/addons/bizworks-ingress/${ingressV}/definitions/nope`]) {
      const res = await fetch(base + path);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await res.text(), /<h1>Not found<\/h1>/);
    }
    assert.equal((await fetch(`${base}/?type=widget`)).status, 400);
    assert.equal((await fetch(`${base}/addons/diff-demo/diff?from=one`)).status, 400);
  });

  test('render API: a filled route gives a Service and an Ingress; schema and template errors name the field', async () => {
    const url = `${base}/api/v1/addons/bizworks-ingress/versions/${ingressV}/definitions/bizworks-ingress/render`;
    const post = (body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await post({ parameters: { route: [{ port: 8080, ingressName: 'web', domain: 'shop.example.com' }] }, context: { name: 'shop' } });
    assert.equal(ok.status, 200);
    const body = await ok.json();
    assert.deepEqual(body.keys, ['outputs.ingress-web', 'outputs.service-shop']);
    assert.equal(body.objects[1].spec.selector['app.oam.dev/component'], 'shop');
    assert.equal(body.objects[0].spec.rules[0].host, 'shop.example.com');
    assert.equal((await post({ context: { name: 'shop' }, parameters: { route: [{ domain: 'shop.example.com', ingressName: 'web', port: 8080 }] } })).headers.get('x-render-cache'), 'hit');
    const bad = await post({ parameters: { route: [{ port: 80, servicePort: 'abc' }] } });
    assert.equal(bad.status, 422);
    assert.deepEqual((await bad.json()).problems.map((p: { field: string }) => p.field), ['route[0].servicePort']);
    const https = await post({ parameters: { route: [{ port: 443, ingressName: 'web', ingressProtocolType: 'HTTPS' }] } });
    assert.equal(https.status, 422);
    const problems = (await https.json()).problems as Array<{ field?: string; message: string }>;
    assert.ok(problems.some((p) => p.field === 'route[0].secretName'), JSON.stringify(problems));
  });
});

describe('docs pages in chromium', { skip: browserSkipReason() }, () => {
  let browser: TestBrowser | undefined;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    // 422: the try-it form's refused render; 404: the fixture README's broken <img src="x">.
    browser = await openBrowser({ profilePrefix: 'velahub-chromium-', colorScheme: 'light', expectedConsoleErrors: /status of (422|404)/, errors });
    page = browser.page;
  }, { timeout: 60_000 });

  after(() => browser?.close());

  test('home lists the addons with their kinds; a screenshot is written', async () => {
    await page.goto(`${base}/`);
    await page.locator('.card h2 a', { hasText: 'bizworks-ingress' }).waitFor();
    assert.ok((await page.locator('.cards > li').count()) >= 7);
    await page.screenshot({ path: join(screenshots, 'home.png'), fullPage: true });
    await page.selectOption('select[name=type]', 'component');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/type=component/);
    const names = await page.locator('.card h2 a').allTextContents();
    assert.deepEqual(names.sort(), ['helm-component', 'stateful-component', 'stateless-component']);
  });

  test('search finds bizworks-ingress by the parameter name "domain"', async () => {
    await page.goto(`${base}/`);
    await page.fill('header input[name=q]', 'domain');
    await page.press('header input[name=q]', 'Enter');
    await page.waitForURL(/\/search\?q=domain/);
    const hit = page.locator('#defs-h + ul .card', { hasText: 'bizworks-ingress' });
    await hit.waitFor();
    assert.match(await hit.innerText(), /route\.domain/);
    await page.goto(`${base}/search?parameter=domain`);
    const link = page.locator('a[href$="#param-route.domain"]');
    await link.click();
    await page.waitForURL(/definitions\/bizworks-ingress#param-route\.domain$/);
    assert.ok(await page.locator('[id="param-route.domain"]').isVisible());
  });

  test('the definition page shows the route list’s nested fields with their defaults', async () => {
    await page.goto(`${base}/addons/bizworks-ingress/${ingressV}/definitions/bizworks-ingress`);
    const cells = async (id: string) => page.locator(`[id="${id}"] > td`).allInnerTexts();
    const klass = await cells('param-route.class');
    assert.equal(klass[0], 'class');
    assert.equal(klass[4], 'nginx');
    assert.ok(await page.locator('[id="param-route.class"]').isVisible());
    const inSpec = await cells('param-route.classInSpec');
    assert.equal(inSpec[2], 'bool');
    assert.equal(inSpec[4], 'false');
    assert.deepEqual((await cells('param-route.port')).slice(2, 4), ['int', 'yes']);
    assert.ok(!(await page.locator('[id="param-route.annotations.name"]').isVisible()), 'deeper tables start collapsed');
    await page.screenshot({ path: join(screenshots, 'definition.png'), fullPage: true });
    await page.goto(`${base}/addons/bizworks-ingress/${ingressV}/definitions/bizworks-ingress#param-route.annotations.name`);
    await page.locator('[id="param-route.annotations.name"]').waitFor({ state: 'visible' });
    assert.match(await page.locator('#example').locator('xpath=..').innerText(), /type: bizworks-ingress/);
  });

  test('try it: a filled route renders a Service and an Ingress; servicePort "abc" shows an error next to the field', async () => {
    await page.goto(`${base}/addons/bizworks-ingress/${ingressV}/definitions/bizworks-ingress`);
    const route = page.locator('#tryit [data-key=route] > ol > li.item').first();
    await route.locator('[data-key=ingressName] input').fill('web');
    await route.locator('[data-key=domain] input').fill('shop.example.com');
    await page.click('#tryit button[type=submit]');
    await page.locator('#tryit-output').waitFor({ state: 'visible' });
    const yaml = await page.locator('#tryit-output').innerText();
    assert.match(yaml, /kind: Service/);
    assert.match(yaml, /kind: Ingress/);
    assert.match(yaml, /host: shop\.example\.com/);
    assert.match(await page.locator('#tryit-status').innerText(), /Rendered 2 object\(s\)/);
    await page.locator('#tryit').screenshot({ path: join(screenshots, 'try-it.png') });

    await route.locator('[data-key=servicePort] input').fill('abc');
    await page.click('#tryit button[type=submit]');
    const error = route.locator('[data-key=servicePort] .err');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.innerText(), /route\[0\]\.servicePort.*must be an integer, got "abc"/);
    assert.equal(await route.locator('[data-key=servicePort] input').getAttribute('aria-invalid'), 'true');
    assert.ok(await page.locator('#tryit-output').isHidden());

    await page.click('#tryit [data-key=route] > button[data-action=add]');
    assert.equal(await page.locator('#tryit [data-key=route] > ol > li.item').count(), 2);
    await page.locator('#tryit [data-key=route] > ol > li.item').nth(1).locator('button[data-action=remove]').click();
    assert.equal(await page.locator('#tryit [data-key=route] > ol > li.item').count(), 1);
  });

  test('the addon page renders the README but never its script', async () => {
    await page.goto(`${base}/addons/diff-demo/2.0.0`);
    await page.locator('#readme').waitFor();
    assert.match(await page.locator('#readme').innerText(), /Second version/);
    await page.locator('#readme a', { hasText: 'or me' }).click();
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.equal(await page.locator('#readme script, #readme [onerror], #readme [onclick], #readme a[href^="javascript:"]').count(), 0);
    assert.ok(!errors.some((e) => /Content Security Policy/.test(e)), `the sanitizer, not only CSP, stopped it: ${errors.join('; ')}`);
  });

  test('the addon page shows versions, dependencies, dependents and install commands', async () => {
    await page.goto(`${base}/addons/bizworks-ingress`);
    const aside = await page.locator('aside').innerText();
    assert.match(aside, /velahub enable bizworks-ingress/);
    assert.match(aside, /vela addon enable bizworks-ingress/);
    assert.match(aside, /sha256:[0-9a-f]{64}/);
    assert.match(aside, /Kubernetes\s+>=1\.19/);
    await page.locator('aside a', { hasText: 'bizworks-platform' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'addon.png'), fullPage: true });
    await page.goto(`${base}/addons/diff-demo/1.0.0`);
    assert.match(await page.locator('.versions').innerText(), /2\.0\.0\s+\d{4}-\d\d-\d\d\s+latest/);
  });

  test('the diff page marks the removed parameter as breaking', async () => {
    await page.goto(`${base}/addons/diff-demo/diff?from=1.0.0&to=2.0.0`);
    const removed = page.locator('li[data-path="legacyPort"]');
    assert.match(await removed.innerText(), /breaking\s+legacyPort\s+parameter "legacyPort" was removed/);
    assert.match(await page.locator('li[data-path="path"]').innerText(), /compatible/);
    assert.match(await page.locator('pre.diff').innerText(), /-First version\.\n\+Second version\./);
    await page.screenshot({ path: join(screenshots, 'diff.png'), fullPage: true });
  });

  test('keyboard: the first Tab reaches "Skip to content", nested tables open with Enter', async () => {
    await page.goto(`${base}/addons/bizworks-ingress/${ingressV}/definitions/bizworks-ingress`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    const summary = page.locator('details[data-table="route.annotations"] > summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    assert.ok(await page.locator('[id="param-route.annotations.value"]').isVisible());
  });

  test('on a phone the pages do not scroll sideways; dark mode follows the system', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/', '/addons/bizworks-ingress', `/addons/bizworks-ingress/${ingressV}/definitions/bizworks-ingress`, '/addons/diff-demo/diff']) {
      await page.goto(base + path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} overflows by ${overflow}px`);
    }
    await page.screenshot({ path: join(screenshots, 'diff-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${base}/addons/bizworks-ingress/${ingressV}/definitions/bizworks-ingress`);
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), light);
    await page.screenshot({ path: join(screenshots, 'definition-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('no page raised a script error', () => {
    assert.deepEqual(errors, []);
  });
});

describe('deprecated and yanked versions', () => {
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}/api/v1/addons/diff-demo/versions/1.0.0/${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  test('are marked in the versions list and explained on their own page', async () => {
    assert.equal((await call('PUT', 'deprecation', { message: 'use 2.0.0' })).status, 200);
    assert.equal((await call('PUT', 'yank', { reason: 'leaks the port' })).status, 200);
    try {
      const list = await (await fetch(`${base}/addons/diff-demo`)).text();
      assert.match(list, /<a href="\/addons\/diff-demo\/1\.0\.0">1\.0\.0<\/a> <time[^>]*>\d{4}-\d\d-\d\d<\/time> <span class="badge bad"[^>]*>yanked<\/span> <span class="badge warn" title="use 2.0.0">deprecated<\/span>/);
      const own = await (await fetch(`${base}/addons/diff-demo/1.0.0`)).text();
      assert.match(own, /This version was yanked: leaks the port/);
      assert.match(own, /Deprecated: use 2\.0\.0/);
    } finally {
      await call('DELETE', 'yank');
      await call('DELETE', 'deprecation');
    }
  });
});

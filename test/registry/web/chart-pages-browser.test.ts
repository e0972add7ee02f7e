/**
 * The chart pages in Debian's chromium (playwright-core): the list, a chart page with a hostile
 * README that must not run, the values table with its nested rows, the Application to paste,
 * and no sideways scrolling on a phone. Screenshots go to test-output/screenshots/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import type { Page } from 'playwright-core';
import { chartArchive } from '../../support/charts.ts';
import { browserSkipReason, openBrowser, screenshots, type TestBrowser } from '../../support/browser.ts';
import { testServerForFile } from '../../support/file-test-server.ts';

const hostileReadme = '# web-shop\n\nA shop.\n\n<script>window.__pwned = 1</script>\n\n<img src="x" onerror="window.__pwned = 2">\n\n[click me](javascript:window.__pwned=3)\n';

const { srv, ready } = testServerForFile();

before(async () => {
  await ready;
  for (const version of ['1.0.0', '1.1.0']) {
    const form = new FormData();
    form.append('chart', new Blob([new Uint8Array(chartArchive('web-shop', version, { 'README.md': hostileReadme }))]), 'chart.tgz');
    assert.equal((await srv.json('/helm/api/charts', { method: 'POST', body: form, token: srv.adminToken })).status, 201);
  }
});

describe('chart pages in chromium', { skip: browserSkipReason() }, () => {
  let browser: TestBrowser | undefined;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    // 404: the README's broken <img src="x">.
    browser = await openBrowser({ profilePrefix: 'velahub-chromium-charts-', expectedConsoleErrors: /status of 404/, errors });
    page = browser.page;
  }, { timeout: 60_000 });

  after(() => browser?.close());

  test('the footer leads to the chart list, which leads to the chart', async () => {
    await page.goto(`${srv.url}/`);
    await page.locator('footer a', { hasText: 'Helm charts' }).click();
    await page.locator('.card h2 a', { hasText: 'web-shop' }).click();
    await page.waitForURL(`${srv.url}/helm-charts/web-shop`);
    assert.equal(await page.locator('h1').innerText(), 'web-shop 1.1.0 latest');
  });

  test('the README is shown without running its script; the values table opens nested rows', async () => {
    await page.goto(`${srv.url}/helm-charts/web-shop`);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    await page.locator('#readme a', { hasText: 'click me' }).click().catch(() => undefined);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.ok(await page.locator('#param-image\\.tag').isVisible(), 'the first level of nested values is open');
    assert.match(await page.locator('#param-message').innerText(), /Message written into the ConfigMap/);
    await page.screenshot({ path: join(screenshots, 'chart.png'), fullPage: true });
  });

  test('the Application on the page is the one the API offers, ready to paste', async () => {
    await page.goto(`${srv.url}/helm-charts/web-shop/1.0.0`);
    const shown = parse(await page.locator('#application').innerText());
    assert.deepEqual(shown, parse((await srv.json('/api/v1/charts/web-shop/versions/1.0.0')).body.application));
    assert.equal(shown.spec.components[0].properties.version, '1.0.0');
  });

  test('on a phone the chart pages do not scroll sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/helm-charts', '/helm-charts/web-shop']) {
      await page.goto(srv.url + path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} overflows by ${overflow}px`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('no page error and no console error on the way', () => {
    assert.deepEqual(errors, []);
  });
});

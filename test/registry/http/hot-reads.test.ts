/**
 * The hot-read layer in front of the express app, over a real registry (in-memory PGlite, a temp
 * blob folder) on a loopback port: prepared bytes and ETags, 304s answered without a database
 * query, immediate invalidation after a write, and everything else handed to express unchanged.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { sha256 } from '../../../core/package/archive.ts';
import { createApp } from '../../../registry/app.ts';
import { createHotReads, type HotReads } from '../../../registry/http/hot-reads.ts';
import { openRegistry, type Registry } from '../../../registry/registry.ts';
import { createToken } from '../../../registry/tokens.ts';
import { addonArchive } from '../../support/packages.ts';
import { rawGet } from '../../support/registry-server.ts';

const cue = new CueEvaluator();
let dataDir: string;
let registry: Registry;
let hot: HotReads;
let server: Server;
let appOnly: Server;
let url: string;
let appUrl: string;
let admin: string;
let queries = 0;

async function listen(s: Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function publish(bytes: Uint8Array): Promise<number> {
  const res = await fetch(`${url}/api/v1/packages`, { method: 'POST', body: new Uint8Array(bytes), headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/gzip' } });
  await res.arrayBuffer();
  return res.status;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'velahub-hot-'));
  // No safety-net poll during the tests: every query counted below is one a request caused.
  registry = await openRegistry({ dataDir, memory: true, cue, catalogPollMs: 3_600_000 });
  admin = (await createToken(registry.store, { scope: 'admin' })).token;
  const db = registry.store.db;
  const query = db.query.bind(db);
  db.query = ((sql: string, params?: unknown[]) => {
    queries++;
    return query(sql, params);
  }) as typeof db.query;
  hot = createHotReads({ registry });
  const app = createApp({ registry, countRequests: hot.countRequests });
  server = createServer((req, res) => hot.handle(req, res, app));
  appOnly = createServer(createApp({ registry }));
  [url, appUrl] = await Promise.all([listen(server), listen(appOnly)]);
  assert.equal(await publish(addonArchive('hot-addon', '1.0.0', { readme: `# hot\n\n${'lorem ipsum '.repeat(500)}\n` })), 201);
});

after(async () => {
  server.closeAllConnections();
  appOnly.closeAllConnections();
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => appOnly.close(r))]);
  hot.close();
  await registry.close();
  await cue.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('hot reads', () => {
  test('index.yaml: identity and gzip carry the same document and strong ETag; HEAD sends no body', async () => {
    const plain = await rawGet(`${url}/index.yaml`);
    const zipped = await rawGet(`${url}/index.yaml`, { 'accept-encoding': 'gzip, br' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-type'], 'application/x-yaml');
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(zipped.body).toString(), plain.body.toString());
    assert.equal(plain.headers.etag, zipped.headers.etag);
    assert.match(String(plain.headers.etag), /^"[A-Za-z0-9_-]{43}"$/);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    assert.equal(plain.headers['cache-control'], 'public, max-age=30');
    assert.equal((await rawGet(`${url}/index.yaml`, { 'accept-encoding': 'gzip;q=0' })).headers['content-encoding'], undefined);
    const head = await fetch(`${url}/index.yaml`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  test('the same bytes as the express route would send, for index.yaml and both JSON documents', async () => {
    for (const path of ['/index.yaml', '/api/v1/addons/hot-addon', '/api/v1/addons/hot-addon/versions/1.0.0']) {
      const [h, e] = await Promise.all([rawGet(url + path), rawGet(appUrl + path)]);
      assert.equal(h.status, 200, path);
      assert.equal(h.body.toString(), e.body.toString(), path);
    }
  });

  test('both fronts answer a hot path with the same headers: one table, one preparation (ETag, type, caching, nosniff)', async () => {
    const paths = ['/index.yaml', '/api/v1/addons/hot-addon', '/api/v1/addons/hot-addon/versions/1.0.0', '/charts/hot-addon-1.0.0.tgz', '/api/v1/addons/hot-addon/versions/1.0.0/archive'];
    for (const path of paths) {
      for (const encoding of ['identity', 'gzip']) {
        const [h, e] = await Promise.all([rawGet(url + path, { 'accept-encoding': encoding }), rawGet(appUrl + path, { 'accept-encoding': encoding })]);
        assert.equal(h.status, 200, path);
        assert.equal(h.headers['x-content-type-options'], 'nosniff', `${path}: the hot front sends nosniff too`);
        for (const header of ['etag', 'content-type', 'cache-control', 'content-encoding', 'x-content-type-options', 'docker-content-digest']) {
          assert.equal(h.headers[header], e.headers[header], `${path} (${encoding}): ${header}`);
        }
        assert.deepEqual(h.body, e.body, path);
      }
    }
    const notModified = await rawGet(`${url}/index.yaml`, { 'if-none-match': String((await rawGet(`${url}/index.yaml`)).headers.etag) });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers['x-content-type-options'], 'nosniff');
  });

  test('an archive whose version has a leading v is a hot read too: a warm 304 queries nothing', async () => {
    assert.equal(await publish(addonArchive('vstyle-addon', 'v1.9.5')), 201);
    const path = '/charts/vstyle-addon-v1.9.5.tgz';
    const first = await rawGet(url + path);
    assert.equal(first.status, 200);
    const before = queries;
    const again = await rawGet(url + path, { 'if-none-match': String(first.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal(queries, before, 'served from the hot front, not handed to express');
  });

  test('a warm If-None-Match is answered 304 with no database query, for every hot path and ETag form', async () => {
    const paths = ['/index.yaml', '/api/v1/addons/hot-addon', '/api/v1/addons/hot-addon/versions/1.0.0', '/charts/hot-addon-1.0.0.tgz', '/api/v1/addons/hot-addon/versions/1.0.0/archive'];
    const etags = new Map<string, string>();
    for (const p of paths) etags.set(p, String((await rawGet(url + p)).headers.etag));
    const before = queries;
    for (const p of paths) {
      const etag = etags.get(p)!;
      for (const form of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const r = await rawGet(url + p, { 'if-none-match': form });
        assert.equal(r.status, 304, `${p} with ${form}`);
        assert.equal(r.body.length, 0);
        assert.equal(r.headers.etag, etag);
      }
      assert.equal((await rawGet(url + p, { 'if-none-match': '"stale"' })).status, 200, p);
    }
    assert.equal(queries, before, 'warm hot reads must not query the database');
  });

  test('an archive: its bytes, ETag = digest, immutable caching, never gzipped again', async () => {
    const r = await rawGet(`${url}/charts/hot-addon-1.0.0.tgz`, { 'accept-encoding': 'gzip' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.etag, `"${sha256(r.body)}"`);
    assert.equal(r.headers['docker-content-digest'], sha256(r.body));
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers['content-encoding'], undefined);
  });

  test('a publish is visible at once: new index and addon JSON, the old ETags no longer match', async () => {
    const oldIndex = await rawGet(`${url}/index.yaml`);
    const oldAddon = await rawGet(`${url}/api/v1/addons/hot-addon`);
    assert.equal(await publish(addonArchive('hot-addon', '1.1.0')), 201);
    const index = await rawGet(`${url}/index.yaml`, { 'if-none-match': String(oldIndex.headers.etag) });
    assert.equal(index.status, 200);
    assert.match(index.body.toString(), /version: 1\.1\.0/);
    assert.ok(Number(index.headers['x-catalog-revision']) > Number(oldIndex.headers['x-catalog-revision']));
    const addon = await rawGet(`${url}/api/v1/addons/hot-addon`, { 'if-none-match': String(oldAddon.headers.etag) });
    assert.equal(addon.status, 200);
    assert.equal(JSON.parse(addon.body.toString()).latest, '1.1.0');
  });

  test('a yank (an admin write through express) drops the prepared index at once', async () => {
    const res = await fetch(`${url}/api/v1/addons/hot-addon/versions/1.1.0/yank`, { method: 'PUT', body: JSON.stringify({ reason: 'test' }), headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' } });
    assert.equal(res.status, 200, await res.text());
    assert.doesNotMatch((await rawGet(`${url}/index.yaml`)).body.toString(), /version: 1\.1\.0/);
  });

  test('what is not hot goes to express: unknown names get its 404 document, queries and tokens its checks', async () => {
    const missing = await rawGet(`${url}/api/v1/addons/no-such-addon`);
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body.toString()).code, 'ENOT_FOUND');
    const chart = await rawGet(`${url}/charts/no-such-addon-1.0.0.tgz`);
    assert.equal(chart.status, 404);
    const badToken = await rawGet(`${url}/index.yaml`, { authorization: 'Bearer nope' });
    assert.equal(badToken.status, 401, 'a bad token is refused on a hot path too');
    const search = await rawGet(`${url}/api/v1/addons?q=hot`);
    assert.equal(JSON.parse(search.body.toString()).items[0].name, 'hot-addon');
    assert.equal((await rawGet(`${url}/healthz`)).status, 200);
  });

  test('/metrics counts hot reads in velahub_http_requests_total, labelled like the express routes', async () => {
    // Hot reads are added to the counter once a second: poll briefly.
    let text = '';
    for (let i = 0; i < 30 && !/route="\/index.yaml",status="304"/.test(text); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      text = await (await fetch(`${url}/metrics`)).text();
    }
    assert.match(text, /^velahub_http_requests_total\{method="GET",route="\/index.yaml",status="304"\} [1-9]\d*$/m);
    assert.match(text, /^velahub_http_requests_total\{method="GET",route="\/charts\/:file",status="200"\} [1-9]\d*$/m);
    assert.match(text, /^velahub_http_requests_total\{method="GET",route="\/api\/v1\/addons\/:name",status="200"\} [1-9]\d*$/m);
  });

  test('archives are kept least recently used out first within their byte budget; one over a quarter of it is never kept', async () => {
    const versions = ['2.0.0', '2.1.0', '2.2.0', '2.3.0', '2.4.0'];
    const sizes: number[] = [];
    for (const v of versions) {
      const bytes = addonArchive('lru-addon', v);
      sizes.push(bytes.length);
      assert.equal(await publish(bytes), 201);
    }
    const largest = Math.max(...sizes);
    const smallest = Math.min(...sizes);
    const reads: string[] = [];
    const get = registry.blobs.get.bind(registry.blobs);
    registry.blobs.get = (digest: string) => {
      reads.push(digest);
      return get(digest);
    };
    // Room for four archives and not five, each within a quarter of the budget.
    const budget = Math.max(4 * largest, 5 * smallest - 1);
    assert.ok(budget < 5 * smallest && budget >= 4 * largest, 'the archives must be of near equal size for this budget');
    const lru = createHotReads({ registry, archiveCacheBytes: budget });
    const tiny = createHotReads({ registry, archiveCacheBytes: 2 * largest });
    const app = createApp({ registry });
    const lruServer = createServer((req, res) => lru.handle(req, res, app));
    const tinyServer = createServer((req, res) => tiny.handle(req, res, app));
    try {
      const [lruUrl, tinyUrl] = await Promise.all([listen(lruServer), listen(tinyServer)]);
      const fetchArchive = async (base: string, v: string): Promise<number> => {
        const n = reads.length;
        assert.equal((await rawGet(`${base}/charts/lru-addon-${v}.tgz`)).status, 200);
        return reads.length - n;
      };
      for (const v of versions.slice(0, 4)) assert.equal(await fetchArchive(lruUrl, v), 1, `${v} first read`);
      assert.equal(await fetchArchive(lruUrl, '2.0.0'), 0, '2.0.0 is cached (and now the most recently used)');
      assert.equal(await fetchArchive(lruUrl, '2.4.0'), 1, 'a fifth archive is read and pushes out the least recently used');
      assert.equal(await fetchArchive(lruUrl, '2.0.0'), 0, '2.0.0 stayed: it was used after 2.1.0');
      assert.equal(await fetchArchive(lruUrl, '2.1.0'), 1, '2.1.0 was the one pushed out');
      assert.equal(await fetchArchive(tinyUrl, '2.0.0'), 1);
      assert.equal(await fetchArchive(tinyUrl, '2.0.0'), 1, 'an archive over a quarter of the budget is served but not kept');
    } finally {
      registry.blobs.get = get;
      for (const s of [lruServer, tinyServer]) s.closeAllConnections();
      await Promise.all([lruServer, tinyServer].map((s) => new Promise((r) => s.close(r))));
      lru.close();
      tiny.close();
    }
  });
});

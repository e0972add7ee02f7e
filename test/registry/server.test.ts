/**
 * startServer, as `velahub serve` runs it: seeding an empty store with the
 * bundled addons, the admin token printed once, restarts that neither re-seed
 * nor mint a new token, and the health, readiness and metrics endpoints.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startServer, type RunningServer, type ServeOptions } from '../../registry/server.ts';
import { bundledAddons, bundledAddonsDir, type BundledAddon } from '../support/bundled.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
const running: RunningServer[] = [];

/** Starts a server on a free loopback port and collects what it says. */
async function start(options: Partial<ServeOptions> & { dataDir: string }): Promise<{ server: RunningServer; lines: string[]; base: string }> {
  const lines: string[] = [];
  const server = await startServer({ port: 0, host: '127.0.0.1', logger: silent, say: (l) => lines.push(l), ...options });
  running.push(server);
  const port = new URL(server.url).port;
  return { server, lines, base: `http://127.0.0.1:${port}` };
}

async function stop(server: RunningServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.close();
}

async function tempData(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'velahub-serve-'));
  dirs.push(dir);
  return dir;
}

async function getJson(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

after(async () => {
  for (const s of running.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('startServer with the bundled addons on an empty store', () => {
  let bundled: BundledAddon[];
  let dataDir: string;
  let first: Awaited<ReturnType<typeof start>>;

  before(async () => {
    bundled = await bundledAddons();
    dataDir = await tempData();
    first = await start({ dataDir, seedDir: bundledAddonsDir });
  });

  test('publishes every bundled addon, reporting each', async () => {
    const { body } = await getJson(`${first.base}/api/v1/addons?limit=100`);
    const items = body.items as Array<{ name: string; latest: string }>;
    assert.deepEqual(items.map((a) => a.name).sort(), bundled.map((a) => a.name));
    for (const a of bundled) assert.equal(items.find((i) => i.name === a.name)?.latest, a.version);
    assert.equal(bundled.length, 7);
    const progress = first.lines.filter((l) => /^\s+\[\d+\/\d+\] /.test(l));
    assert.equal(progress.length, 7);
    for (const a of bundled) assert.ok(progress.some((l) => l.includes(`${a.name}@${a.version}`)), `no progress line for ${a.name}`);
  });

  test('prints a generated admin token exactly once; it works as an admin token and only its hash is stored', async () => {
    const token = first.server.generatedAdminToken;
    assert.ok(token);
    const printed = first.lines.filter((l) => l.includes(token));
    assert.equal(printed.length, 1);
    assert.equal((await getJson(`${first.base}/api/v1/tokens`, token)).status, 200);
    const rows = await first.server.registry.store.db.query('SELECT * FROM tokens');
    assert.ok(!JSON.stringify(rows.rows).includes(token));
  });

  test('/healthz is ok; /readyz names the database backend', async () => {
    assert.deepEqual(await getJson(`${first.base}/healthz`), { status: 200, body: { status: 'ok' } });
    assert.deepEqual(await getJson(`${first.base}/readyz`), { status: 200, body: { status: 'ready', database: 'pglite' } });
  });

  test('an unknown API path is 404 ENOT_FOUND naming the method and path, with a hint to the API description', async () => {
    const { status, body } = await getJson(`${first.base}/api/v1/search?q=domain`);
    assert.equal(status, 404);
    assert.equal(body.code, 'ENOT_FOUND');
    assert.equal(body.error, 'no route for GET /api/v1/search');
    assert.match(String(body.hint), /schemas\/velahub-api\.openapi\.yaml/);
  });

  test('/metrics is Prometheus text with velahub_http_requests_total per route and status', async () => {
    await (await fetch(`${first.base}/healthz`)).text();
    await (await fetch(`${first.base}/index.yaml`)).text();
    // Requests are counted when their response finishes: poll briefly rather than race it.
    let text = '';
    for (let i = 0; i < 20 && !text.includes('route="/index.yaml"'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${first.base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      text = await res.text();
    }
    assert.match(text, /^# TYPE velahub_http_requests_total counter$/m);
    assert.match(text, /^velahub_http_requests_total\{[^}]*route="\/healthz"[^}]*status="200"[^}]*\} [1-9]\d*$/m);
    assert.match(text, /^velahub_http_requests_total\{[^}]*route="\/index.yaml"[^}]*\} [1-9]\d*$/m);
    assert.match(text, /^velahub_http_request_duration_seconds_bucket\{/m);
  });

  test('a restart on the same data dir neither re-seeds nor prints a new token; the first token still works', async () => {
    const token = first.server.generatedAdminToken!;
    const revision = await first.server.registry.store.catalogRevision();
    await stop(first.server);
    const again = await start({ dataDir, seedDir: bundledAddonsDir });
    assert.equal(again.server.generatedAdminToken, undefined);
    assert.ok(!again.lines.some((l) => /admin token/i.test(l)), again.lines.join('\n'));
    assert.ok(!again.lines.some((l) => /\[\d+\/\d+\]/.test(l)), 'seeded again');
    assert.equal(await again.server.registry.store.catalogRevision(), revision);
    assert.equal(await again.server.registry.store.countVersions(), bundled.length);
    assert.equal((await again.server.registry.store.listTokens()).length, 1);
    assert.equal((await getJson(`${again.base}/api/v1/tokens`, token)).status, 200);
    await stop(again.server);
  });
});

describe('startServer with a configured admin token (VELAHUB_ADMIN_TOKEN) and no seed folder', () => {
  const secret = 'vh_configured-admin-token-for-tests';

  test('is accepted as admin, nothing is generated or printed, the store stays empty, and a restart does not add it twice', async () => {
    const dataDir = await tempData();
    const one = await start({ dataDir, adminToken: secret });
    assert.equal(one.server.generatedAdminToken, undefined);
    assert.ok(!one.lines.some((l) => /admin token/i.test(l) || l.includes(secret)), one.lines.join('\n'));
    assert.equal((await getJson(`${one.base}/api/v1/tokens`, secret)).status, 200);
    assert.equal((await getJson(`${one.base}/api/v1/tokens`, 'vh_wrong')).status, 401);
    assert.equal(await one.server.registry.store.isEmpty(), true);
    assert.equal(((await getJson(`${one.base}/api/v1/addons`)).body as { total: number }).total, 0);
    await stop(one.server);

    const two = await start({ dataDir, adminToken: secret });
    const tokens = await two.server.registry.store.listTokens();
    assert.deepEqual(tokens.map((t) => t.scope), ['admin']);
    assert.equal((await getJson(`${two.base}/api/v1/tokens`, secret)).status, 200);

    // /readyz reports a database that went away; /healthz (the process) stays ok.
    await two.server.registry.store.db.close();
    const ready = await getJson(`${two.base}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 'unavailable');
    assert.deepEqual(await getJson(`${two.base}/healthz`), { status: 200, body: { status: 'ok' } });
    running.splice(running.indexOf(two.server), 1);
    two.server.server.closeAllConnections();
    await new Promise<void>((resolve) => two.server.server.close(() => resolve()));
    await two.server.registry.cue.close();
  });
});

describe('startServer with --auth-header (vela addon push --auth-header NAME)', () => {
  const secret = 'vh_configured-admin-token-for-auth-header';

  test('a token in the named header is accepted, raw or as Bearer; an unknown one is 401 as in Authorization', async () => {
    const dataDir = await tempData();
    const { base } = await start({ dataDir, adminToken: secret, authHeader: 'X-Velahub-Token' });
    const tokens = (headers: Record<string, string>) => fetch(`${base}/api/v1/tokens`, { headers }).then((r) => r.status);
    assert.equal(await tokens({ 'X-Velahub-Token': secret }), 200);
    assert.equal(await tokens({ 'x-velahub-token': `Bearer ${secret}` }), 200);
    assert.equal(await tokens({ 'X-Velahub-Token': 'vh_wrong' }), 401);
    assert.equal(await tokens({ 'X-Other-Token': secret }), 401, 'only the named header carries tokens');
    assert.equal(await tokens({ Authorization: `Bearer ${secret}` }), 200, 'Authorization still works');
  });
});

describe('/readyz on PostgreSQL', { skip: postgresSkipReason() }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.stop();
  });

  test('names the postgresql backend', async () => {
    const { server, base } = await start({ dataDir: await tempData(), databaseUrl: await pg.freshDatabase(), adminToken: 'vh_pg' });
    assert.deepEqual(await getJson(`${base}/readyz`), { status: 200, body: { status: 'ready', database: 'postgresql' } });
    await stop(server);
  });
});

describe('startServer when it cannot listen', () => {
  test('fails, closes the store, and the admin token nobody saw is revoked so the next start mints one', async () => {
    const dataDir = await tempData();
    const first = await start({ dataDir });
    const taken = Number(new URL(first.server.url).port);
    const otherDir = await tempData();
    await assert.rejects(startServer({ port: taken, host: '127.0.0.1', dataDir: otherDir, logger: silent, say: () => undefined }), /EADDRINUSE/);
    const retry = await start({ dataDir: otherDir });
    assert.ok(retry.server.generatedAdminToken, 'a new admin token is generated and shown');
    assert.ok(retry.lines.some((l) => l.includes(retry.server.generatedAdminToken!)));
    await stop(retry.server);
    await stop(first.server);
  });
});

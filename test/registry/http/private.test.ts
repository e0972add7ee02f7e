/**
 * A private registry (`velahub serve --private`): every read — index.yaml, archives, the chart
 * repository, the JSON API and the pages — needs a valid token (read scope or higher), sent as
 * Bearer or as HTTP Basic with the token as password; without one the answer is 401 with
 * `WWW-Authenticate` and a hint, and nothing of the catalog. The probes and /metrics stay open.
 * The real clients (vela, helm, Flux, velahub's installer) are in their own test files.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../registry/server.ts';
import { createToken } from '../../../registry/tokens.ts';
import { addonArchive } from '../../support/packages.ts';
import { chartArchive } from '../../support/charts.ts';
import { velahub } from '../../support/cli.ts';
import { downloadVerified, readRegistryIndex } from '../../../installer/registry-index.ts';
import { rejectsCode } from '../../support/errors.ts';

let dataDir: string;
let server: RunningServer;
let url: string;
const tokens: Record<'admin' | 'read' | 'publish' | 'revoked', string> = { admin: '', read: '', publish: '', revoked: '' };

const basic = (secret: string, user = 'velahub'): string => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

async function get(path: string, authorization?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The reads a client of each kind makes: KubeVela's index and archive, Helm's, the API, a page. */
const reads = ['/index.yaml', '/charts/hpa-trait-1.0.0.tgz', '/helm/index.yaml', '/helm/charts/web-shop-1.0.0.tgz', '/helm/api/charts', '/api/v1/addons', '/api/v1/addons/hpa-trait', '/', '/addons/hpa-trait'];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'velahub-private-'));
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, private: true, logger: pino({ level: 'silent' }), say: () => {} });
  url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  tokens.admin = server.generatedAdminToken!;
  tokens.read = (await createToken(server.registry.store, { scope: 'read' })).token;
  tokens.publish = (await createToken(server.registry.store, { scope: 'publish', pattern: 'team-*' })).token;
  const revoked = await createToken(server.registry.store, { scope: 'read' });
  await server.registry.store.revokeToken(revoked.record.id);
  tokens.revoked = revoked.token;
  const addon = await fetch(`${url}/api/v1/packages`, { method: 'POST', body: new Uint8Array(addonArchive('hpa-trait', '1.0.0')), headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/gzip' } });
  assert.equal(addon.status, 201, await addon.text());
  const form = new FormData();
  form.set('chart', new Blob([new Uint8Array(chartArchive('web-shop', '1.0.0'))]), 'web-shop-1.0.0.tgz');
  const chart = await fetch(`${url}/helm/api/charts`, { method: 'POST', body: form, headers: { authorization: `Bearer ${tokens.admin}` } });
  assert.equal(chart.status, 201, await chart.text());
});

after(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('velahub serve --private', () => {
  test('refuses every read without a token: 401, WWW-Authenticate (Basic, then Bearer), a hint naming the client flags, no catalog data', async () => {
    for (const path of reads) {
      for (let round = 0; round < 2; round++) {
        // The second round would be answered from prepared bytes on a public registry.
        const res = await get(path);
        assert.equal(res.status, 401, `${path}: ${res.text}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="velahub", charset="UTF-8", Bearer realm="velahub"$/, path);
        const body = JSON.parse(res.text) as { code: string; error: string; hint: string };
        assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'hint'], `${path} said more than why`);
        assert.equal(body.code, 'EUNAUTHORIZED');
        assert.match(body.error, /this registry is private/);
        assert.match(body.hint, /--username velahub --password TOKEN/);
      }
    }
  });

  test('answers every read to a token of read scope or higher, as Bearer or as Basic with any user name', async () => {
    for (const secret of [tokens.read, tokens.publish, tokens.admin]) {
      for (const authorization of [`Bearer ${secret}`, basic(secret), basic(secret, 'anyone')]) {
        for (const path of reads) {
          const res = await get(path, authorization);
          assert.equal(res.status, 200, `${path} with ${authorization.split(' ')[0]}: ${res.text.slice(0, 200)}`);
        }
      }
    }
    const index = await get('/index.yaml', `Bearer ${tokens.read}`);
    assert.match(index.text, /hpa-trait-1\.0\.0\.tgz/);
    const charts = await get('/helm/index.yaml', basic(tokens.read));
    assert.match(charts.text, /web-shop-1\.0\.0\.tgz/);
  });

  test('refuses a token it does not know, a revoked one and a malformed header with 401 and the reason', async () => {
    const cases: Array<[string, RegExp]> = [
      [`Bearer vh_${'x'.repeat(32)}`, /not valid for this registry/],
      [basic(`vh_${'y'.repeat(32)}`), /not valid for this registry/],
      [`Bearer ${tokens.revoked}`, /was revoked at/],
      ['Digest abc', /must be "Bearer <token>" or Basic/],
    ];
    for (const [authorization, reason] of cases) {
      const res = await get('/index.yaml', authorization);
      assert.equal(res.status, 401, authorization);
      assert.ok(res.headers.get('www-authenticate'), authorization);
      assert.match((JSON.parse(res.text) as { error: string }).error, reason);
    }
  });

  test('keeps /healthz, /readyz and /metrics open for probes and scrapers', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await get(path)).status, 200, path);
  });

  test('a read token reads but does not publish; a publish token publishes only its pattern', async () => {
    const asRead = await fetch(`${url}/api/v1/packages`, { method: 'POST', body: new Uint8Array(addonArchive('team-web', '1.0.0')), headers: { authorization: `Bearer ${tokens.read}`, 'content-type': 'application/gzip' } });
    assert.equal(asRead.status, 403, await asRead.text());
    const asPublish = await fetch(`${url}/api/v1/packages`, { method: 'POST', body: new Uint8Array(addonArchive('team-web', '1.0.0')), headers: { authorization: basic(tokens.publish), 'content-type': 'application/gzip' } });
    assert.equal(asPublish.status, 201, await asPublish.text());
    const anonymous = await fetch(`${url}/api/v1/packages`, { method: 'POST', body: new Uint8Array(addonArchive('team-api', '1.0.0')), headers: { 'content-type': 'application/gzip' } });
    assert.equal(anonymous.status, 401, await anonymous.text());
    assert.equal((await get('/api/v1/addons/team-api', `Bearer ${tokens.read}`)).status, 404);
  });

  test("velahub's installer reads it with the registry's token, and without one says which command adds it", async () => {
    const snapshot = await readRegistryIndex({ name: 'corp', url, token: tokens.read });
    assert.equal(snapshot.error, undefined);
    const candidate = snapshot.addons.get('hpa-trait')![0]!;
    const data = await downloadVerified(candidate, { name: 'corp', url, token: tokens.read });
    assert.ok(data.length > 0);

    const anonymous = await readRegistryIndex({ name: 'corp', url });
    assert.equal(anonymous.addons.size, 0);
    assert.match(anonymous.error ?? '', /index\.yaml answered HTTP 401 \(this registry is private: GET \/index\.yaml needs a token of read scope or higher\); registry corp needs a token: velahub registry add corp http:\S+ --token TOKEN/);
    const refused = await readRegistryIndex({ name: 'corp', url, token: tokens.revoked });
    assert.match(refused.error ?? '', /HTTP 401 \(token tok_[0-9a-f]+ was revoked at [^)]+\); registry corp refused its token/);
    const err = await rejectsCode(downloadVerified(candidate, { name: 'corp', url }), 'EREGISTRY');
    assert.match(err.message, /cannot download hpa-trait 1\.0\.0: GET \S+hpa-trait-1\.0\.0\.tgz answered HTTP 401 .*registry corp needs a token/);
  });

  test('VELAHUB_PRIVATE must be true or false: anything else stops `velahub serve` naming the variable', async () => {
    const res = await velahub(['serve', '--port', '0', '--no-seed', '--data', join(dataDir, 'never')], { env: { VELAHUB_PRIVATE: 'maybe' } });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /VELAHUB_PRIVATE="maybe" is invalid: use true or false/);
  });
});

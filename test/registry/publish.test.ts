/**
 * Publishing over HTTP, against createApp on a real port with a temp data dir,
 * an in-memory PGlite and one shared CUE evaluator. Most fixture addons carry
 * no definition, so only the parameter-schema tests pay for CUE evaluation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { parse } from 'yaml';
import { sha256, unpackArchive } from '../../core/package/archive.ts';
import { paxBody, rawEntry, rawTgz, tarOf, tgzOf, type CraftedEntry } from '../support/tar.ts';
import { addonArchive, addonTree, archiveOf, traitCue } from '../support/packages.ts';
import { assertGnuTarParity } from '../support/gnu-tar.ts';
import { assertGoTarParity } from '../support/go-tar.ts';
import { rawGet, smallLimits as limits, startTestServer, type TestServer } from '../support/registry-server.ts';
import { testServerForFile } from '../support/file-test-server.ts';
import { afterEachPut } from '../support/blob-hook.ts';

const { srv, cue } = testServerForFile({ limits });

/** The version names of one addon in the served index.yaml. */
async function indexVersions(name: string): Promise<string[]> {
  const doc = parse(await (await srv.fetch('/index.yaml')).text()) as { entries: Record<string, Array<{ version: string }>> };
  return (doc.entries[name] ?? []).map((e) => e.version);
}

async function indexEntry(name: string, version: string): Promise<Record<string, unknown> | undefined> {
  const doc = parse(await (await srv.fetch('/index.yaml')).text()) as { entries: Record<string, Array<Record<string, unknown>>> };
  return (doc.entries[name] ?? []).find((e) => e.version === version);
}

async function download(path: string): Promise<{ status: number; digest: string }> {
  const res = await srv.fetch(path);
  return { status: res.status, digest: sha256(Buffer.from(await res.arrayBuffer())) };
}

function chartForm(field: string, archive: Uint8Array): FormData {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(archive)], { type: 'application/gzip' }), 'addon.tgz');
  return form;
}

describe('publish and re-publish', () => {
  const first = addonArchive('basic', '1.0.0');

  test('a new version is 201 with its digest and size; it is then served', async () => {
    const res = await srv.publish(first);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'created');
    assert.equal(res.body.name, 'basic');
    assert.equal(res.body.version, '1.0.0');
    assert.equal(res.body.digest, sha256(first));
    assert.equal(res.body.size, first.length);
    const info = await srv.json('/api/v1/addons/basic/versions/1.0.0');
    assert.equal(info.status, 200);
    assert.equal(info.body.digest, sha256(first));
    assert.deepEqual(await indexVersions('basic'), ['1.0.0']);
    assert.deepEqual(await download('/charts/basic-1.0.0.tgz'), { status: 200, digest: sha256(first) });
  });

  test('the identical bytes again are 200 "unchanged" and change nothing', async () => {
    const before = await srv.snapshot();
    const res = await srv.publish(first);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'unchanged');
    assert.equal(res.body.digest, sha256(first));
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('different bytes under the same version are 409 ECONFLICT; the stored archive is unchanged', async () => {
    const before = await srv.snapshot();
    const other = addonArchive('basic', '1.0.0', { readme: '# basic\n\nChanged.\n' });
    assert.notEqual(sha256(other), sha256(first));
    const res = await srv.publish(other);
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'ECONFLICT');
    assert.equal(res.body.problems?.existingDigest, sha256(first));
    assert.deepEqual(await srv.snapshot(), before);
    assert.deepEqual(await download('/charts/basic-1.0.0.tgz'), { status: 200, digest: sha256(first) });
    assert.deepEqual(await download('/api/v1/addons/basic/versions/1.0.0/archive'), { status: 200, digest: sha256(first) });
  });

  test('the same files packed again (new timestamps, as `vela addon push` packs) are 200 "unchanged" with the stored digest', async () => {
    const before = await srv.snapshot();
    const tree = Object.fromEntries((await unpackArchive(first)).files);
    const repacked = tgzOf([{ path: 'basic/', type: 'Directory', mtime: new Date() }, ...Object.entries(tree).reverse().map(([p, body]) => ({ path: `basic/${p}`, data: body, mtime: new Date(), mode: 0o600 }))]);
    assert.notEqual(sha256(repacked), sha256(first));
    const res = await srv.publish(repacked);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'unchanged');
    assert.equal(res.body.digest, sha256(first), 'the answer names the archive that is served');
    assert.deepEqual(await srv.snapshot(), before);
    const extra = tgzOf([{ path: 'basic/', type: 'Directory' }, ...Object.entries({ ...tree, 'NOTES.txt': 'x\n' }).map(([p, body]) => ({ path: `basic/${p}`, data: body }))]);
    assert.equal((await srv.publish(extra)).status, 409, 'one file more is different content');
  });
});

describe('breaking parameter changes within a major', () => {
  const params = 'domain: string\nport?: int\nmode?: "a" | "b"';
  const gate = (version: string, paramLines: string | null) =>
    addonArchive('gate', version, { files: paramLines === null ? {} : { 'definitions/gate.cue': traitCue('gate', paramLines) } });

  before(async () => {
    const res = await srv.publish(gate('1.0.0', params));
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  const refused: Array<{ name: string; version: string; params: string | null; changes: Array<{ path: string; kind: string }> }> = [
    { name: 'a parameter removed', version: '1.0.1', params: 'domain: string\nmode?: "a" | "b"', changes: [{ path: 'port', kind: 'removed' }] },
    { name: 'an optional parameter made required', version: '1.0.2', params: 'domain: string\nport: int\nmode?: "a" | "b"', changes: [{ path: 'port', kind: 'became-required' }] },
    { name: 'a type changed', version: '1.0.3', params: 'domain: string\nport?: string\nmode?: "a" | "b"', changes: [{ path: 'port', kind: 'type-changed' }] },
    {
      name: 'two changes at once: each listed',
      version: '1.0.4',
      params: 'domain: string\nmode: "a"',
      changes: [
        { path: 'port', kind: 'removed' },
        { path: 'mode', kind: 'became-required' },
        { path: 'mode', kind: 'enum-value-removed' },
      ],
    },
    { name: 'the definition removed', version: '1.0.5', params: null, changes: [{ path: '(definition)', kind: 'removed' }] },
  ];
  for (const row of refused) {
    test(`${row.name}: 422 EBREAKING_CHANGE, nothing stored`, async () => {
      const before = await srv.snapshot();
      const res = await srv.publish(gate(row.version, row.params));
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.code, 'EBREAKING_CHANGE');
      const listed = (res.body.problems as Array<{ definition: string; path: string; kind: string; breaking: boolean }>).map((c) => ({ path: c.path, kind: c.kind }));
      assert.deepEqual(
        [...listed].sort((a, b) => `${a.path}${a.kind}`.localeCompare(`${b.path}${b.kind}`)),
        [...row.changes].sort((a, b) => `${a.path}${a.kind}`.localeCompare(`${b.path}${b.kind}`)),
      );
      for (const c of res.body.problems) assert.equal(c.definition, 'trait gate');
      assert.deepEqual(await srv.snapshot(), before);
    });
  }

  test('a compatible change (a new optional parameter) within the major is 201', async () => {
    const res = await srv.publish(gate('1.1.0', `${params}\ntimeout?: int`));
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  test('the same breaking change with a major bump is 201', async () => {
    const res = await srv.publish(gate('2.0.0', 'domain: string\nmode?: "a" | "b"'));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(await indexVersions('gate'), ['2.0.0', '1.1.0', '1.0.0']);
  });
});

describe('versions are compared and unique by their canonical semver', () => {
  const canon = (version: string, options = {}) => addonArchive('canon', version, options);
  before(async () => {
    assert.equal((await srv.publish(canon('3.0.0'))).status, 201);
  });

  for (const twin of ['v3.0.0', '3.0.0+build1']) {
    test(`${twin} after 3.0.0 is 409 ECONFLICT naming both, store unchanged`, async () => {
      const before = await srv.snapshot();
      const res = await srv.publish(canon(twin));
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.code, 'ECONFLICT');
      assert.ok(res.body.error.includes(`canon@${twin} is the same version as the published 3.0.0`), res.body.error);
      assert.deepEqual(await srv.snapshot(), before);
    });
  }

  for (const spaced of [' 3.0.0', '3.0.1 ', '3.0. 2']) {
    test(`${JSON.stringify(spaced)} is 422 EINVALID: whitespace is an error, store unchanged`, async () => {
      const before = await srv.snapshot();
      const res = await srv.publish(archiveOf(addonTree('canon', '0.0.0', { files: { 'metadata.yaml': `name: canon\nversion: "${spaced}"\n` } }), { name: 'canon', version: '0.0.0' }));
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.code, 'EINVALID');
      assert.ok(res.body.error.includes(`version ${JSON.stringify(spaced)} contains whitespace: write it as ${JSON.stringify(spaced.replace(/\s+/g, ''))}`), res.body.error);
      assert.deepEqual(await srv.snapshot(), before);
    });
  }

  test('latest and the index hold the one 3.0.0', async () => {
    assert.equal((await srv.json('/api/v1/addons/canon')).body.distTags.latest, '3.0.0');
    assert.deepEqual(await indexVersions('canon'), ['3.0.0']);
  });

  test('a removed parameter cannot slip in as 1.0.0+nobreak or v1.0.0 (409), and 1.0.1 is refused as breaking (422)', async () => {
    const gated = (version: string, params: string) => addonArchive('canon-gate', version, { files: { 'definitions/canon-gate.cue': traitCue('canon-gate', params) } });
    assert.equal((await srv.publish(gated('1.0.0', 'domain: string\nport?: int'))).status, 201);
    const before = await srv.snapshot();
    for (const [version, status, code] of [['1.0.1', 422, 'EBREAKING_CHANGE'], ['1.0.0+nobreak', 409, 'ECONFLICT'], ['v1.0.0', 409, 'ECONFLICT']] as const) {
      const res = await srv.publish(gated(version, 'domain: string'));
      assert.equal(res.status, status, `${version}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, version);
    }
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('a v-prefixed version (KubeVela catalog style) keeps its v where shown, and every link to it resolves', async () => {
    const archive = addonArchive('vstyle', 'v1.9.5');
    const res = await srv.publish(archive);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.version, 'v1.9.5');
    assert.deepEqual(await indexVersions('vstyle'), ['v1.9.5']);
    const entry = await indexEntry('vstyle', 'v1.9.5');
    assert.deepEqual(entry?.urls, ['charts/vstyle-v1.9.5.tgz']);
    assert.deepEqual(await download('/charts/vstyle-v1.9.5.tgz'), { status: 200, digest: sha256(archive) });
    assert.deepEqual(await download('/charts/vstyle-1.9.5.tgz'), { status: 200, digest: sha256(archive) });
    assert.equal((await srv.json('/api/v1/addons/vstyle/versions/1.9.5')).body.version, 'v1.9.5');
    assert.equal((await srv.json('/api/v1/addons/vstyle')).body.distTags.latest, 'v1.9.5');
    assert.equal((await srv.publish(addonArchive('vstyle', 'v1.10.0'))).status, 201);
    assert.equal((await srv.json('/api/v1/addons/vstyle')).body.distTags.latest, 'v1.10.0');
    assert.equal((await srv.publish(archive)).status, 200, 'the identical bytes again are unchanged');
  });
});

describe('breaking changes against the next version up', () => {
  const lane = (version: string, paramLines: string) => addonArchive('lane', version, { files: { 'definitions/lane.cue': traitCue('lane', paramLines) } });

  test('publishing 1.1.0 below an existing 1.2.0 is refused when upgrading from it to 1.2.0 would break', async () => {
    assert.equal((await srv.publish(lane('1.0.0', 'domain: string'))).status, 201);
    assert.equal((await srv.publish(lane('1.2.0', 'domain: string'))).status, 201);
    const before = await srv.snapshot();
    const res = await srv.publish(lane('1.1.0', 'domain: string\nport?: int'));
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, 'EBREAKING_CHANGE');
    assert.match(res.body.error, /1\.2\.0 would break upgrades from it/);
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('racing publishes in one major never leave a breaking step between neighbours', async () => {
    const base = (v: string, p: string) => addonArchive('race-lane', v, { files: { 'definitions/race-lane.cue': traitCue('race-lane', p) } });
    assert.equal((await srv.publish(base('1.0.0', 'domain: string'))).status, 201);
    // Each is compatible with 1.0.0, but 1.2.0 drops the port that 1.1.0 adds.
    const [a, b] = await Promise.all([srv.publish(base('1.1.0', 'domain: string\nport?: int')), srv.publish(base('1.2.0', 'domain: string'))]);
    const outcomes = [a.status, b.status].sort();
    assert.ok(JSON.stringify(outcomes) === '[201,422]' || JSON.stringify(outcomes) === '[201,201]', JSON.stringify([a.body, b.body]));
    const stored = await indexVersions('race-lane');
    // Both may land only if 1.2.0 came first and 1.1.0 was then checked against it (and refused) — so never both.
    assert.notDeepEqual(stored, ['1.2.0', '1.1.0', '1.0.0']);
  });
});

describe('tokens and scopes', () => {
  const tokens: Record<string, { secret: string; id: string }> = {};
  before(async () => {
    tokens.other = await srv.token({ scope: 'publish', pattern: 'other' });
    tokens.prefix = await srv.token({ scope: 'publish', pattern: 'demo-*' });
    tokens.exact = await srv.token({ scope: 'publish', pattern: 'exact-name' });
    tokens.read = await srv.token({ scope: 'read' });
    tokens.revoked = await srv.token({ scope: 'publish', pattern: '*' });
    await srv.registry.store.revokeToken(tokens.revoked.id);
  });

  type Auth = { bearer: keyof typeof tokens } | { basic: keyof typeof tokens } | { header: string } | null;
  const rows: Array<{ name: string; addon: string; auth: Auth; status: number; code?: string }> = [
    { name: 'no token', addon: 'demo-anon', auth: null, status: 401, code: 'EUNAUTHORIZED' },
    { name: 'a token for another name', addon: 'demo-other', auth: { bearer: 'other' }, status: 403, code: 'EFORBIDDEN' },
    { name: 'prefix pattern demo-* and demo-x', addon: 'demo-x', auth: { bearer: 'prefix' }, status: 201 },
    { name: 'prefix pattern demo-* and "demox" (no dash)', addon: 'demox', auth: { bearer: 'prefix' }, status: 403, code: 'EFORBIDDEN' },
    { name: 'prefix pattern demo-* and "demo" itself', addon: 'demo', auth: { bearer: 'prefix' }, status: 403, code: 'EFORBIDDEN' },
    { name: 'exact pattern and its name', addon: 'exact-name', auth: { bearer: 'exact' }, status: 201 },
    { name: 'exact pattern and a longer name', addon: 'exact-name-2', auth: { bearer: 'exact' }, status: 403, code: 'EFORBIDDEN' },
    { name: 'a read token', addon: 'demo-read', auth: { bearer: 'read' }, status: 403, code: 'EFORBIDDEN' },
    { name: 'a revoked token', addon: 'demo-revoked', auth: { bearer: 'revoked' }, status: 401, code: 'EUNAUTHORIZED' },
    { name: 'an unknown token', addon: 'demo-unknown', auth: { header: 'Bearer vh_not-a-token' }, status: 401, code: 'EUNAUTHORIZED' },
    { name: 'an Authorization header of another scheme', addon: 'demo-scheme', auth: { header: 'Token abc' }, status: 401, code: 'EUNAUTHORIZED' },
    { name: 'Basic auth with the token as password (ChartMuseum clients)', addon: 'demo-basic', auth: { basic: 'prefix' }, status: 201 },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.status}${row.code ? ` ${row.code}` : ''}`, async () => {
      const before = await srv.snapshot();
      const headers: Record<string, string> = { 'content-type': 'application/gzip' };
      const auth = row.auth;
      if (auth && 'bearer' in auth) headers.authorization = `Bearer ${tokens[auth.bearer]!.secret}`;
      if (auth && 'basic' in auth) headers.authorization = `Basic ${Buffer.from(`user:${tokens[auth.basic]!.secret}`).toString('base64')}`;
      if (auth && 'header' in auth) headers.authorization = auth.header;
      const res = await srv.json('/api/v1/packages', { method: 'POST', body: new Uint8Array(addonArchive(row.addon, '1.0.0')), headers });
      assert.equal(res.status, row.status, JSON.stringify(res.body));
      if (row.code) {
        assert.equal(res.body.code, row.code);
        assert.deepEqual(await srv.snapshot(), before);
      } else {
        assert.deepEqual(await indexVersions(row.addon), ['1.0.0']);
      }
    });
  }

  test('an anonymous upload is refused before the archive is read', async () => {
    const res = await srv.publish(Buffer.from('not even gzip'), null);
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'EUNAUTHORIZED');
  });

  test('tokens over the admin API: create (201, secret once), use, list without secrets, revoke, then 401', async () => {
    const created = await srv.json('/api/v1/tokens', { method: 'POST', token: srv.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'publish', pattern: 'api-*' }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.token, /^vh_/);
    assert.equal((await srv.publish(addonArchive('api-one', '1.0.0'), created.body.token)).status, 201);
    const listed = await srv.json('/api/v1/tokens', { token: srv.adminToken });
    assert.ok(listed.body.items.some((t: { id: string }) => t.id === created.body.id));
    assert.ok(!JSON.stringify(listed.body).includes(created.body.token), 'the list holds no secret');
    assert.equal((await srv.json(`/api/v1/tokens/${created.body.id}`, { method: 'DELETE', token: srv.adminToken })).status, 200);
    const after = await srv.publish(addonArchive('api-two', '1.0.0'), created.body.token);
    assert.equal(after.status, 401);
    assert.equal(after.body.code, 'EUNAUTHORIZED');
  });

  const adminRows: Array<{ name: string; method: string; path: string; body?: unknown; auth: 'none' | 'publish' | 'admin'; status: number; code: string }> = [
    { name: 'listing tokens without a token', method: 'GET', path: '/api/v1/tokens', auth: 'none', status: 401, code: 'EUNAUTHORIZED' },
    { name: 'listing tokens with a publish token', method: 'GET', path: '/api/v1/tokens', auth: 'publish', status: 403, code: 'EFORBIDDEN' },
    { name: 'creating a token with a publish token', method: 'POST', path: '/api/v1/tokens', body: { scope: 'admin' }, auth: 'publish', status: 403, code: 'EFORBIDDEN' },
    { name: 'a token of an unknown scope', method: 'POST', path: '/api/v1/tokens', body: { scope: 'root' }, auth: 'admin', status: 400, code: 'EUSAGE' },
    { name: 'a publish token without a pattern', method: 'POST', path: '/api/v1/tokens', body: { scope: 'publish' }, auth: 'admin', status: 400, code: 'EUSAGE' },
    { name: 'a publish token with a bad pattern', method: 'POST', path: '/api/v1/tokens', body: { scope: 'publish', pattern: 'Demo*' }, auth: 'admin', status: 400, code: 'EUSAGE' },
    { name: 'a read token with a pattern', method: 'POST', path: '/api/v1/tokens', body: { scope: 'read', pattern: 'demo-*' }, auth: 'admin', status: 400, code: 'EUSAGE' },
    { name: 'revoking an unknown token', method: 'DELETE', path: '/api/v1/tokens/tok_nope', auth: 'admin', status: 404, code: 'ENOT_FOUND' },
  ];
  for (const row of adminRows) {
    test(`admin API: ${row.name} is ${row.status} ${row.code}`, async () => {
      const tokenCount = (await srv.registry.store.listTokens()).length;
      const token = row.auth === 'admin' ? srv.adminToken : row.auth === 'publish' ? tokens.prefix!.secret : undefined;
      const res = await srv.json(row.path, { method: row.method, token, headers: { 'content-type': 'application/json' }, body: row.body === undefined ? undefined : JSON.stringify(row.body) });
      assert.equal(res.status, row.status, JSON.stringify(res.body));
      assert.equal(res.body.code, row.code);
      assert.equal((await srv.registry.store.listTokens()).length, tokenCount);
    });
  }
});

/**
 * Sends an upload's headers (declaring `declared` bytes) and only `sent` of its body, and
 * resolves with the response: a response at all proves the server decided without the body.
 */
function partialUpload(path: string, headers: Record<string, string>, declared: number | 'chunked', sent: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, srv.url);
    const h: Record<string, string> = { ...headers };
    if (declared === 'chunked') h['transfer-encoding'] = 'chunked';
    else h['content-length'] = String(declared);
    const req = httpRequest(url, { method: 'POST', headers: h, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
      });
    });
    // The server may close the connection once it has answered: that is the point.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${path}: no response within 10 s while the body was incomplete: the server waited for the body`));
    }, 10_000);
    req.on('close', () => clearTimeout(timer));
    req.write(sent);
    if (declared === 'chunked') req.end();
  });
}

describe('uploads are authorized from their headers, before the body is read', () => {
  const big = 49 * 1024 * 1024;
  let read: string;
  let publisher: string;
  before(async () => {
    read = (await srv.token({ scope: 'read' })).secret;
    publisher = (await srv.token({ scope: 'publish', pattern: 'early-*' })).secret;
  });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/gzip' });
  const multipart = (t?: string) => ({ ...(t ? { authorization: `Bearer ${t}` } : {}), 'content-type': 'multipart/form-data; boundary=x' });

  const rows: Array<{ name: string; path: string; headers: () => Record<string, string>; declared: number | 'chunked'; sent: () => Buffer; status: number; code: string; mentions: string[] }> = [
    { name: 'an anonymous 49 MiB upload', path: '/api/v1/packages', headers: () => ({ 'content-type': 'application/gzip' }), declared: big, sent: () => randomBytes(1024), status: 401, code: 'EUNAUTHORIZED', mentions: ['Authorization: Bearer'] },
    { name: 'a 49 MiB upload with a read token', path: '/api/v1/packages', headers: () => bearer(read), declared: big, sent: () => randomBytes(1024), status: 403, code: 'EFORBIDDEN', mentions: ['scope read', 'publish or admin'] },
    { name: 'a 49 MiB upload with a publish token (over the cap)', path: '/api/v1/packages', headers: () => bearer(publisher), declared: big, sent: () => randomBytes(1024), status: 413, code: 'EPACKAGE_TOO_LARGE', mentions: [String(big), String(limits.maxTotalBytes)] },
    { name: 'a chunked body that passes the cap', path: '/api/v1/packages', headers: () => bearer(publisher), declared: 'chunked', sent: () => randomBytes(limits.maxTotalBytes + 1), status: 413, code: 'EPACKAGE_TOO_LARGE', mentions: ['request body', String(limits.maxTotalBytes)] },
    { name: 'an anonymous ChartMuseum push', path: '/api/charts', headers: () => multipart(), declared: big, sent: () => randomBytes(1024), status: 401, code: 'EUNAUTHORIZED', mentions: ['Authorization: Bearer'] },
    { name: 'a ChartMuseum push with a read token', path: '/api/charts', headers: () => multipart(read), declared: big, sent: () => randomBytes(1024), status: 403, code: 'EFORBIDDEN', mentions: ['scope read'] },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.status} ${row.code}, store unchanged`, async () => {
      const before = await srv.snapshot();
      const res = await partialUpload(row.path, row.headers(), row.declared, row.sent());
      assert.equal(res.status, row.status, JSON.stringify(res.body));
      assert.equal(res.body.code, row.code);
      for (const m of row.mentions) assert.ok(String(res.body.error).includes(m), `${String(res.body.error)} does not mention ${m}`);
      assert.deepEqual(await srv.snapshot(), before);
    });
  }

  test('a read token is refused with 403 before a hostile archive is unpacked (not EUNSAFE_ENTRY)', async () => {
    const before = await srv.snapshot();
    const hostile = tgzOf([{ path: 'early-x/' }, { path: 'early-x/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }]);
    const res = await srv.publish(hostile, read);
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.code, 'EFORBIDDEN');
    assert.deepEqual(await srv.snapshot(), before);
  });
});

describe('ChartMuseum upload (vela addon push)', () => {
  test('POST /api/charts with multipart field "chart" is 201', async () => {
    const archive = addonArchive('pushed', '1.0.0');
    const res = await srv.json('/api/charts', { method: 'POST', body: chartForm('chart', archive), token: srv.adminToken });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.saved, true);
    assert.deepEqual(await download('/charts/pushed-1.0.0.tgz'), { status: 200, digest: sha256(archive) });
  });

  test('an identical re-push is 201, as vela addon push needs (it reads 200 as a failure)', async () => {
    const res = await srv.json('/api/charts', { method: 'POST', body: chartForm('chart', addonArchive('pushed', '1.0.0')), token: srv.adminToken });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.saved, true);
  });

  test('a context path and a repository path (helm-push: {ctx}/api/{repo}/charts)', async () => {
    for (const [path, name] of [['/cm/api/charts', 'pushed-ctx'], ['/api/team/charts', 'pushed-repo'], ['/cm/api/team/charts', 'pushed-both']] as const) {
      const archive = addonArchive(name, '1.0.0');
      const res = await srv.json(path, { method: 'POST', body: chartForm('chart', archive), token: srv.adminToken });
      assert.equal(res.status, 201, `${path}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await download(`/charts/${name}-1.0.0.tgz`), { status: 200, digest: sha256(archive) });
    }
  });

  const rows: Array<{ name: string; body: () => BodyInit; headers?: Record<string, string>; token?: boolean; status: number; code: string }> = [
    { name: 'the archive under another field', body: () => chartForm('file', addonArchive('pushed-2', '1.0.0')), status: 400, code: 'EBAD_REQUEST' },
    { name: 'a body that is not multipart', body: () => new Uint8Array(addonArchive('pushed-3', '1.0.0')), headers: { 'content-type': 'application/gzip' }, status: 400, code: 'EBAD_REQUEST' },
    { name: 'an existing version with other bytes', body: () => chartForm('chart', addonArchive('pushed', '1.0.0', { readme: 'other\n' })), status: 409, code: 'ECONFLICT' },
    { name: 'no token', body: () => chartForm('chart', addonArchive('pushed-4', '1.0.0')), token: false, status: 401, code: 'EUNAUTHORIZED' },
    { name: 'a chart field over the size limit', body: () => chartForm('chart', randomBytes(limits.maxTotalBytes + 1)), status: 413, code: 'EPACKAGE_TOO_LARGE' },
  ];
  test('a ?force re-push of a changed version (vela addon push --force) is 409: versions never change', async () => {
    const before = await srv.snapshot();
    const res = await srv.json('/api/charts?force', { method: 'POST', body: chartForm('chart', addonArchive('pushed', '1.0.0', { readme: 'forced\n' })), token: srv.adminToken });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.code, 'ECONFLICT');
    assert.match(res.body.error, /force/);
    assert.deepEqual(await srv.snapshot(), before);
  });

  for (const row of rows) {
    test(`${row.name}: ${row.status} with JSON {"error": ...}`, async () => {
      const before = await srv.snapshot();
      const res = await srv.json('/api/charts', { method: 'POST', body: row.body(), headers: row.headers, token: row.token === false ? undefined : srv.adminToken });
      assert.equal(res.status, row.status, JSON.stringify(res.body));
      assert.equal(typeof res.body.error, 'string');
      assert.ok(res.body.error.length > 0);
      assert.equal(res.body.code, row.code);
      assert.deepEqual(await srv.snapshot(), before);
    });
  }
});

describe('yank and deprecate', () => {
  const v1 = addonArchive('yanky', '1.0.0');
  const v2 = addonArchive('yanky', '1.1.0');
  before(async () => {
    assert.equal((await srv.publish(v1)).status, 201);
    assert.equal((await srv.publish(v2)).status, 201);
  });

  test('a yanked version leaves index.yaml, latest moves back, and it stays downloadable by exact version', async () => {
    assert.equal((await srv.json('/api/v1/addons/yanky')).body.distTags.latest, '1.1.0');
    const res = await srv.json('/api/v1/addons/yanky/versions/1.1.0/yank', { method: 'PUT', token: srv.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'broken' }) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await indexVersions('yanky'), ['1.0.0']);
    assert.equal((await srv.json('/api/v1/addons/yanky')).body.distTags.latest, '1.0.0');
    assert.deepEqual(await download('/charts/yanky-1.1.0.tgz'), { status: 200, digest: sha256(v2) });
    const info = await srv.json('/api/v1/addons/yanky/versions/1.1.0');
    assert.equal(info.body.yanked, true);
    assert.equal(info.body.yankReason, 'broken');
  });

  test('un-yanking restores the index entry and latest', async () => {
    assert.equal((await srv.json('/api/v1/addons/yanky/versions/1.1.0/yank', { method: 'DELETE', token: srv.adminToken })).status, 200);
    assert.deepEqual(await indexVersions('yanky'), ['1.1.0', '1.0.0']);
    assert.equal((await srv.json('/api/v1/addons/yanky')).body.distTags.latest, '1.1.0');
  });

  test('a deprecated version has deprecated: true in its index entry (and the message in annotations)', async () => {
    const res = await srv.json('/api/v1/addons/yanky/versions/1.0.0/deprecation', { method: 'PUT', token: srv.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'use 1.1.0' }) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const entry = await indexEntry('yanky', '1.0.0');
    assert.equal(entry?.deprecated, true);
    assert.equal((entry?.annotations as Record<string, string>)['velahub.dev/deprecation'], 'use 1.1.0');
    assert.equal((await indexEntry('yanky', '1.1.0'))?.deprecated, undefined);
    assert.equal((await srv.json('/api/v1/addons/yanky/versions/1.0.0')).body.deprecated, 'use 1.1.0');
    assert.equal((await srv.json('/api/v1/addons/yanky/versions/1.0.0/deprecation', { method: 'DELETE', token: srv.adminToken })).status, 200);
    assert.equal((await indexEntry('yanky', '1.0.0'))?.deprecated, undefined);
  });

  const rows: Array<{ name: string; method: string; path: string; body?: unknown; auth: 'none' | 'other' | 'admin'; status: number; code: string }> = [
    { name: 'yank without a token', method: 'PUT', path: '/api/v1/addons/yanky/versions/1.0.0/yank', body: {}, auth: 'none', status: 401, code: 'EUNAUTHORIZED' },
    { name: 'yank with a token for another name', method: 'PUT', path: '/api/v1/addons/yanky/versions/1.0.0/yank', body: {}, auth: 'other', status: 403, code: 'EFORBIDDEN' },
    { name: 'yank of a missing version', method: 'PUT', path: '/api/v1/addons/yanky/versions/9.9.9/yank', body: {}, auth: 'admin', status: 404, code: 'ENOT_FOUND' },
    { name: 'deprecate without a message', method: 'PUT', path: '/api/v1/addons/yanky/versions/1.0.0/deprecation', body: {}, auth: 'admin', status: 400, code: 'EBAD_REQUEST' },
    { name: 'deprecate with a blank message', method: 'PUT', path: '/api/v1/addons/yanky/versions/1.0.0/deprecation', body: { message: '   ' }, auth: 'admin', status: 400, code: 'EBAD_REQUEST' },
    { name: 'deprecate with a token for another name', method: 'PUT', path: '/api/v1/addons/yanky/versions/1.0.0/deprecation', body: { message: 'x' }, auth: 'other', status: 403, code: 'EFORBIDDEN' },
    { name: 'deprecate a missing addon', method: 'PUT', path: '/api/v1/addons/nope/versions/1.0.0/deprecation', body: { message: 'x' }, auth: 'admin', status: 404, code: 'ENOT_FOUND' },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.status} ${row.code}, nothing changed`, async () => {
      const other = row.auth === 'other' ? (await srv.token({ scope: 'publish', pattern: 'someone-else' })).secret : undefined;
      const before = await srv.snapshot();
      const res = await srv.json(row.path, { method: row.method, token: row.auth === 'admin' ? srv.adminToken : other, headers: { 'content-type': 'application/json' }, body: JSON.stringify(row.body) });
      assert.equal(res.status, row.status, JSON.stringify(res.body));
      assert.equal(res.body.code, row.code);
      assert.deepEqual(await srv.snapshot(), before);
    });
  }
});

describe('caching and compression', () => {
  const archive = addonArchive('cached', '1.0.0', { readme: `# cached\n\n${'A long README line to make the JSON worth compressing.\n'.repeat(40)}` });
  before(async () => {
    assert.equal((await srv.publish(archive)).status, 201);
  });

  for (const path of ['/index.yaml', '/api/v1/addons/cached/versions/1.0.0', '/api/v1/addons?q=cached', '/charts/cached-1.0.0.tgz']) {
    test(`${path}: ETag, then 304 for If-None-Match with it, 200 for another`, async () => {
      const first = await rawGet(`${srv.url}${path}`);
      assert.equal(first.status, 200);
      const etag = first.headers.etag;
      assert.ok(etag, 'no ETag');
      const again = await rawGet(`${srv.url}${path}`, { 'if-none-match': etag });
      assert.equal(again.status, 304);
      assert.equal(again.body.length, 0);
      const stale = await rawGet(`${srv.url}${path}`, { 'if-none-match': '"something-else"' });
      assert.equal(stale.status, 200);
    });
  }

  for (const path of ['/index.yaml', '/api/v1/addons/cached/versions/1.0.0', '/charts/cached-1.0.0.tgz', '/api/v1/addons/cached/versions/1.0.0/archive', '/api/v1/addons/nope', '/healthz']) {
    test(`${path}: X-Content-Type-Options: nosniff`, async () => {
      const res = await rawGet(`${srv.url}${path}`);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    });
  }

  test('the archive ETag is its digest', async () => {
    const res = await rawGet(`${srv.url}/charts/cached-1.0.0.tgz`);
    assert.equal(res.headers.etag, `"${sha256(archive)}"`);
  });

  test('index.yaml ETag changes when the catalog changes', async () => {
    const before = (await rawGet(`${srv.url}/index.yaml`)).headers.etag;
    assert.equal((await srv.publish(addonArchive('cached', '1.0.1'))).status, 201);
    const after = await rawGet(`${srv.url}/index.yaml`, { 'if-none-match': String(before) });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.etag, before);
  });

  for (const path of ['/index.yaml', '/api/v1/addons/cached/versions/1.0.0']) {
    test(`${path}: gzip when Accept-Encoding: gzip, identity otherwise`, async () => {
      const zipped = await rawGet(`${srv.url}${path}`, { 'accept-encoding': 'gzip' });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      const plain = await rawGet(`${srv.url}${path}`, { 'accept-encoding': 'identity' });
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(gunzipSync(zipped.body).toString().includes('cached'));
      assert.ok(zipped.body.length < plain.body.length);
    });
  }

  test('archives are sent as they are stored, never gzipped again', async () => {
    const res = await rawGet(`${srv.url}/charts/cached-1.0.0.tgz`, { 'accept-encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(sha256(res.body), sha256(archive));
  });
});

describe('hostile and invalid archives: refused with a code, store unchanged', () => {
  const meta = 'name: hostile\nversion: 1.0.0\ndescription: x\n';
  const md: CraftedEntry = { path: 'hostile/metadata.yaml', data: meta };
  const dir: CraftedEntry = { path: 'hostile/' };
  const valid = (files: Record<string, string | null>) => archiveOf(addonTree('hostile', '1.0.0', { files }), { name: 'hostile', version: '1.0.0' });
  const withMetadata = (text: string, top = 'hostile') => archiveOf(addonTree('hostile', '1.0.0', { files: { 'metadata.yaml': text } }), { name: 'hostile', version: '1.0.0' }, top);
  const badCue = traitCue('broken', 'port?: int').replace('port?: int', 'port?: ]');
  const badCueLine = badCue.split('\n').findIndex((l) => l.includes('port?: ]')) + 1;
  // "Billion laughs": each level repeats the previous anchor nine times.
  const aliasBomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((l, i) => `${l}: &${l} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n') + '\n';

  const rawMd = rawEntry({ name: 'hostile/metadata.yaml', typeflag: '0' }, meta);
  const nfc = 'caf\u00e9.txt';
  const rows: Array<{ name: string; body: () => Buffer; status: number; code: string; mentions?: string[]; problem?: { file: string; line?: number; code?: string } }> = [
    {
      name: 'a definition hidden behind a 70 KiB pax header',
      body: () => rawTgz([rawMd, rawEntry({ name: 'hostile/PaxHeaders/x', typeflag: 'x' }, paxBody({ comment: 'x'.repeat(70 * 1024), path: 'hostile/definitions/evil.cue' })), rawEntry({ name: 'hostile/innocent.txt', typeflag: '0' }, '"evil": {}\n')]),
      status: 400,
      code: 'EUNSAFE_ENTRY',
      mentions: ['hostile/PaxHeaders/x', '65536'],
    },
    { name: 'a pax "path" key', body: () => rawTgz([rawMd, rawEntry({ name: 'hostile/PaxHeaders/x', typeflag: 'x' }, paxBody({ path: 'hostile/definitions/evil.cue' })), rawEntry({ name: 'hostile/innocent.txt', typeflag: '0' }, 'x')]), status: 400, code: 'EUNSAFE_ENTRY', mentions: ['hostile/PaxHeaders/x', '"path"'] },
    { name: 'a pax global header', body: () => rawTgz([rawMd, rawEntry({ name: 'hostile/pax_global_header', typeflag: 'g' }, paxBody({ path: 'hostile/definitions/evil.cue' }))]), status: 400, code: 'EUNSAFE_ENTRY', mentions: ['hostile/pax_global_header', 'global'] },
    { name: 'an entry of type "Z"', body: () => rawTgz([rawMd, rawEntry({ name: 'hostile/definitions/evil.cue', typeflag: 'Z' }, '"evil": {}')]), status: 400, code: 'EUNSAFE_ENTRY', mentions: ['hostile/definitions/evil.cue', '"Z"', 'only regular files'] },
    { name: 'a GNU sparse entry ("S")', body: () => rawTgz([rawMd, rawEntry({ name: 'hostile/definitions/evil.cue', typeflag: 'S' }, '"evil": {}')]), status: 400, code: 'EUNSAFE_ENTRY', mentions: ['hostile/definitions/evil.cue', '"S"'] },
    { name: 'an entry after the end-of-archive marker', body: () => rawTgz([rawMd], { trailing: rawEntry({ name: 'hostile/definitions/evil.cue', typeflag: '0' }, 'x') }), status: 400, code: 'EBAD_ARCHIVE', mentions: ['after the end-of-archive marker'] },
    { name: 'a file and a folder of one path', body: () => tgzOf([dir, md, { path: 'hostile/examples', data: 'a' }, { path: 'hostile/examples/a.txt', data: 'b' }]), status: 400, code: 'ENAME_COLLISION', mentions: ['examples/a.txt', '"examples" is both a file'] },
    { name: 'NFC and NFD twins', body: () => rawTgz([rawMd, rawEntry({ name: `hostile/${nfc}`, typeflag: '0' }, 'a'), rawEntry({ name: `hostile/${nfc.normalize('NFD')}`, typeflag: '0' }, 'b')]), status: 400, code: 'ENAME_COLLISION', mentions: [nfc, 'Unicode normalization'] },
    { name: 'a symbolic link', body: () => tgzOf([dir, md, { path: 'hostile/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }]), status: 400, code: 'EUNSAFE_ENTRY' },
    { name: 'a hard link', body: () => tgzOf([dir, md, { path: 'hostile/hard', type: 'Link', linkpath: 'hostile/metadata.yaml' }]), status: 400, code: 'EUNSAFE_ENTRY' },
    { name: 'a device', body: () => tgzOf([dir, md, { path: 'hostile/null', type: 'CharacterDevice' }]), status: 400, code: 'EUNSAFE_ENTRY' },
    { name: 'a FIFO', body: () => tgzOf([dir, md, { path: 'hostile/pipe', type: 'FIFO' }]), status: 400, code: 'EUNSAFE_ENTRY' },
    { name: '".." traversal', body: () => tgzOf([dir, md, { path: 'hostile/../../etc/cron.d/evil', data: 'x' }]), status: 400, code: 'EUNSAFE_PATH' },
    { name: '".." as the top folder', body: () => tgzOf([{ path: '../hostile/metadata.yaml', data: meta }]), status: 400, code: 'EUNSAFE_PATH' },
    { name: 'an absolute path', body: () => tgzOf([dir, md, { path: '/etc/cron.d/evil', data: 'x' }]), status: 400, code: 'EUNSAFE_PATH' },
    { name: 'a backslash in a name', body: () => tgzOf([dir, md, { path: 'hostile/..\\..\\x', data: 'x' }]), status: 400, code: 'EUNSAFE_PATH' },
    { name: 'two top folders', body: () => tgzOf([dir, md, { path: 'other/x.yaml', data: 'x' }]), status: 400, code: 'EBAD_LAYOUT' },
    { name: 'files without a top folder', body: () => tgzOf([{ path: 'metadata.yaml', data: meta }]), status: 400, code: 'EBAD_LAYOUT' },
    { name: 'names colliding ignoring case', body: () => tgzOf([dir, md, { path: 'hostile/README.md', data: 'a' }, { path: 'hostile/readme.md', data: 'b' }]), status: 400, code: 'ENAME_COLLISION' },
    { name: 'too many files', body: () => tgzOf([dir, md, ...Array.from({ length: limits.maxFiles }, (_, i) => ({ path: `hostile/resources/f${i}.yaml`, data: 'x: 1\n' }))]), status: 400, code: 'ETOO_MANY_FILES' },
    { name: 'one file over the per-file limit', body: () => tgzOf([dir, md, { path: 'hostile/big.bin', data: Buffer.alloc(limits.maxFileBytes + 1) }]), status: 400, code: 'EFILE_TOO_LARGE' },
    { name: 'a huge metadata.yaml', body: () => tgzOf([dir, { path: 'hostile/metadata.yaml', data: `${meta}description: ${'x'.repeat(limits.maxFileBytes)}\n` }]), status: 400, code: 'EFILE_TOO_LARGE' },
    { name: 'files together over the total limit', body: () => tgzOf([dir, md, ...Array.from({ length: 5 }, (_, i) => ({ path: `hostile/resources/z${i}.bin`, data: Buffer.alloc(60 * 1024) }))]), status: 413, code: 'EPACKAGE_TOO_LARGE' },
    { name: 'a gzip bomb: 16 MB of zeros in a few KB', body: () => gzipSync(Buffer.concat([tarOf([dir]).subarray(0, 512), Buffer.alloc(16 * 1024 * 1024)])), status: 413, code: 'EPACKAGE_TOO_LARGE' },
    { name: 'an upload over the size limit', body: () => randomBytes(limits.maxTotalBytes + 1), status: 413, code: 'EPACKAGE_TOO_LARGE' },
    { name: 'not gzip', body: () => Buffer.from('PK\u0003\u0004 this is a zip file'), status: 400, code: 'EBAD_ARCHIVE' },
    { name: 'gzip of something that is not a tar', body: () => gzipSync(Buffer.from('hello world\n'.repeat(100))), status: 400, code: 'EBAD_ARCHIVE' },
    { name: 'a truncated gzip', body: () => valid({}).subarray(0, 40), status: 400, code: 'EBAD_ARCHIVE' },
    { name: 'an empty body', body: () => Buffer.alloc(0), status: 400, code: 'EBAD_REQUEST' },
    { name: 'no metadata.yaml', body: () => valid({ 'metadata.yaml': null }), status: 422, code: 'EINVALID' },
    { name: 'metadata with a bad name', body: () => withMetadata('name: Hostile_Addon\nversion: 1.0.0\n'), status: 422, code: 'EINVALID', problem: { file: 'metadata.yaml', line: 1, code: 'metadata-pattern' } },
    { name: 'metadata with a bad version', body: () => withMetadata('name: hostile\nversion: one\n'), status: 422, code: 'EINVALID', problem: { file: 'metadata.yaml', line: 2, code: 'metadata-format' } },
    { name: 'metadata without a version', body: () => withMetadata('name: hostile\n'), status: 422, code: 'EINVALID', problem: { file: 'metadata.yaml', code: 'metadata-required' } },
    { name: 'metadata.yaml that is not YAML', body: () => withMetadata('name: hostile\nversion: [1.0.0\n'), status: 422, code: 'EINVALID', problem: { file: 'metadata.yaml', code: 'metadata-yaml' } },
    { name: 'metadata.yaml that is a list', body: () => withMetadata('- name: hostile\n'), status: 422, code: 'EINVALID', problem: { file: 'metadata.yaml', code: 'metadata-not-a-map' } },
    { name: 'a top folder not named like the addon', body: () => withMetadata(meta, 'renamed'), status: 422, code: 'EINVALID' },
    { name: 'a resource that is not YAML', body: () => valid({ 'resources/cm.yaml': 'apiVersion: v1\nkind: [ConfigMap\n' }), status: 422, code: 'EINVALID', problem: { file: 'resources/cm.yaml', code: 'invalid-yaml' } },
    { name: 'a YAML alias bomb in metadata.yaml', body: () => withMetadata(`${meta}${aliasBomb}`), status: 422, code: 'EINVALID', problem: { file: 'metadata.yaml', code: 'metadata-yaml' } },
    { name: 'a YAML alias bomb in a Definition CR', body: () => valid({ 'definitions/bomb.yaml': `apiVersion: core.oam.dev/v1beta1\nkind: TraitDefinition\n${aliasBomb}` }), status: 422, code: 'EINVALID', problem: { file: 'definitions/bomb.yaml', code: 'ebad_definition' } },
    { name: 'a YAML alias bomb in a resource', body: () => valid({ 'resources/cm.yaml': `apiVersion: v1\nkind: ConfigMap\n${aliasBomb}` }), status: 422, code: 'EINVALID', problem: { file: 'resources/cm.yaml', code: 'yaml-aliases' } },
    { name: 'a definition that is not valid CUE', body: () => valid({ 'definitions/broken.cue': badCue }), status: 422, code: 'EINVALID', problem: { file: 'definitions/broken.cue', line: badCueLine } },
  ];

  for (const row of rows) {
    test(`${row.name}: ${row.status} ${row.code}`, async () => {
      const before = await srv.snapshot();
      const res = await srv.publish(row.body());
      assert.equal(res.status, row.status, JSON.stringify(res.body).slice(0, 500));
      assert.equal(res.body.code, row.code, res.body.error);
      for (const m of row.mentions ?? []) assert.ok(res.body.error.includes(m), `${res.body.error} does not mention ${m}`);
      if (row.problem) {
        const want = row.problem;
        const problems = res.body.problems as Array<{ file: string; line?: number; code?: string; severity: string }>;
        assert.ok(
          problems.some((p) => p.severity === 'error' && p.file === want.file && (want.line === undefined || p.line === want.line) && (want.code === undefined || p.code === want.code)),
          `no problem like ${JSON.stringify(want)} in ${JSON.stringify(problems)}`,
        );
      }
      assert.deepEqual(await srv.snapshot(), before);
      assert.equal((await srv.json('/api/v1/addons/hostile')).status, 404);
    });
  }
});

describe('metadata.yaml and README bounds (default package limits)', () => {
  let big: TestServer;
  before(async () => {
    big = await startTestServer({ cue });
  });
  after(async () => {
    await big?.close();
  });

  const rows: Array<{ name: string; archive: () => Buffer; file: string; mentions: string[] }> = [
    {
      name: 'a 9 MiB unknown key in metadata.yaml',
      archive: () => addonArchive('bounded', '1.0.0', { metadataExtra: `padding: ${'x'.repeat(9 * 1024 * 1024)}\n` }),
      file: 'metadata.yaml',
      mentions: ['bounded/metadata.yaml is', String(64 * 1024)],
    },
    { name: 'a README over 1 MiB', archive: () => addonArchive('bounded', '1.0.0', { readme: `# bounded\n${'x'.repeat(1024 * 1024)}` }), file: 'README.md', mentions: ['README.md is', String(1024 * 1024)] },
  ];
  for (const row of rows) {
    test(`${row.name}: 422 EINVALID naming the file and the bound, store unchanged`, async () => {
      const before = await big.snapshot();
      const res = await big.publish(row.archive());
      assert.equal(res.status, 422, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.code, 'EINVALID');
      for (const m of row.mentions) assert.ok(res.body.error.includes(m), `${res.body.error.slice(0, 300)} does not mention ${m}`);
      assert.ok((res.body.problems as Array<{ file: string; code: string }>).some((p) => p.file === row.file && p.code === 'file-too-large'), JSON.stringify(res.body.problems));
      assert.deepEqual(await big.snapshot(), before);
    });
  }

  test('an unknown metadata key is stored once (metadata column), not again inside the manifest', async () => {
    const marker = 'unknown-key-value-6f1c';
    const res = await big.publish(addonArchive('once', '1.0.0', { metadataExtra: `zzextra: ${marker}\n` }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const row = (await big.registry.store.db.query('SELECT * FROM versions WHERE name = $1', ['once'])).rows[0];
    assert.equal(JSON.stringify(row).split(marker).length - 1, 1, 'the value appears exactly once in the stored row');
    const served = await big.json('/api/v1/addons/once/versions/1.0.0');
    assert.equal(served.body.metadata.zzextra, marker);
  });
});

describe('crash between the blob write and the row commit', () => {
  const archive = addonArchive('crashy', '1.0.0');

  test('no version becomes visible; a normal re-publish then succeeds', async () => {
    const before = await srv.snapshot();
    const blobs = srv.registry.blobs;
    srv.registry.blobs = afterEachPut(blobs, () => {
      throw new Error('simulated crash after the blob write');
    });
    try {
      const res = await srv.publish(archive);
      assert.equal(res.status, 500);
      assert.equal(res.body.code, 'EINTERNAL');
    } finally {
      srv.registry.blobs = blobs;
    }
    assert.equal(await srv.registry.blobs.has(sha256(archive)), true, 'premise: the blob was written before the crash');
    assert.equal((await srv.json('/api/v1/addons/crashy/versions/1.0.0')).status, 404);
    assert.equal((await srv.fetch('/charts/crashy-1.0.0.tgz')).status, 404);
    assert.deepEqual(await indexVersions('crashy'), []);
    const afterCrash = await srv.snapshot();
    assert.equal(afterCrash.revision, before.revision);
    assert.deepEqual(afterCrash.versions, before.versions);

    const res = await srv.publish(archive);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(await indexVersions('crashy'), ['1.0.0']);
    assert.deepEqual(await download('/charts/crashy-1.0.0.tgz'), { status: 200, digest: sha256(archive) });
  });
});

describe('20 concurrent publishes of one version', () => {
  test('different bytes: exactly one 201, the other 19 are 409 ECONFLICT, the winner is stored, and no loser left a blob', async () => {
    const archives = Array.from({ length: 20 }, (_, i) => addonArchive('contested', '1.0.0', { readme: `# contested\n\nvariant ${i}\n` }));
    const blobsBefore = (await srv.snapshot()).blobFiles;
    const results = await Promise.all(archives.map((a) => srv.publish(a)));
    const added = (await srv.snapshot()).blobFiles.filter((f) => !blobsBefore.includes(f));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array<number>(19).fill(409)], JSON.stringify(results.map((r) => r.body.code)));
    for (const r of results) if (r.status === 409) assert.equal(r.body.code, 'ECONFLICT');
    const winner = archives[results.findIndex((r) => r.status === 201)]!;
    assert.deepEqual(added.map((f) => f.split(' ')[0]!.split('/').pop()), [sha256(winner).slice(7)], 'exactly one new blob file: the winner');
    assert.equal((await srv.json('/api/v1/addons/contested/versions/1.0.0')).body.digest, sha256(winner));
    assert.deepEqual(await download('/charts/contested-1.0.0.tgz'), { status: 200, digest: sha256(winner) });
  });

  test('identical bytes: exactly one 201, the other 19 are 200', async () => {
    const archive = addonArchive('twins', '1.0.0');
    const results = await Promise.all(Array.from({ length: 20 }, () => srv.publish(archive)));
    assert.deepEqual(results.map((r) => r.status).sort(), [...Array<number>(19).fill(200), 201]);
    for (const r of results) assert.equal(r.body.digest, sha256(archive));
    assert.deepEqual(await indexVersions('twins'), ['1.0.0']);
  });
});

describe('every archive accepted above', () => {
  test("extracts with GNU tar, and reads with Go's archive/tar (Helm, KubeVela), to exactly the files velahub validated", async () => {
    assert.ok(srv.accepted.length >= 10, `premise: the tests above published archives (${srv.accepted.length})`);
    for (const archive of srv.accepted) {
      await assertGnuTarParity(archive);
      await assertGoTarParity(archive);
    }
  });
});

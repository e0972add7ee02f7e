/**
 * The OCI API refuses hostile and broken input with the spec's error body and stores nothing of
 * it: a manifest naming a missing blob, a blob whose digest does not match, an upload that never
 * finishes (unknown after its time bound, removed by gc), a 1 GiB declared size, Helm chart
 * manifests whose layers are not one valid chart, an unknown media type. Plus the auth rules:
 * the Bearer challenge and token flow, scopes, patterns, and a private registry.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { sha256 } from '../../core/package/archive.ts';
import { helmChartLayerType, helmConfigType, helmProvenanceLayerType, ociManifestType } from '../../core/oci/manifest.ts';
import { collectGarbage } from '../../registry/gc.ts';
import { chartArchive } from '../support/charts.ts';
import { testServerForFile } from '../support/file-test-server.ts';
import { startTestServer } from '../support/registry-server.ts';
import { CueEvaluator } from '../../core/cue/evaluator.ts';

const ttlMs = 60_000;
const maxBytes = 1024 * 1024;
const { srv } = testServerForFile({ ociUploads: { ttlMs, maxBytes } });

/** The spec's error body: its one code. */
async function ociCode(res: Response): Promise<string> {
  const body = (await res.json()) as { errors?: Array<{ code: string; message: string }> };
  assert.ok(Array.isArray(body.errors) && body.errors.length === 1, JSON.stringify(body));
  assert.ok(body.errors[0]!.message.length > 10, 'the message says what is wrong');
  return body.errors[0]!.code;
}

/** Pushes a blob in one POST; returns its descriptor. */
async function pushBlob(repo: string, bytes: Buffer, mediaType = 'application/octet-stream'): Promise<{ mediaType: string; digest: string; size: number }> {
  const digest = sha256(bytes);
  const res = await srv.fetch(`/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' }, token: srv.adminToken });
  assert.equal(res.status, 201, await res.text());
  return { mediaType, digest, size: bytes.length };
}

function putManifest(repo: string, ref: string, manifest: unknown, contentType = ociManifestType, token = srv.adminToken): Promise<Response> {
  return srv.fetch(`/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'content-type': contentType }, token });
}

/** Helm's config blob for a chart version. */
const helmConfig = (name: string, version: string) => Buffer.from(JSON.stringify({ apiVersion: 'v2', name, version, type: 'application' }));

/** A raw request whose headers may lie (a declared length the body never has). */
function rawRequest(path: string, method: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers: { authorization: `Bearer ${srv.adminToken}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.write(body);
    // The rest of the declared body never comes: the answer must come anyway.
  });
}

describe('hostile input, each refused with the spec\'s code and nothing stored', () => {
  test('a manifest naming a blob the repository does not hold: MANIFEST_BLOB_UNKNOWN', async () => {
    const config = await pushBlob('charts/hostile', helmConfig('hostile', '1.0.0'), helmConfigType);
    const before = await srv.snapshot();
    const missing = { mediaType: helmChartLayerType, digest: sha256(Buffer.from('never pushed')), size: 12 };
    const res = await putManifest('charts/hostile', '1.0.0', { schemaVersion: 2, mediaType: ociManifestType, config, layers: [missing] });
    assert.equal(res.status, 400);
    assert.equal(await ociCode(res), 'MANIFEST_BLOB_UNKNOWN');
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('a blob whose bytes do not match its digest (one POST, and a chunked upload): DIGEST_INVALID', async () => {
    const before = await srv.snapshot();
    const wrong = sha256(Buffer.from('other bytes'));
    const res = await srv.fetch(`/v2/charts/hostile/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: 'these bytes', headers: { 'content-type': 'application/octet-stream' }, token: srv.adminToken });
    assert.equal(res.status, 400);
    assert.equal(await ociCode(res), 'DIGEST_INVALID');
    const started = await srv.fetch('/v2/charts/hostile/blobs/uploads/', { method: 'POST', token: srv.adminToken });
    assert.equal(started.status, 202);
    const location = started.headers.get('location')!;
    assert.equal((await srv.fetch(location, { method: 'PATCH', body: 'these bytes', headers: { 'content-type': 'application/octet-stream' }, token: srv.adminToken })).status, 202);
    const put = await srv.fetch(`${location}?digest=${wrong}`, { method: 'PUT', token: srv.adminToken });
    assert.equal(put.status, 400);
    assert.equal(await ociCode(put), 'DIGEST_INVALID');
    // The refused upload is gone, not left to be finished with other bytes.
    const again = await srv.fetch(location, { token: srv.adminToken });
    assert.equal(again.status, 404);
    assert.equal(await ociCode(again), 'BLOB_UPLOAD_UNKNOWN');
    assert.deepEqual(await srv.snapshot(), before, 'no blob, no upload, no chunk left');
  });

  test('an upload that never finishes: unknown once untouched past its time bound, removed by velahub gc', async () => {
    const started = await srv.fetch('/v2/charts/hostile/blobs/uploads/', { method: 'POST', token: srv.adminToken });
    const location = started.headers.get('location')!;
    const id = location.split('/').pop()!;
    const chunk = await srv.fetch(location, { method: 'PATCH', body: 'half a blob', headers: { 'content-range': '0-10', 'content-type': 'application/octet-stream' }, token: srv.adminToken });
    assert.equal(chunk.status, 202);
    assert.equal(chunk.headers.get('range'), '0-10');
    // Still there before its bound: gc leaves it.
    assert.deepEqual((await collectGarbage(srv.registry, { now: new Date() })).uploads, []);
    const gc = await collectGarbage(srv.registry, { now: new Date(Date.now() + ttlMs + 1000) });
    assert.deepEqual(gc.uploads, [id]);
    assert.deepEqual((await srv.registry.store.db.query('SELECT id FROM oci_uploads UNION ALL SELECT id FROM oci_upload_chunks')).rows, [], 'the upload and its chunk are gone');
    const res = await srv.fetch(location, { method: 'PATCH', body: 'the rest', headers: { 'content-type': 'application/octet-stream' }, token: srv.adminToken });
    assert.equal(res.status, 404);
    assert.equal(await ociCode(res), 'BLOB_UPLOAD_UNKNOWN');
  });

  test('a 1 GiB declared size (one POST, or a chunk): SIZE_INVALID before the body is read', async () => {
    const before = await srv.snapshot();
    const oneGiB = String(1024 * 1024 * 1024);
    const post = await rawRequest(`/v2/charts/hostile/blobs/uploads/?digest=${sha256(Buffer.from('x'))}`, 'POST', { 'content-length': oneGiB, 'content-type': 'application/octet-stream' }, Buffer.from('x'));
    assert.equal(post.status, 413);
    assert.equal((JSON.parse(post.body) as { errors: Array<{ code: string }> }).errors[0]!.code, 'SIZE_INVALID');
    const started = await srv.fetch('/v2/charts/hostile/blobs/uploads/', { method: 'POST', token: srv.adminToken });
    const location = started.headers.get('location')!;
    const patch = await rawRequest(location, 'PATCH', { 'content-length': oneGiB, 'content-type': 'application/octet-stream' }, Buffer.from('x'));
    assert.equal(patch.status, 413);
    assert.match(patch.body, /SIZE_INVALID/);
    // A body that only turns out too large (chunked, no length) is refused at the bound too, and the upload keeps what it had.
    const big = await srv.fetch(location, { method: 'PATCH', body: new ReadableStream({ start(c) { c.enqueue(new Uint8Array(maxBytes + 1)); c.close(); } }), duplex: 'half', headers: { 'content-type': 'application/octet-stream' }, token: srv.adminToken } as RequestInit);
    assert.equal(big.status, 413);
    const status = await srv.fetch(location, { token: srv.adminToken });
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-0');
    assert.equal((await srv.fetch(location, { method: 'DELETE', token: srv.adminToken })).status, 204);
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('Helm chart manifests whose layers are not one valid chart: MANIFEST_INVALID naming the problem', async () => {
    const repo = 'charts/demo-app';
    const config = await pushBlob(repo, helmConfig('demo-app', '1.0.0'), helmConfigType);
    const chart = await pushBlob(repo, chartArchive('demo-app', '1.0.0'), helmChartLayerType);
    const other = await pushBlob(repo, chartArchive('demo-app', '1.0.1'), helmChartLayerType);
    const notes = await pushBlob(repo, Buffer.from('release notes'), 'text/plain');
    const garbage = await pushBlob(repo, Buffer.from('not a gzip tar at all'), helmChartLayerType);
    const unsafe = await pushBlob(repo, chartArchive('demo-app', '1.0.0', { 'templates/../../escape.yaml': 'x' }), helmChartLayerType);
    const invalid = await pushBlob(repo, chartArchive('demo-app', '1.0.0', { 'Chart.yaml': 'apiVersion: v1\nname: demo-app\nversion: one\n' }), helmChartLayerType);
    const misnamed = await pushBlob(repo, chartArchive('web-shop', '1.0.0'), helmChartLayerType);
    const prov = { ...(await pushBlob(repo, Buffer.from('-----BEGIN PGP SIGNED MESSAGE-----'))), mediaType: helmProvenanceLayerType };
    const before = await srv.snapshot();
    const cases: Array<[string, unknown[], RegExp]> = [
      ['no layer', [], /exactly one .* layer, this one holds 0/],
      ['two chart layers', [chart, other], /exactly one .* layer, this one holds 2/],
      ['a layer of another type', [chart, notes], /"text\/plain" is not one of them/],
      ['two provenance layers', [chart, prov, prov], /at most one provenance layer/],
      ['a layer that is no archive', [garbage], /gzip|archive/i],
      ['an archive with an unsafe path', [unsafe], /escape|path/i],
      ['a Chart.yaml that breaks the upload rules', [invalid], /apiVersion|version/],
      ['a chart of another name than the repository', [misnamed], /web-shop/],
    ];
    for (const [what, layers, message] of cases) {
      const res = await putManifest(repo, '1.0.0', { schemaVersion: 2, mediaType: ociManifestType, config, layers });
      assert.equal(res.status, 400, what);
      const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
      assert.equal(body.errors[0]!.code, 'MANIFEST_INVALID', `${what}: ${JSON.stringify(body)}`);
      assert.match(body.errors[0]!.message, message, what);
    }
    const wrongTag = await putManifest(repo, '2.0.0', { schemaVersion: 2, mediaType: ociManifestType, config, layers: [chart] });
    assert.equal(await ociCode(wrongTag), 'MANIFEST_INVALID', 'the tag is the chart version');
    assert.deepEqual(await srv.snapshot(), before, 'no chart version, manifest, tag or blob was stored');
    // The control: the same chart, rightly pushed (by digest, then tagged, as helm does), is a chart version tagged with its version.
    const manifest = { schemaVersion: 2, mediaType: ociManifestType, config, layers: [chart, prov] };
    const digest = sha256(Buffer.from(JSON.stringify(manifest)));
    const ok = await putManifest(repo, digest, manifest);
    assert.equal(ok.status, 201, await ok.text());
    assert.equal((await srv.registry.charts.get('demo-app', '1.0.0'))?.digest, chart.digest);
    assert.equal((await srv.registry.oci.tagged(repo, '1.0.0'))?.digest, digest);
    assert.equal((await putManifest(repo, '1.0.0', manifest)).status, 201, 'tagging it with its version again is accepted');
  });

  test('an unknown manifest media type, a malformed manifest, a repository outside charts/: refused', async () => {
    const before = await srv.snapshot();
    const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(Buffer.from('{}')), size: 2 };
    const docker = await putManifest('charts/hostile', 'v1', { schemaVersion: 1, name: 'x' }, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    assert.equal(docker.status, 400);
    assert.equal(await ociCode(docker), 'MANIFEST_INVALID');
    const notJson = await srv.fetch('/v2/charts/hostile/manifests/v1', { method: 'PUT', body: '{"schemaVersion": 2,', headers: { 'content-type': ociManifestType }, token: srv.adminToken });
    assert.equal(await ociCode(notJson), 'MANIFEST_INVALID');
    const sha512 = await putManifest('charts/hostile', 'v1', { schemaVersion: 2, config: { ...config, digest: `sha512:${'a'.repeat(128)}` }, layers: [] });
    assert.equal(await ociCode(sha512), 'UNSUPPORTED');
    const outside = await putManifest('library/nginx', 'latest', { schemaVersion: 2, config, layers: [] });
    assert.equal(outside.status, 400);
    assert.equal(await ociCode(outside), 'NAME_INVALID');
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('malformed requests, one row each: the spec\'s code and status, nothing stored', async () => {
    const started = await srv.fetch('/v2/charts/hostile/blobs/uploads/', { method: 'POST', token: srv.adminToken });
    const location = started.headers.get('location')!;
    const before = await srv.snapshot();
    const rows: Array<[string, () => Promise<Response>, number, string]> = [
      ['a tag with a slash-free but invalid name', () => putManifest('charts/hostile', '-bad', { schemaVersion: 2 }), 400, 'MANIFEST_INVALID'],
      ['a digest of the wrong form', () => srv.fetch('/v2/charts/hostile/blobs/sha256:1234', { token: srv.adminToken }), 400, 'DIGEST_INVALID'],
      ['tags/list?n=-1', () => srv.fetch('/v2/charts/hostile/tags/list?n=-1', { token: srv.adminToken }), 400, 'UNSUPPORTED'],
      ['a chunk that does not start where the upload is', () => srv.fetch(location, { method: 'PATCH', body: 'abc', headers: { 'content-range': '5-7', 'content-type': 'application/octet-stream' }, token: srv.adminToken }), 416, 'BLOB_UPLOAD_INVALID'],
      ['a Content-Range longer than the body', () => srv.fetch(location, { method: 'PATCH', body: 'abc', headers: { 'content-range': '0-9', 'content-type': 'application/octet-stream' }, token: srv.adminToken }), 400, 'SIZE_INVALID'],
      ['finishing an upload without ?digest=', () => srv.fetch(location, { method: 'PUT', token: srv.adminToken }), 400, 'DIGEST_INVALID'],
      ['an upload id that is not one', () => srv.fetch('/v2/charts/hostile/blobs/uploads/not-an-upload', { method: 'PATCH', body: 'x', token: srv.adminToken }), 404, 'BLOB_UPLOAD_UNKNOWN'],
      ['a path under /v2/ that is no API', () => srv.fetch('/v2/charts/hostile/other/thing', { token: srv.adminToken }), 404, 'NAME_UNKNOWN'],
      ['another repository\'s upload', () => srv.fetch(location.replace('charts/hostile', 'charts/other'), { token: srv.adminToken }), 404, 'BLOB_UPLOAD_UNKNOWN'],
      ['a mount from a repository outside charts/', () => srv.fetch(`/v2/charts/hostile/blobs/uploads/?mount=${sha256(Buffer.from('x'))}&from=library/x`, { method: 'POST', token: srv.adminToken }), 400, 'NAME_INVALID'],
      ['a manifest declared over 4 MiB', async () => {
        const r = await rawRequest('/v2/charts/hostile/manifests/v1', 'PUT', { 'content-length': String(5 * 1024 * 1024), 'content-type': ociManifestType }, Buffer.from('{'));
        return new Response(r.body, { status: r.status });
      }, 413, 'SIZE_INVALID'],
      ['a method the path does not have', () => srv.fetch('/v2/charts/hostile/tags/list', { method: 'DELETE', token: srv.adminToken }), 405, 'UNSUPPORTED'],
    ];
    for (const [what, send, status, code] of rows) {
      const res = await send();
      assert.equal(res.status, status, what);
      assert.equal(await ociCode(res), code, what);
    }
    const range = await srv.fetch(location, { method: 'PATCH', body: 'abc', headers: { 'content-range': '5-7', 'content-type': 'application/octet-stream' }, token: srv.adminToken });
    assert.equal(range.headers.get('range'), '0-0', 'a 416 tells the client where the upload is');
    assert.equal(range.headers.get('location'), location);
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('a chart version\'s tag cannot be moved to other content', async () => {
    const config = await pushBlob('charts/demo-app', Buffer.from('{}'), 'application/vnd.oci.image.config.v1+json');
    const res = await putManifest('charts/demo-app', '1.0.0', { schemaVersion: 2, mediaType: ociManifestType, config, layers: [] });
    assert.equal(res.status, 409);
    assert.equal(await ociCode(res), 'DENIED');
  });
});

describe('deletes', () => {
  test('a chart version deleted the old way is gone over OCI too, and its archive is unreferenced again (gc collects it)', async () => {
    const archive = chartArchive('gone-chart', '1.0.0');
    const up = await srv.json('/helm/api/charts', { method: 'POST', body: new Uint8Array(archive), headers: { 'content-type': 'application/gzip' }, token: srv.adminToken });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const manifest = await fetch(`${srv.url}/v2/charts/gone-chart/manifests/1.0.0`);
    assert.equal(manifest.status, 200);
    const { config, layers } = (await manifest.json()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    assert.equal(layers[0]!.digest, sha256(archive), 'the layer is the uploaded archive');
    const referenced = await srv.registry.store.referencedDigests();
    assert.ok(referenced.has(sha256(archive)) && referenced.has(config.digest));
    assert.equal((await srv.json('/helm/api/charts/gone-chart/1.0.0', { method: 'DELETE', token: srv.adminToken })).status, 200);
    const gone = await fetch(`${srv.url}/v2/charts/gone-chart/manifests/1.0.0`);
    assert.equal(gone.status, 404);
    assert.equal(await ociCode(gone), 'MANIFEST_UNKNOWN');
    assert.equal((await fetch(`${srv.url}/v2/charts/gone-chart/blobs/${sha256(archive)}`)).status, 404);
    const after = await srv.registry.store.referencedDigests();
    assert.ok(!after.has(sha256(archive)) && !after.has(config.digest), 'neither the archive nor the config is referenced any more');
    // Its number stays taken over OCI too: other content cannot be tagged with it.
    const image = await pushBlob('charts/gone-chart', Buffer.from('{}'), 'application/vnd.oci.image.config.v1+json');
    const retag = await putManifest('charts/gone-chart', '1.0.0', { schemaVersion: 2, mediaType: ociManifestType, config: image, layers: [] });
    assert.equal(retag.status, 409);
    assert.equal(await ociCode(retag), 'DENIED');
  });

  test('a blob that is a live chart version\'s archive cannot be deleted on its own', async () => {
    const res = await srv.fetch(`/v2/charts/demo-app/blobs/${sha256(chartArchive('demo-app', '1.0.0'))}`, { method: 'DELETE', token: srv.adminToken });
    assert.equal(res.status, 409);
    assert.equal(await ociCode(res), 'DENIED');
  });
});

describe('auth: velahub tokens over HTTP Basic and the Bearer token flow', () => {
  test('a push without a token: 401 with a Bearer challenge; the token endpoint answers HTTP Basic; the bearer token pushes', async () => {
    const res = await fetch(`${srv.url}/v2/charts/auth-demo/blobs/uploads/`, { method: 'POST' });
    assert.equal(res.status, 401);
    assert.equal(await ociCode(res), 'UNAUTHORIZED');
    const challenge = res.headers.get('www-authenticate')!;
    const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
    assert.equal(realm, `${srv.url}/v2/token`);
    assert.match(challenge, /scope="repository:charts\/auth-demo:pull,push"/);
    const publish = await srv.token({ scope: 'publish', pattern: 'auth-*' });
    const basic = `Basic ${Buffer.from(`anyone:${publish.secret}`).toString('base64')}`;
    const issued = (await (await fetch(`${realm}?service=x&scope=repository:charts/auth-demo:pull,push`, { headers: { authorization: basic } })).json()) as { token: string; access_token: string; expires_in: number };
    assert.equal(issued.token, issued.access_token);
    assert.equal(issued.expires_in, 300);
    const pushed = await fetch(`${srv.url}/v2/charts/auth-demo/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${issued.token}` } });
    assert.equal(pushed.status, 202);
    // HTTP Basic straight on /v2/ works too (what clients with stored credentials send first).
    assert.equal((await fetch(`${srv.url}/v2/charts/auth-demo/blobs/uploads/`, { method: 'POST', headers: { authorization: basic } })).status, 202);
  });

  test('scopes and patterns: a publish token of another pattern, a read token, a forged bearer token, a revoked token', async () => {
    const other = await srv.token({ scope: 'publish', pattern: 'other-*' });
    const denied = await srv.fetch('/v2/charts/auth-demo/blobs/uploads/', { method: 'POST', token: other.secret });
    assert.equal(denied.status, 403);
    assert.equal(await ociCode(denied), 'DENIED');
    const read = await srv.token({ scope: 'read' });
    assert.equal((await srv.fetch('/v2/charts/auth-demo/blobs/uploads/', { method: 'POST', token: read.secret })).status, 403);
    const del = await srv.fetch(`/v2/charts/demo-app/manifests/1.0.0`, { method: 'DELETE', token: other.secret });
    assert.equal(del.status, 403, 'deletes need an admin token');
    const forged = await srv.fetch('/v2/', { token: 'vhoci.eyJ0IjpudWxsLCJleHAiOjk5OTk5OTk5OTl9.forged' });
    assert.equal(forged.status, 401);
    assert.equal(await ociCode(forged), 'UNAUTHORIZED');
    const revoked = await srv.token({ scope: 'admin' });
    const issued = (await (await srv.fetch('/v2/token', { token: revoked.secret })).json()) as { token: string };
    await srv.registry.store.revokeToken(revoked.id);
    const after = await srv.fetch('/v2/charts/auth-demo/tags/list', { token: issued.token });
    assert.equal(after.status, 401, 'a bearer token dies with its velahub token');
  });

  test('a private registry: anonymous pulls and the anonymous token are refused; a read token pulls', async () => {
    const cue = new CueEvaluator();
    const priv = await startTestServer({ cue, private: true });
    try {
      const anon = await fetch(`${priv.url}/v2/charts/demo-app/tags/list`);
      assert.equal(anon.status, 401);
      assert.match(anon.headers.get('www-authenticate')!, /^Bearer realm=/);
      assert.equal((await fetch(`${priv.url}/v2/token?service=x`)).status, 401);
      const read = await priv.token({ scope: 'read' });
      const ok = await priv.fetch('/v2/charts/demo-app/tags/list', { token: read.secret });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { name: 'charts/demo-app', tags: [] });
    } finally {
      await priv.close();
      await cue.close();
    }
  });

  test('a public registry: anonymous pulls work, and the token endpoint gives anonymous callers a pull token', async () => {
    const tags = await fetch(`${srv.url}/v2/charts/demo-app/tags/list`);
    assert.deepEqual(await tags.json(), { name: 'charts/demo-app', tags: ['1.0.0'] });
    const issued = (await (await fetch(`${srv.url}/v2/token?service=x&scope=repository:charts/demo-app:pull`)).json()) as { token: string };
    assert.equal((await fetch(`${srv.url}/v2/charts/demo-app/manifests/1.0.0`, { headers: { authorization: `Bearer ${issued.token}` } })).status, 200);
    const push = await fetch(`${srv.url}/v2/charts/demo-app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${issued.token}` } });
    assert.equal(push.status, 401, 'an anonymous bearer token does not push');
  });
});

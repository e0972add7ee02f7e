/**
 * The Helm chart repository over HTTP (createApp on a real port, temp data dir, in-memory PGlite):
 * upload through ChartMuseum's API at /helm/api/charts (multipart or raw), immutable versions,
 * the same refusals of hostile archives as addons, token scopes, delete with an admin token,
 * /helm/index.yaml, the JSON API and the pages. Every refusal leaves the store as it was.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { sha256 } from '../../core/package/archive.ts';
import { tarOf, tgzOf, type CraftedEntry } from '../support/tar.ts';
import { chartArchive, chartYamlText } from '../support/charts.ts';
import { rawGet, smallLimits as limits, type JsonResponse } from '../support/registry-server.ts';
import { testServerForFile } from '../support/file-test-server.ts';
import { afterEachPut } from '../support/blob-hook.ts';

const { srv } = testServerForFile({ limits });

/** Stored chart state: rows (tombstones too), the chart revision, and the blob files. */
async function chartSnapshot() {
  const rows = await srv.registry.store.db.query<{ name: string; version: string; digest: string; deleted_at: unknown }>('SELECT name, version, digest, deleted_at FROM chart_versions ORDER BY name, version');
  const revision = await srv.registry.store.db.query<{ revision: unknown }>('SELECT revision FROM chart_state');
  return { rows: rows.rows.map((r) => ({ ...r, deleted_at: r.deleted_at ? String(r.deleted_at) : null })), revision: String(revision.rows[0]!.revision), blobs: (await srv.snapshot()).blobFiles };
}

function form(field: string, archive: Uint8Array): FormData {
  const f = new FormData();
  f.append(field, new Blob([new Uint8Array(archive)], { type: 'application/gzip' }), 'chart.tgz');
  return f;
}

/** POST /helm/api/charts as multipart field "chart" (ChartMuseum clients), or raw with `raw`. */
function upload(archive: Uint8Array, opts: { token?: string | null; raw?: boolean } = {}): Promise<JsonResponse> {
  const token = opts.token === undefined ? srv.adminToken : (opts.token ?? undefined);
  return opts.raw
    ? srv.json('/helm/api/charts', { method: 'POST', body: new Uint8Array(archive), headers: { 'content-type': 'application/gzip' }, token })
    : srv.json('/helm/api/charts', { method: 'POST', body: form('chart', archive), token });
}

async function helmIndex(): Promise<{ apiVersion: string; entries: Record<string, Array<Record<string, unknown>>> }> {
  const res = await srv.fetch('/helm/index.yaml');
  assert.equal(res.status, 200);
  return parse(await res.text());
}

/** Asserts a refusal: status, code, a message matching, and nothing stored changed. */
async function refused(send: () => Promise<JsonResponse>, status: number, code: string, message: RegExp): Promise<JsonResponse> {
  const before = await chartSnapshot();
  const res = await send();
  assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 600));
  assert.equal(res.body.code, code, res.body.error);
  assert.match(res.body.error, message);
  assert.deepEqual(await chartSnapshot(), before, 'the refusal changed stored state');
  return res;
}

describe('upload, update (a new version), download', () => {
  const v1 = chartArchive('web-shop', '1.0.0');
  const v11 = chartArchive('web-shop', '1.1.0', { 'values.yaml': '# Message written into the ConfigMap\nmessage: hi\nimage:\n  repository: nginx\n  tag: "1.28"\nreplicaCount: 2\n' });

  test('multipart field "chart" (ChartMuseum, helm cm-push) is 201 {"saved": true} with name, version, digest', async () => {
    const res = await upload(v1);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body, { saved: true, status: 'created', name: 'web-shop', version: '1.0.0', digest: sha256(v1), size: v1.length });
  });

  test('the raw body (curl --data-binary) is accepted too: 1.1.0 is the update', async () => {
    const res = await upload(v11, { raw: true });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.version, '1.1.0');
  });

  test('/helm/index.yaml lists both, newest first, with Helm keys only, bare-hex digests and relative urls', async () => {
    const index = await helmIndex();
    assert.equal(index.apiVersion, 'v1');
    const entries = index.entries['web-shop']!;
    assert.deepEqual(entries.map((e) => e.version), ['1.1.0', '1.0.0']);
    const { created, ...rest } = entries[1]!;
    assert.match(String(created), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(rest, { apiVersion: 'v2', name: 'web-shop', version: '1.0.0', type: 'application', description: 'The web-shop chart', appVersion: '1.16.0', urls: ['charts/web-shop-1.0.0.tgz'], digest: sha256(v1).slice(7) });
  });

  test('the addons index does not list charts, and the chart index no addons', async () => {
    const addons = parse(await (await srv.fetch('/index.yaml')).text()) as { entries: Record<string, unknown> };
    assert.equal(addons.entries['web-shop'], undefined);
    assert.deepEqual(Object.keys((await helmIndex()).entries), ['web-shop']);
  });

  test('/helm/index.yaml has a strong ETag and answers If-None-Match with 304', async () => {
    const first = await rawGet(`${srv.url}/helm/index.yaml`);
    assert.match(String(first.headers.etag), /^"[\w-]+"$/);
    const again = await rawGet(`${srv.url}/helm/index.yaml`, { 'if-none-match': String(first.headers.etag) });
    assert.equal(again.status, 304);
  });

  test('download by the index url and by the API: the uploaded bytes, immutable caching, digest header', async () => {
    for (const path of ['/helm/charts/web-shop-1.0.0.tgz', '/api/v1/charts/web-shop/versions/1.0.0/archive']) {
      const res = await srv.fetch(path);
      assert.equal(res.status, 200, path);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(v1));
      assert.equal(res.headers.get('docker-content-digest'), sha256(v1));
      assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    }
  });

  test('the identical bytes again are 200 "unchanged" and change nothing', async () => {
    const before = await chartSnapshot();
    const res = await upload(v1);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'unchanged');
    assert.deepEqual(await chartSnapshot(), before);
  });

  test('other bytes under an existing version are 409, with or without ?force', async () => {
    const changed = chartArchive('web-shop', '1.0.0', { 'README.md': 'changed\n' });
    await refused(() => upload(changed), 409, 'ECONFLICT', /^chart web-shop@1\.0\.0 is already uploaded with different content \(sha256:[0-9a-f]{64}\); chart versions are immutable$/);
    await refused(() => srv.json('/helm/api/charts?force', { method: 'POST', body: form('chart', changed), token: srv.adminToken }), 409, 'ECONFLICT', /chart versions are immutable/);
  });

  test('ChartMuseum reads: all charts, one chart, one version', async () => {
    const all = await srv.json('/helm/api/charts');
    assert.deepEqual(Object.keys(all.body), ['web-shop']);
    assert.deepEqual(all.body['web-shop'].map((e: { version: string }) => e.version), ['1.1.0', '1.0.0']);
    const one = await srv.json('/helm/api/charts/web-shop');
    assert.deepEqual(one.body, all.body['web-shop']);
    const version = await srv.json('/helm/api/charts/web-shop/1.0.0');
    assert.equal(version.body.digest, sha256(v1).slice(7));
    assert.deepEqual(version.body.urls, ['charts/web-shop-1.0.0.tgz']);
  });

  test('JSON API: list, chart, version with values table, dependencies, digest and an Application', async () => {
    const list = await srv.json('/api/v1/charts?q=shop');
    assert.equal(list.body.total, 1);
    assert.deepEqual({ ...list.body.items[0], updatedAt: undefined }, { name: 'web-shop', latest: '1.1.0', description: 'The web-shop chart', appVersion: '1.16.0', versions: 2, updatedAt: undefined });
    assert.equal((await srv.json('/api/v1/charts?q=nothing-like-it')).body.total, 0);
    const chart = await srv.json('/api/v1/charts/web-shop');
    assert.equal(chart.body.latest, '1.1.0');
    assert.deepEqual(chart.body.versions.map((v: { version: string }) => v.version), ['1.1.0', '1.0.0']);
    const v = (await srv.json('/api/v1/charts/web-shop/versions/1.1.0')).body;
    assert.equal(v.digest, sha256(v11));
    assert.equal(v.parameterSource, 'values.yaml');
    assert.deepEqual(v.parameters[0].params.map((p: { name: string }) => p.name), ['message', 'image', 'replicaCount']);
    assert.equal(v.parameters[0].params[0].description, 'Message written into the ConfigMap');
    assert.deepEqual(v.dependencies, []);
    assert.equal(v.repository, `${srv.url}/helm`);
    assert.equal(v.archive, '/helm/charts/web-shop-1.1.0.tgz');
    assert.equal(v.install.helm[2], `helm install web-shop oci://${srv.url.slice('http://'.length)}/charts/web-shop --version 1.1.0 --plain-http`);
    assert.deepEqual(parse(v.application), {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'web-shop' },
      spec: { components: [{ name: 'web-shop', type: 'helm-component', properties: { url: `${srv.url}/helm`, chart: 'web-shop', version: '1.1.0', values: {} } }] },
    });
  });
});

describe('reads of what is not there', () => {
  const rows: Array<{ path: string; status: number; code: string; message: RegExp }> = [
    { path: '/api/v1/charts/no-such-chart', status: 404, code: 'ENOT_FOUND', message: /^chart "no-such-chart" not found$/ },
    { path: '/api/v1/charts/web-shop/versions/9.9.9', status: 404, code: 'ENOT_FOUND', message: /^chart web-shop@9\.9\.9 not found: its versions are 1\.1\.0, 1\.0\.0$/ },
    { path: '/api/v1/charts/Web_Shop', status: 400, code: 'EBAD_REQUEST', message: /^chart name "Web_Shop" is invalid: lowercase letters and digits separated by dashes$/ },
    { path: '/helm/charts/web-shop.tgz', status: 404, code: 'ENOT_FOUND', message: /^web-shop\.tgz is not a chart archive name: expected NAME-VERSION\.tgz$/ },
    { path: '/helm/charts/web-shop-9.9.9.tgz', status: 404, code: 'ENOT_FOUND', message: /^chart web-shop@9\.9\.9 not found/ },
    { path: '/helm/api/charts/no-such-chart', status: 404, code: 'ENOT_FOUND', message: /^chart "no-such-chart" not found$/ },
    { path: '/api/v1/charts?limit=0', status: 400, code: 'EBAD_REQUEST', message: /^limit "0" is invalid: use an integer from 1 to 100$/ },
    { path: '/api/v1/charts?offset=-1', status: 400, code: 'EBAD_REQUEST', message: /^offset "-1" is invalid: use an integer >= 0$/ },
  ];
  for (const row of rows) {
    test(`GET ${row.path}: ${row.status} ${row.code}`, async () => {
      const res = await srv.json(row.path);
      assert.equal(res.status, row.status, JSON.stringify(res.body));
      assert.equal(res.body.code, row.code);
      assert.match(res.body.error, row.message);
    });
  }
});

describe('tokens: who may upload', () => {
  test('a publish token whose pattern covers the chart name uploads it', async () => {
    const { secret } = await srv.token({ scope: 'publish', pattern: 'team-*' });
    const res = await upload(chartArchive('team-api', '0.1.0'), { token: secret });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  test('refused: no token (401), a token for other names (403), a read token (403), a revoked token (401)', async () => {
    const archive = chartArchive('team-ui', '1.0.0');
    await refused(() => upload(archive, { token: null }), 401, 'EUNAUTHORIZED', /^uploading a chart needs a token: send Authorization: Bearer <token>$/);
    const other = await srv.token({ scope: 'publish', pattern: 'billing-*' });
    await refused(() => upload(archive, { token: other.secret }), 403, 'EFORBIDDEN', new RegExp(`^token ${other.id} \\(publish billing-\\*\\) may not upload chart "team-ui"$`));
    const read = await srv.token({ scope: 'read' });
    // Refused from the headers, before the body is read: the chart's name is not known yet.
    await refused(() => upload(archive, { token: read.secret }), 403, 'EFORBIDDEN', new RegExp(`^token ${read.id} has scope read: uploading a chart needs a publish or admin token$`));
    const revoked = await srv.token({ scope: 'admin' });
    await srv.registry.store.revokeToken(revoked.id);
    await refused(() => upload(archive, { token: revoked.secret }), 401, 'EUNAUTHORIZED', new RegExp(`^token ${revoked.id} was revoked at `));
  });
});

describe('delete: admin scope only; the version leaves the repository and its number stays taken', () => {
  const archive = chartArchive('doomed', '1.0.0');
  before(async () => {
    assert.equal((await upload(archive)).status, 201);
    assert.equal((await upload(chartArchive('doomed', '1.1.0'))).status, 201);
  });

  test('refused without a token (401) and with a publish token for the very name (403)', async () => {
    await refused(() => srv.json('/helm/api/charts/doomed/1.0.0', { method: 'DELETE' }), 401, 'EUNAUTHORIZED', /^this needs an admin token: send Authorization: Bearer <token>$/);
    const owner = await srv.token({ scope: 'publish', pattern: 'doomed' });
    await refused(() => srv.json('/helm/api/charts/doomed/1.0.0', { method: 'DELETE', token: owner.secret }), 403, 'EFORBIDDEN', new RegExp(`^token ${owner.id} has scope publish; this needs an admin token$`));
  });

  test('refused for a version or chart that is not there (404) and a bad name (400)', async () => {
    await refused(() => srv.json('/helm/api/charts/doomed/9.0.0', { method: 'DELETE', token: srv.adminToken }), 404, 'ENOT_FOUND', /^chart doomed@9\.0\.0 not found: its versions are 1\.1\.0, 1\.0\.0$/);
    await refused(() => srv.json('/helm/api/charts/never-was/1.0.0', { method: 'DELETE', token: srv.adminToken }), 404, 'ENOT_FOUND', /^chart "never-was" not found$/);
    await refused(() => srv.json('/helm/api/charts/Doomed/1.0.0', { method: 'DELETE', token: srv.adminToken }), 400, 'EBAD_REQUEST', /^chart name "Doomed" is invalid/);
  });

  test('an admin token deletes it: gone from the index, the API and the archive url; 1.1.0 stays', async () => {
    const res = await srv.json('/helm/api/charts/doomed/1.0.0', { method: 'DELETE', token: srv.adminToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { name: 'doomed', version: '1.0.0', deleted: true });
    assert.deepEqual((await helmIndex()).entries.doomed!.map((e) => e.version), ['1.1.0']);
    const gone = await srv.json('/api/v1/charts/doomed/versions/1.0.0');
    assert.equal(gone.status, 404);
    assert.match(gone.body.error, /^chart doomed@1\.0\.0 was deleted at .*: its versions are 1\.1\.0$/);
    assert.equal((await srv.fetch('/helm/charts/doomed-1.0.0.tgz')).status, 404);
    assert.deepEqual((await srv.json('/api/v1/charts/doomed')).body.versions.map((v: { version: string }) => v.version), ['1.1.0']);
  });

  test('deleting it again is 404; uploading 1.0.0 again — even the same bytes — is 409: the number is never reused', async () => {
    await refused(() => srv.json('/helm/api/charts/doomed/1.0.0', { method: 'DELETE', token: srv.adminToken }), 404, 'ENOT_FOUND', /^chart doomed@1\.0\.0 was deleted at .*: its versions are 1\.1\.0$/);
    await refused(() => upload(archive), 409, 'ECONFLICT', /^chart doomed@1\.0\.0 was deleted at .*; a deleted version's number is never reused/);
  });

  test('deleting the last version removes the chart from the list and the index', async () => {
    assert.equal((await srv.json('/helm/api/charts/doomed/1.1.0', { method: 'DELETE', token: srv.adminToken })).status, 200);
    assert.equal((await helmIndex()).entries.doomed, undefined);
    assert.equal((await srv.json('/api/v1/charts?q=doomed')).body.total, 0);
    assert.equal((await srv.json('/api/v1/charts/doomed')).status, 404);
  });
});

describe('the row and its blob: written together, as an addon publish writes them', () => {
  test('20 concurrent uploads of one version with different bytes: one 201, nineteen 409, and no loser left a blob', async () => {
    const archives = Array.from({ length: 20 }, (_, i) => chartArchive('contested', '1.0.0', { 'README.md': `# contested\n\nvariant ${i}\n` }));
    const blobsBefore = (await chartSnapshot()).blobs;
    const results = await Promise.all(archives.map((a) => upload(a)));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array<number>(19).fill(409)]);
    const winner = archives[results.findIndex((r) => r.status === 201)]!;
    const added = (await chartSnapshot()).blobs.filter((f) => !blobsBefore.includes(f));
    // Before the fix each loser wrote its blob ahead of the row it then lost: nineteen orphans.
    // The winner's blobs are its archive and, written in the same transaction, its OCI config and manifest.
    const oci = await fetch(`${srv.url}/v2/charts/contested/manifests/1.0.0`);
    const manifestDigest = oci.headers.get('docker-content-digest')!;
    const { config } = (await oci.json()) as { config: { digest: string } };
    assert.deepEqual(added.map((f) => `sha256:${f.split(' ')[0]!.split('/').pop()}`).sort(), [sha256(winner), config.digest, manifestDigest].sort(), `blobs added: ${added.join(', ')}`);
    assert.equal((await srv.json('/api/v1/charts/contested/versions/1.0.0')).body.digest, sha256(winner));
  });

  test('a failed blob write stores no row; the same upload then succeeds', async () => {
    const archive = chartArchive('crashy-chart', '1.0.0');
    const before = await chartSnapshot();
    const blobs = srv.registry.blobs;
    srv.registry.blobs = afterEachPut(blobs, () => {
      throw new Error('simulated crash after the blob write');
    });
    try {
      const res = await upload(archive);
      assert.equal(res.status, 500);
      assert.equal(res.body.code, 'EINTERNAL');
    } finally {
      srv.registry.blobs = blobs;
    }
    const afterCrash = await chartSnapshot();
    assert.deepEqual(afterCrash.rows, before.rows, 'no row without its blob');
    assert.equal(afterCrash.revision, before.revision);
    assert.equal((await srv.fetch('/helm/charts/crashy-chart-1.0.0.tgz')).status, 404);
    assert.equal((await upload(archive)).status, 201);
    assert.equal(sha256(Buffer.from(await (await srv.fetch('/helm/charts/crashy-chart-1.0.0.tgz')).arrayBuffer())), sha256(archive));
  });
});

describe('hostile and invalid chart archives: the addons\' refusals, store unchanged', () => {
  const chartYaml = chartYamlText('hostile', '1.0.0');
  const cy: CraftedEntry = { path: 'hostile/Chart.yaml', data: chartYaml };
  const dir: CraftedEntry = { path: 'hostile/' };
  const tpl: CraftedEntry = { path: 'hostile/templates/cm.yaml', data: 'apiVersion: v1\nkind: ConfigMap\n' };
  const rows: Array<{ name: string; body: () => Buffer; status: number; code: string; message: RegExp }> = [
    { name: 'a symbolic link', body: () => tgzOf([dir, cy, tpl, { path: 'hostile/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }]), status: 400, code: 'EUNSAFE_ENTRY', message: /^refused entry "hostile\/link": symbolic link entries are not allowed/ },
    { name: 'a hard link', body: () => tgzOf([dir, cy, { path: 'hostile/hard', type: 'Link', linkpath: 'hostile/Chart.yaml' }]), status: 400, code: 'EUNSAFE_ENTRY', message: /^refused entry "hostile\/hard": hard link entries are not allowed/ },
    { name: 'a device', body: () => tgzOf([dir, cy, { path: 'hostile/null', type: 'CharacterDevice' }]), status: 400, code: 'EUNSAFE_ENTRY', message: /device entries are not allowed/ },
    { name: 'a FIFO', body: () => tgzOf([dir, cy, { path: 'hostile/pipe', type: 'FIFO' }]), status: 400, code: 'EUNSAFE_ENTRY', message: /FIFO entries are not allowed/ },
    { name: '".." traversal', body: () => tgzOf([dir, cy, { path: 'hostile/../../etc/cron.d/evil', data: 'x' }]), status: 400, code: 'EUNSAFE_PATH', message: /"\.\." escapes the package folder/ },
    { name: 'an absolute path', body: () => tgzOf([dir, cy, { path: '/etc/cron.d/evil', data: 'x' }]), status: 400, code: 'EUNSAFE_PATH', message: /absolute path/ },
    { name: 'a backslash in a name', body: () => tgzOf([dir, cy, { path: 'hostile/..\\..\\x', data: 'x' }]), status: 400, code: 'EUNSAFE_PATH', message: /backslash in name/ },
    { name: 'two top folders', body: () => tgzOf([dir, cy, { path: 'other/x.yaml', data: 'x' }]), status: 400, code: 'EBAD_LAYOUT', message: /^refused entry "other\/x\.yaml": a chart archive has one top folder, found "hostile" and "other"$/ },
    { name: 'files without a top folder', body: () => tgzOf([{ path: 'Chart.yaml', data: chartYaml }]), status: 400, code: 'EBAD_LAYOUT', message: /^refused entry "Chart\.yaml": files belong inside one top folder named like the chart$/ },
    { name: 'names colliding ignoring case', body: () => tgzOf([dir, cy, { path: 'hostile/README.md', data: 'a' }, { path: 'hostile/readme.md', data: 'b' }]), status: 400, code: 'ENAME_COLLISION', message: /collides with "README.md" on case-insensitive file systems/ },
    { name: 'too many files', body: () => tgzOf([dir, cy, ...Array.from({ length: limits.maxFiles }, (_, i) => ({ path: `hostile/templates/f${i}.yaml`, data: 'x: 1\n' }))]), status: 400, code: 'ETOO_MANY_FILES', message: /more than 40 files in the package/ },
    { name: 'one file over the per-file limit', body: () => tgzOf([dir, cy, { path: 'hostile/big.bin', data: Buffer.alloc(limits.maxFileBytes + 1) }]), status: 400, code: 'EFILE_TOO_LARGE', message: /more than the 65536 allowed per file/ },
    { name: 'files together over the total limit', body: () => tgzOf([dir, cy, ...Array.from({ length: 5 }, (_, i) => ({ path: `hostile/files/z${i}.bin`, data: Buffer.alloc(60 * 1024) }))]), status: 413, code: 'EPACKAGE_TOO_LARGE', message: /would exceed 262144 bytes uncompressed/ },
    { name: 'a gzip bomb', body: () => gzipSync(Buffer.concat([tarOf([dir]).subarray(0, 512), Buffer.alloc(16 * 1024 * 1024)])), status: 413, code: 'EPACKAGE_TOO_LARGE', message: /^refused archive: more than 65536 bytes of padding after the end-of-archive marker \(a compression bomb\)/ },
    { name: 'an upload over the size limit', body: () => randomBytes(limits.maxTotalBytes + 1), status: 413, code: 'EPACKAGE_TOO_LARGE', message: /exceeds the 262144-byte limit/ },
    { name: 'not gzip', body: () => Buffer.from('PK\u0003\u0004 a zip file'), status: 400, code: 'EBAD_ARCHIVE', message: /^not a valid gzip tar archive/ },
    { name: 'a truncated gzip', body: () => chartArchive('hostile').subarray(0, 40), status: 400, code: 'EBAD_ARCHIVE', message: /^not a valid gzip tar archive/ },
    { name: 'no Chart.yaml (an addon, say)', body: () => tgzOf([dir, { path: 'hostile/metadata.yaml', data: 'name: hostile\nversion: 1.0.0\n' }]), status: 422, code: 'EINVALID', message: /^chart hostile was refused: 1 error\(s\): Chart\.yaml: hostile\/Chart\.yaml is missing/ },
    { name: 'an invalid chart', body: () => chartArchive('hostile', '1.0.0', { 'Chart.yaml': 'apiVersion: v2\nname: hostile\nversion: 1.0.0\ntype: library\n', 'templates/configmap.yaml': null }), status: 422, code: 'EINVALID', message: /^chart hostile@1\.0\.0 was refused: 2 error\(s\): Chart\.yaml: field "type" is "library": only "application" charts are hosted here .*; templates\/: templates\/ is missing or empty/ },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.status} ${row.code}`, async () => {
      await refused(() => upload(row.body()), row.status, row.code, row.message);
    });
  }

  test('an invalid chart lists its problems with file and field', async () => {
    const res = await upload(chartArchive('hostile', '1.0.0', { 'values.yaml': 'replicaCount: one\n', 'values.schema.json': '{"type":"object","properties":{"replicaCount":{"type":"integer"}}}' }));
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.problems.map((p: { file: string; field?: string; code: string }) => [p.file, p.field, p.code]), [['values.yaml', 'replicaCount', 'chart-values-type']]);
  });

  test('upload bodies: empty, multipart without field "chart", malformed multipart', async () => {
    await refused(() => srv.json('/helm/api/charts', { method: 'POST', body: new Uint8Array(0), token: srv.adminToken }), 400, 'EBAD_REQUEST', /^the request body is empty: send the chart \.tgz as the body, or as multipart field "chart"$/);
    await refused(() => srv.json('/helm/api/charts', { method: 'POST', body: form('file', chartArchive('hostile')), token: srv.adminToken }), 400, 'EBAD_REQUEST', /^multipart field "chart" is missing: send the chart \.tgz as chart=@NAME-VERSION\.tgz$/);
    await refused(() => srv.json('/helm/api/charts', { method: 'POST', body: 'no boundary', headers: { 'content-type': 'multipart/form-data' }, token: srv.adminToken }), 400, 'EBAD_REQUEST', /^expected a multipart\/form-data body with the archive in field "chart"$/);
    await refused(() => srv.json('/helm/api/charts', { method: 'POST', body: form('chart', randomBytes(limits.maxTotalBytes + 1)), token: srv.adminToken }), 413, 'EPACKAGE_TOO_LARGE', /^field "chart" exceeds the 262144-byte limit on archives$/);
    await refused(() => upload(randomBytes(limits.maxTotalBytes + 1), { raw: true }), 413, 'EPACKAGE_TOO_LARGE', /^the request body exceeds the 262144-byte limit on archives$/);
  });
});

describe('pages', () => {
  test('/helm-charts lists the charts with the repository to add; its JSON twin is the same model', async () => {
    const res = await srv.fetch('/helm-charts');
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /helm repo add velahub http:\/\/127\.0\.0\.1:\d+\/helm/);
    assert.match(body, /href="\/helm-charts\/web-shop"/);
    const twin = await srv.json('/api/v1/pages/helm-charts');
    assert.equal(twin.body.repository, `${srv.url}/helm`);
    assert.ok(twin.body.charts.items.some((c: { name: string }) => c.name === 'web-shop'));
  });

  test('/helm-charts/NAME: the newest version with its Application, values table, versions and digest', async () => {
    const body = await (await srv.fetch('/helm-charts/web-shop')).text();
    assert.match(body, /<h1>web-shop <span class="muted">1\.1\.0<\/span> <span class="badge ok">latest<\/span>/);
    assert.match(body, /type: helm-component/);
    assert.match(body, /id="param-image\.tag"/);
    assert.match(body, /Message written into the ConfigMap/);
    assert.match(body, /href="\/helm-charts\/web-shop\/1\.0\.0"/);
    assert.match(body, new RegExp((await srv.json('/api/v1/charts/web-shop/versions/1.1.0')).body.digest));
    const older = await (await srv.fetch('/helm-charts/web-shop/1.0.0')).text();
    assert.match(older, /The latest version is <a href="\/helm-charts\/web-shop\/1\.1\.0">1\.1\.0<\/a>/);
    const twin = await srv.json('/api/v1/pages/helm-charts/web-shop/1.0.0');
    assert.deepEqual(twin.body.version, (await srv.json('/api/v1/charts/web-shop/versions/1.0.0')).body);
    assert.equal(twin.body.isLatest, false);
  });

  test('an invalid chart name is 400 EBAD_REQUEST on the pages as in the API: one check, one code', async () => {
    const page = await srv.fetch('/helm-charts/Web_Shop');
    assert.equal(page.status, 400);
    assert.match(await page.text(), /chart name &quot;Web_Shop&quot; is invalid/);
    const twin = await srv.json('/api/v1/pages/helm-charts/Web_Shop');
    const api = await srv.json('/api/v1/charts/Web_Shop');
    assert.deepEqual([twin.status, twin.body.code, twin.body.error], [api.status, api.body.code, api.body.error]);
    assert.equal(api.body.code, 'EBAD_REQUEST');
  });

  test('an unknown chart is a 404 page naming it', async () => {
    const res = await srv.fetch('/helm-charts/no-such-chart');
    assert.equal(res.status, 404);
    assert.match(await res.text(), /chart &quot;no-such-chart&quot; not found/);
  });
});

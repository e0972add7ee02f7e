/**
 * `velahub gc` reclaims OCI blobs no manifest names: blobs pushed for a manifest that never
 * came, and those of a deleted image manifest, once older than the gc bound. Blobs a manifest
 * names (an image, a chart pushed over OCI, a chart uploaded the old way) stay, and a manifest
 * pushed while gc runs never ends up naming a blob gc removed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256 } from '../../core/package/archive.ts';
import { helmChartLayerType, helmConfigType, ociManifestType } from '../../core/oci/manifest.ts';
import { collectGarbage } from '../../registry/gc.ts';
import { BlobLinkMissing } from '../../registry/store/oci-store.ts';
import { chartArchive } from '../support/charts.ts';
import { testServerForFile } from '../support/file-test-server.ts';

const { srv } = testServerForFile();
const hour = 60 * 60 * 1000;
/** A gc run two hours from now: everything written so far is past the default one-hour bound. */
const later = () => collectGarbage(srv.registry, { now: new Date(Date.now() + 2 * hour) });

async function pushBlob(repo: string, bytes: Buffer, mediaType = 'application/octet-stream'): Promise<{ mediaType: string; digest: string; size: number }> {
  const digest = sha256(bytes);
  const res = await srv.fetch(`/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' }, token: srv.adminToken });
  assert.equal(res.status, 201, await res.text());
  return { mediaType, digest, size: bytes.length };
}

async function putManifest(repo: string, ref: string, manifest: unknown): Promise<Response> {
  return srv.fetch(`/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'content-type': ociManifestType }, token: srv.adminToken });
}

const blobStatus = async (repo: string, digest: string) => (await srv.fetch(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status;
const stored = async (digest: string) => (await srv.registry.blobs.get(digest)) !== undefined;

describe('velahub gc and OCI blobs no manifest names', () => {
  test('blobs pushed for a manifest that never came: kept within the bound, then unlinked and removed', async () => {
    const repo = 'charts/abandoned';
    const config = await pushBlob(repo, Buffer.from('{"never":"named"}'));
    const layer = await pushBlob(repo, Buffer.from('a layer nobody names'));
    const now = await collectGarbage(srv.registry);
    assert.deepEqual(now.links, [], 'younger than the bound: kept');
    assert.equal(await blobStatus(repo, layer.digest), 200);

    const dry = await collectGarbage(srv.registry, { now: new Date(Date.now() + 2 * hour), dryRun: true });
    assert.deepEqual(dry.links.sort(), [`${repo}@${config.digest}`, `${repo}@${layer.digest}`].sort());
    assert.equal(await blobStatus(repo, layer.digest), 200, 'a dry run removes nothing');

    const gc = await later();
    assert.deepEqual(gc.links.sort(), dry.links.sort());
    assert.ok(gc.removed.includes(layer.digest) && gc.removed.includes(config.digest), 'their blobs go in the same run');
    assert.equal(await blobStatus(repo, layer.digest), 404);
    assert.equal(await stored(layer.digest), false);
    // A manifest naming them now is refused as naming unknown blobs.
    const res = await putManifest(repo, 'v1', { schemaVersion: 2, mediaType: ociManifestType, config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' }, layers: [layer] });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /MANIFEST_BLOB_UNKNOWN/);
  });

  test('blobs a manifest names stay: an image, a chart pushed over OCI, a chart uploaded the old way; a deleted image\'s blobs go', async () => {
    const repo = 'charts/kept';
    const config = await pushBlob(repo, Buffer.from('{"architecture":"amd64","os":"linux"}'), 'application/vnd.oci.image.config.v1+json');
    const shared = await pushBlob(repo, Buffer.from('a layer two images share'));
    const own = await pushBlob(repo, Buffer.from('a layer of the first image only'));
    const first = await putManifest(repo, 'first', { schemaVersion: 2, mediaType: ociManifestType, config, layers: [shared, own] });
    assert.equal(first.status, 201, await first.text());
    assert.equal((await putManifest(repo, 'second', { schemaVersion: 2, mediaType: ociManifestType, config, layers: [shared] })).status, 201);

    const archive = chartArchive('oci-pushed', '1.0.0');
    const chartConfig = await pushBlob('charts/oci-pushed', Buffer.from(JSON.stringify({ apiVersion: 'v2', name: 'oci-pushed', version: '1.0.0', type: 'application' })), helmConfigType);
    const chartLayer = await pushBlob('charts/oci-pushed', archive, helmChartLayerType);
    const pushed = await putManifest('charts/oci-pushed', '1.0.0', { schemaVersion: 2, mediaType: ociManifestType, config: chartConfig, layers: [chartLayer] });
    assert.equal(pushed.status, 201, await pushed.text());
    const uploaded = chartArchive('old-way', '1.0.0');
    const up = await srv.fetch('/helm/api/charts', { method: 'POST', body: new Uint8Array(uploaded), headers: { 'content-type': 'application/gzip' }, token: srv.adminToken });
    assert.equal(up.status, 201, await up.text());

    // A chart version's links are settled by the rows alone: gc reads no manifest for them.
    const candidates = await srv.registry.oci.unlinkCandidates(new Date(Date.now() + hour));
    assert.deepEqual(candidates.filter((l) => /oci-pushed|old-way/.test(l.repo)), []);
    const gc = await later();
    assert.deepEqual(gc.links.filter((l) => /kept|oci-pushed|old-way/.test(l)), []);
    for (const [r, d] of [[repo, config.digest], [repo, shared.digest], [repo, own.digest], ['charts/oci-pushed', chartLayer.digest], ['charts/oci-pushed', chartConfig.digest], ['charts/old-way', sha256(uploaded)]] as const) {
      assert.equal(await blobStatus(r, d), 200, `${r}@${d} stays`);
    }

    // The first image deleted: its own layer goes; the config and the shared layer, named by the second, stay.
    const del = await srv.fetch(`/v2/${repo}/manifests/${first.headers.get('docker-content-digest')}`, { method: 'DELETE', token: srv.adminToken });
    assert.equal(del.status, 202, await del.text());
    const after = await later();
    assert.deepEqual(after.links.filter((l) => l.startsWith(`${repo}@`)), [`${repo}@${own.digest}`]);
    assert.equal(await blobStatus(repo, own.digest), 404);
    assert.equal(await blobStatus(repo, shared.digest), 200);
    assert.equal(await blobStatus(repo, config.digest), 200);
  });

  test('gc and a manifest push naming the same old link never both succeed', async () => {
    const repo = 'charts/raced';
    const { oci, store } = srv.registry;
    const layer = await pushBlob(repo, Buffer.from('a layer gc and a push both want'));
    const config = await pushBlob(repo, Buffer.from('{}'), 'application/vnd.oci.image.config.v1+json');
    await store.db.query(`UPDATE oci_blobs SET created_at = now() - interval '2 hours' WHERE repo = $1`, [repo]);
    const cutoff = new Date(Date.now() - hour);
    assert.equal((await oci.unlinkCandidates(cutoff)).filter((l) => l.repo === repo).length, 2, 'gc sees both as candidates');

    // The push commits first: its transaction refreshed the links, so gc's conditional unlink does nothing.
    const res = await putManifest(repo, 'v1', { schemaVersion: 2, mediaType: ociManifestType, config, layers: [layer] });
    assert.equal(res.status, 201, await res.text());
    assert.equal(await oci.unlinkIfOlder(repo, layer.digest, cutoff), false);
    assert.equal(await blobStatus(repo, layer.digest), 200);

    // gc unlinks first: the manifest's transaction finds the link gone and stores nothing.
    await store.db.query(`UPDATE oci_blobs SET created_at = now() - interval '2 hours' WHERE repo = $1`, [repo]);
    assert.equal(await oci.unlinkIfOlder(repo, layer.digest, cutoff), true);
    const before = (await store.db.query('SELECT count(*)::int AS n FROM oci_manifests WHERE repo = $1', [repo])).rows[0];
    const manifest = { repo, digest: sha256(Buffer.from('another manifest')), mediaType: ociManifestType, size: 16, artifactType: null, subject: null, annotations: null, config: config.digest, chartVersion: null };
    await assert.rejects(oci.putManifest(manifest, 'v2', [config.digest, layer.digest]), (err: unknown) => err instanceof BlobLinkMissing && err.digest === layer.digest);
    assert.deepEqual((await store.db.query('SELECT count(*)::int AS n FROM oci_manifests WHERE repo = $1', [repo])).rows[0], before, 'no manifest row');
    assert.equal((await oci.tagged(repo, 'v2')), undefined, 'no tag');
  });
});

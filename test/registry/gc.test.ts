/**
 * Garbage collection of archive blobs (registry/gc.ts, FileBlobStore's removal protocol), on a
 * real registry: a temp data folder, an in-memory PGlite, blobs written by real publishes.
 */
import assert from 'node:assert/strict';
import { readdir, rename, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CueEvaluator } from '../../core/cue/evaluator.ts';
import { sha256 } from '../../core/package/archive.ts';
import { parseDuration } from '../../cli/commands/gc.ts';
import { collectGarbage } from '../../registry/gc.ts';
import { throwsCode } from '../support/errors.ts';
import { addonArchive } from '../support/packages.ts';
import { chartArchive } from '../support/charts.ts';
import { startTestServer, type TestServer } from '../support/registry-server.ts';
import { afterEachPut } from '../support/blob-hook.ts';

const cue = new CueEvaluator();
let srv: TestServer;
const hour = 60 * 60 * 1000;
const old = new Date(Date.now() - 2 * hour);

before(async () => {
  srv = await startTestServer({ cue });
});
after(async () => {
  await srv?.close();
  await cue.close();
});

/** A blob written as a crash would leave it: stored, then no row committed. */
async function orphan(seed: string, writtenAt?: Date): Promise<string> {
  const digest = await srv.registry.blobs.put(Buffer.from(`orphan ${seed}`));
  if (writtenAt) await utimes(blobPath(digest), writtenAt, writtenAt);
  return digest;
}

function blobPath(digest: string): string {
  return join(srv.dataDir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7));
}

describe('velahub gc', () => {
  test("a Helm chart's archive is kept while the chart version is served, and collected once it is deleted", async () => {
    const chart = chartArchive('gc-chart', '1.0.0');
    const up = await srv.json('/helm/api/charts', { method: 'POST', body: new Uint8Array(chart), headers: { 'content-type': 'application/gzip' }, token: srv.adminToken });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const digest = sha256(chart);
    // Its OCI manifest and config (written with it) go the same way as its archive.
    const oci = await fetch(`${srv.url}/v2/charts/gc-chart/manifests/1.0.0`);
    const all = [digest, oci.headers.get('docker-content-digest')!, ((await oci.json()) as { config: { digest: string } }).config.digest];
    for (const d of all) await utimes(blobPath(d), old, old);
    const kept = await collectGarbage(srv.registry);
    assert.deepEqual(all.filter((d) => kept.removed.includes(d)), [], 'a served chart version\'s blobs were collected');
    assert.equal((await srv.fetch('/helm/charts/gc-chart-1.0.0.tgz')).status, 200);
    const del = await srv.json('/helm/api/charts/gc-chart/1.0.0', { method: 'DELETE', token: srv.adminToken });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    const collected = await collectGarbage(srv.registry);
    assert.deepEqual(all.filter((d) => !collected.removed.includes(d)), [], 'a deleted chart version keeps its blobs forever');
  });

  test('removes unreferenced blobs older than the bound; keeps referenced and young ones; rows untouched', async () => {
    const published = addonArchive('kept', '1.0.0');
    assert.equal((await srv.publish(published)).status, 201);
    await utimes(blobPath(sha256(published)), old, old);
    const stale = await orphan('stale', old);
    const young = await orphan('young');
    const before = await srv.snapshot();

    const result = await collectGarbage(srv.registry);
    assert.deepEqual(result.removed, [stale]);
    assert.deepEqual(result.young, [young]);
    assert.equal(await srv.registry.blobs.has(stale), false);
    assert.equal(await srv.registry.blobs.has(young), true);
    assert.equal(await srv.registry.blobs.has(sha256(published)), true);
    const after = await srv.snapshot();
    assert.deepEqual(after.tables, before.tables, 'no database row changed');
    assert.deepEqual(after.blobFiles, before.blobFiles.filter((f) => !f.startsWith(`sha256/${stale.slice(7, 9)}/${stale.slice(7)} `)));
    assert.equal((await srv.fetch('/charts/kept-1.0.0.tgz')).status, 200);
  });

  test('--dry-run lists and removes nothing', async () => {
    const stale = await orphan('dry', old);
    const before = await srv.snapshot();
    assert.ok((await collectGarbage(srv.registry, { dryRun: true })).removed.includes(stale));
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('a blob a publish re-marks while gc is deciding is kept (put marks it; removal checks after moving it aside)', async () => {
    const data = Buffer.from('orphan racing');
    const digest = await srv.registry.blobs.put(data);
    await utimes(blobPath(digest), old, old);
    const listed = await srv.registry.blobs.list();
    assert.ok(listed.some((b) => b.digest === digest && b.writtenAt < new Date(Date.now() - hour)), 'premise: listed as stale');
    // A concurrent publish of the same bytes, between gc's listing and its removal:
    await srv.registry.blobs.put(data);
    assert.equal(await srv.registry.blobs.removeIfStale(digest, new Date(Date.now() - hour)), false);
    assert.equal(await srv.registry.blobs.has(digest), true);
    assert.deepEqual(await srv.registry.blobs.get(digest), data);
  });

  test('a crash between blob write and commit leaves a blob gc later collects, and a re-publish still succeeds', async () => {
    const archive = addonArchive('crashed', '1.0.0');
    const blobs = srv.registry.blobs;
    srv.registry.blobs = afterEachPut(blobs, () => {
      throw new Error('simulated crash after the blob write');
    });
    try {
      assert.equal((await srv.publish(archive)).status, 500);
    } finally {
      srv.registry.blobs = blobs;
    }
    assert.equal(await srv.registry.blobs.has(sha256(archive)), true, 'premise: the blob outlived the rolled-back row');
    await utimes(blobPath(sha256(archive)), old, old);
    assert.ok((await collectGarbage(srv.registry)).removed.includes(sha256(archive)));
    assert.equal((await srv.publish(archive)).status, 201);
    assert.equal((await srv.fetch('/charts/crashed-1.0.0.tgz')).status, 200);
  });

  test('stale temp files of crashed writes are removed; a blob left moved aside is put back', async () => {
    const digest = sha256(Buffer.from('aside'));
    const folder = join(srv.dataDir, 'blobs', 'sha256', digest.slice(7, 9));
    await srv.registry.blobs.put(Buffer.from('aside'));
    await rename(blobPath(digest), `${blobPath(digest)}.0123456789ab.gc`);
    await utimes(`${blobPath(digest)}.0123456789ab.gc`, old, old);
    await writeFile(join(folder, `${digest.slice(7)}.aaaaaaaaaaaa.tmp`), 'partial');
    await utimes(join(folder, `${digest.slice(7)}.aaaaaaaaaaaa.tmp`), old, old);
    const result = await collectGarbage(srv.registry);
    assert.equal(result.tempFiles.length, 2);
    assert.deepEqual((await readdir(folder)).filter((f) => f.startsWith(digest.slice(7))), [digest.slice(7)]);
  });

  test('--older-than takes 1h, 30m, 90s; anything else is EUSAGE naming the flag', () => {
    assert.equal(parseDuration('1h', '--older-than'), hour);
    assert.equal(parseDuration('30m', '--older-than'), 30 * 60 * 1000);
    assert.equal(parseDuration('90s', '--older-than'), 90_000);
    throwsCode(() => parseDuration('an hour', '--older-than'), 'EUSAGE', '--older-than', '"an hour"', '1h');
  });
});

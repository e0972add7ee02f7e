/**
 * Several velahub replicas sharing nothing but a real PostgreSQL server and a real S3 server
 * (SeaweedFS): each replica is `velahub serve` in its own process, as a Deployment would run it.
 *
 * - starting together on an empty database: one migrates, creates the admin token and seeds;
 * - 20 concurrent publishes of one version spread over both: exactly one wins;
 * - after every publish both serve the same index.yaml bytes and ETag, without waiting for a poll;
 * - an archive published on one downloads from the other;
 * - a replica killed in the middle of publishes leaves no version without its blob, and what it
 *   left behind breaks nothing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { sha256 } from '../../core/package/archive.ts';
import { startSeaweedfs, type TestS3 } from '../s3/seaweedfs.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { addonArchive } from '../support/packages.ts';
import { chartArchive } from '../support/charts.ts';
import { startVelahub, type VelahubProcess } from '../support/velahub-process.ts';

const adminToken = `vh_${randomBytes(24).toString('base64url')}`;

async function publish(replica: VelahubProcess, archive: Uint8Array): Promise<{ status: number; body: { digest?: string; code?: string; error?: string } }> {
  const res = await fetch(`${replica.url}/api/v1/packages`, { method: 'POST', body: new Uint8Array(archive), headers: { 'content-type': 'application/gzip', authorization: `Bearer ${adminToken}` } });
  return { status: res.status, body: (await res.json()) as { digest?: string } };
}

async function indexOf(replica: VelahubProcess): Promise<{ text: string; etag: string; revision: number }> {
  const res = await fetch(`${replica.url}/index.yaml`);
  assert.equal(res.status, 200);
  return { text: await res.text(), etag: res.headers.get('etag') ?? '', revision: Number(res.headers.get('x-catalog-revision')) };
}

/** Waits (bounded) until B serves at least A's revision; returns how long that took. */
async function converge(a: VelahubProcess, b: VelahubProcess): Promise<number> {
  const want = (await indexOf(a)).revision;
  const t0 = Date.now();
  while ((await indexOf(b)).revision < want) {
    if (Date.now() - t0 > 4000) assert.fail(`replica B still serves a revision below ${want} after 4 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - t0;
}

/** A metadata-only addon (no CUE work) with a README large enough that an upload takes a moment. */
function archive(name: string, version: string, salt: string, readmeBytes = 2000): Buffer {
  return addonArchive(name, version, { readme: `# ${name} ${salt}\n\n${randomBytes(readmeBytes).toString('base64')}\n` });
}

describe('two replicas on PostgreSQL and S3 (SeaweedFS)', { skip: postgresSkipReason() }, () => {
  let postgres: TestPostgres;
  let s3: TestS3;
  let databaseUrl: string;
  let bucket: string;
  let seedDir: string;
  let a: VelahubProcess;
  let b: VelahubProcess;
  const flags = (): string[] => ['--database-url', databaseUrl, '--blob-store', s3.blobStoreUrl(bucket, 'velahub/'), '--seed', seedDir];
  const env = (): Record<string, string> => ({ ...s3.env, VELAHUB_ADMIN_TOKEN: adminToken });

  before(async () => {
    [postgres, s3] = await Promise.all([startPostgres(), startSeaweedfs()]);
    databaseUrl = await postgres.freshDatabase();
    bucket = await s3.freshBucket();
    seedDir = await mkdtemp(join(tmpdir(), 'velahub-seed-'));
    await mkdir(join(seedDir, 'seeded-addon'));
    await writeFile(join(seedDir, 'seeded-addon', 'metadata.yaml'), 'name: seeded-addon\nversion: 1.0.0\ndescription: Seeded once\n');
    await writeFile(join(seedDir, 'seeded-addon', 'README.md'), '# seeded-addon\n');
    // At the same moment, on an empty database: migrations, the admin token and the seed race.
    [a, b] = await Promise.all([startVelahub(flags(), env()), startVelahub(flags(), env())]);
  });

  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await Promise.allSettled([postgres?.stop(), s3?.stop()]);
    if (seedDir) await rm(seedDir, { recursive: true, force: true });
  });

  test('starting together: migrations applied once, one admin token from the environment working on both, the seed published once', async () => {
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      assert.deepEqual((await db.query('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => Number(r.id)), [1, 2, 3, 4, 14, 15, 23]);
      assert.equal((await db.query("SELECT count(*)::int AS n FROM tokens WHERE scope = 'admin'")).rows[0].n, 1);
      assert.deepEqual((await db.query('SELECT name, version FROM versions')).rows, [{ name: 'seeded-addon', version: '1.0.0' }]);
    } finally {
      await db.end();
    }
    for (const r of [a, b]) {
      const who = await fetch(`${r.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${adminToken}` } });
      assert.equal(who.status, 200, r.output());
      assert.equal(((await who.json()) as { scope: string }).scope, 'admin');
    }
  });

  test('20 concurrent publishes of one version over both replicas: exactly one 201, the others 409; both then agree', async () => {
    const archives = Array.from({ length: 20 }, (_, i) => archive('race-addon', '1.0.0', `contender ${i}`));
    const results = await Promise.all(archives.map((bytes, i) => publish(i % 2 === 0 ? a : b, bytes)));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array(19).fill(409)], JSON.stringify(results.map((r) => r.body)));
    const winner = archives[results.findIndex((r) => r.status === 201)]!;
    await converge(a, b);
    const [ia, ib] = [await indexOf(a), await indexOf(b)];
    assert.equal(ia.text, ib.text);
    assert.equal(ia.etag, ib.etag);
    assert.match(ia.text, new RegExp(`digest: ${sha256(winner).slice(7)}`));
    for (const r of [a, b]) {
      const res = await fetch(`${r.url}/charts/race-addon-1.0.0.tgz`);
      assert.equal(res.status, 200);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(winner), 'every replica serves the winning bytes');
    }
  });

  test('after every publish, on either replica, both serve identical index.yaml bytes and ETag at once (LISTEN/NOTIFY, not a poll)', async () => {
    const lags: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      const res = await publish(writer, archive(`step-addon-${i}`, '1.0.0', 'step'));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      // The writer itself never serves the catalog as it was before its own write.
      assert.match((await indexOf(writer)).text, new RegExp(`step-addon-${i}:`));
      lags.push(await converge(writer, reader));
      const [iw, ir] = [await indexOf(writer), await indexOf(reader)];
      assert.equal(ir.text, iw.text, `publish ${i}: index.yaml differs between replicas`);
      assert.equal(ir.etag, iw.etag, `publish ${i}: ETag differs between replicas`);
      // A conditional GET with one replica's ETag is a 304 on the other.
      const cond = await fetch(`${reader.url}/index.yaml`, { headers: { 'if-none-match': iw.etag } });
      assert.equal(cond.status, 304);
    }
    // The safety-net poll runs every 5 s: well under it means the notification did the work.
    assert.ok(Math.max(...lags) < 1000, `replica lag per publish (ms): ${lags.join(', ')}`);
  });

  test('an archive published on A downloads from B (both archive paths), and B\'s JSON agrees with A\'s', async () => {
    const bytes = archive('cross-addon', '2.1.0', 'cross', 200_000);
    assert.equal((await publish(a, bytes)).status, 201);
    await converge(a, b);
    for (const path of ['/charts/cross-addon-2.1.0.tgz', '/api/v1/addons/cross-addon/versions/2.1.0/archive']) {
      const res = await fetch(`${b.url}${path}`);
      assert.equal(res.status, 200, path);
      const got = Buffer.from(await res.arrayBuffer());
      assert.equal(sha256(got), sha256(bytes), path);
      assert.equal(res.headers.get('etag'), `"${sha256(bytes)}"`);
    }
    for (const path of ['/api/v1/addons/cross-addon', '/api/v1/addons/cross-addon/versions/2.1.0']) {
      const [ra, rb] = await Promise.all([fetch(`${a.url}${path}`), fetch(`${b.url}${path}`)]);
      assert.equal(await ra.text(), await rb.text(), path);
      assert.equal(ra.headers.get('etag'), rb.headers.get('etag'), path);
    }
  });

  test('a replica killed in the middle of publishes: every version has its blob, every archive downloads, and republishing works', async (t) => {
    const victim = await startVelahub(flags(), env());
    const archives = Array.from({ length: 12 }, (_, i) => archive(`crash-addon-${i}`, '1.0.0', 'crash', 300_000));
    const attempts = archives.map((bytes) => publish(victim, bytes).then((r) => r.status, () => 'cut off'));
    // Kill it the moment the first publish commits: the others are then mid-upload, mid-validation,
    // between the blob write and the commit, or committing.
    await Promise.race([Promise.any(attempts.map((a) => a.then((s) => (s === 201 ? s : Promise.reject(new Error(String(s))))))), new Promise((r) => setTimeout(r, 20_000))]).catch(() => undefined);
    await victim.kill();
    const outcomes = await Promise.all(attempts);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    let rows: Array<{ name: string; version: string; digest: string }>;
    try {
      rows = (await db.query("SELECT name, version, digest FROM versions WHERE name LIKE 'crash-addon-%'")).rows;
    } finally {
      await db.end();
    }
    for (const row of rows) {
      const key = `velahub/sha256/${row.digest.slice(7, 9)}/${row.digest.slice(7)}`;
      await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })); // throws NotFound when a version lacks its blob
      const res = await fetch(`${b.url}/charts/${row.name}-${row.version}.tgz`);
      assert.equal(res.status, 200, `${row.name}: ${await res.clone().text()}`);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), row.digest);
    }
    // Republishing every archive on B: committed ones are an idempotent 200, lost ones are created,
    // whether or not the killed replica had left their blob behind.
    const again = await Promise.all(archives.map((bytes) => publish(b, bytes)));
    for (const [i, r] of again.entries()) {
      const committed = rows.some((row) => row.name === `crash-addon-${i}`);
      assert.equal(r.status, committed ? 200 : 201, `crash-addon-${i}: ${JSON.stringify(r.body)}`);
    }
    assert.ok(rows.length >= 1, `premise: at least one publish committed before the kill (${JSON.stringify(outcomes)})`);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'velahub/' }));
    const crashDigests = new Set(archives.map((bytes) => sha256(bytes).slice(7)));
    const orphans = (listed.Contents ?? []).filter((o) => crashDigests.has(o.Key!.split('/').pop()!) && !rows.some((r) => r.digest.endsWith(o.Key!.split('/').pop()!)));
    t.diagnostic(`killed mid-publish: ${rows.length} of 12 committed, ${orphans.length} blob(s) left without a version (republished fine); the client saw ${JSON.stringify(outcomes)}`);
  });

  test('OCI: an upload started on A is continued and finished on B (no sticky sessions); a chart pushed on B is pulled from A', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const chart = chartArchive('replicated-chart', '1.0.0');
    const started = await fetch(`${a.url}/v2/charts/replicated-chart/blobs/uploads/`, { method: 'POST', headers: auth });
    assert.equal(started.status, 202);
    const location = started.headers.get('location')!;
    const half = Math.floor(chart.length / 2);
    const first = await fetch(`${a.url}${location}`, { method: 'PATCH', body: new Uint8Array(chart.subarray(0, half)), headers: { ...auth, 'content-type': 'application/octet-stream', 'content-range': `0-${half - 1}` } });
    assert.equal(first.status, 202);
    const second = await fetch(`${b.url}${location}`, { method: 'PATCH', body: new Uint8Array(chart.subarray(half)), headers: { ...auth, 'content-type': 'application/octet-stream', 'content-range': `${half}-${chart.length - 1}` } });
    assert.equal(second.status, 202, await second.text());
    const done = await fetch(`${a.url}${location}?digest=${sha256(chart)}`, { method: 'PUT', headers: auth });
    assert.equal(done.status, 201, await done.text());
    const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', name: 'replicated-chart', version: '1.0.0' }));
    assert.equal((await fetch(`${b.url}/v2/charts/replicated-chart/blobs/uploads/?digest=${sha256(config)}`, { method: 'POST', body: new Uint8Array(config), headers: { ...auth, 'content-type': 'application/octet-stream' } })).status, 201);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: sha256(chart), size: chart.length }],
    });
    const put = await fetch(`${b.url}/v2/charts/replicated-chart/manifests/1.0.0`, { method: 'PUT', body: manifest, headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(put.status, 201, await put.text());
    const pulled = await fetch(`${a.url}/v2/charts/replicated-chart/blobs/${sha256(chart)}`);
    assert.equal(sha256(Buffer.from(await pulled.arrayBuffer())), sha256(chart));
    assert.equal((await (await fetch(`${a.url}/helm/charts/replicated-chart-1.0.0.tgz`)).arrayBuffer()).byteLength, chart.length);
  });

  test('both replicas answer with the same bytes for every hot path, and a conditional GET is a 304 on both', async () => {
    for (const path of ['/index.yaml', '/api/v1/addons/race-addon', '/api/v1/addons/race-addon/versions/1.0.0', '/charts/race-addon-1.0.0.tgz']) {
      const [ra, rb] = await Promise.all([fetch(`${a.url}${path}`), fetch(`${b.url}${path}`)]);
      const [ta, tb] = [createHash('sha256').update(Buffer.from(await ra.arrayBuffer())).digest('hex'), createHash('sha256').update(Buffer.from(await rb.arrayBuffer())).digest('hex')];
      assert.equal(ta, tb, path);
      const etag = ra.headers.get('etag')!;
      assert.equal(rb.headers.get('etag'), etag, path);
      for (const r of [a, b]) assert.equal((await fetch(`${r.url}${path}`, { headers: { 'if-none-match': etag } })).status, 304, path);
    }
  });
});

/**
 * The chart store's contract on every backend (embedded PGlite and a real PostgreSQL server):
 * insert-only versions, what a second insert of a name and version reports, tombstones on
 * delete, the revision that drives /helm/index.yaml, and JSON kept in its written key order.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { inspectChart } from '../../core/chart/inspect.ts';
import { sha256 } from '../../core/package/archive.ts';
import { parameterReference } from '../../core/params/reference.ts';
import { chartIndexEntry } from '../../registry/charts/chart-index.ts';
import { ChartStore, type ChartVersionRecord } from '../../registry/store/chart-store.ts';
import { migrate } from '../../registry/store/migrations.ts';
import { openPglite } from '../../registry/store/pglite-client.ts';
import { openPostgres } from '../../registry/store/pg-client.ts';
import type { SqlClient } from '../../registry/store/sql-client.ts';
import { packageFiles } from '../support/addons.ts';
import { chartTree } from '../support/charts.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';

/** A chart version record as an upload would store it (description and values from the fixture chart). */
function record(name: string, version: string, description = `The ${name} chart`): ChartVersionRecord {
  const tree = chartTree(name, version, { 'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: ${version}\ndescription: ${description}\n` });
  const manifest = inspectChart(name, packageFiles(tree)).manifest!;
  const digest = sha256(Buffer.from(`${name}@${version}`));
  const createdAt = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return { name, version, digest, size: 100, createdAt, metadata: manifest.metadata, manifest, indexEntry: chartIndexEntry({ metadata: manifest.metadata, digest, createdAt }), parameters: parameterReference(manifest.parameterSchema), publishedBy: 'tok_test', deletedAt: null, deletedBy: null };
}

function contract(backend: { name: string; skip?: string; open(): Promise<SqlClient>; shutdown?(): Promise<void> }): void {
  describe(`ChartStore on ${backend.name}`, { skip: backend.skip }, () => {
    let db: SqlClient;
    let store: ChartStore;
    before(async () => {
      db = await backend.open();
      await migrate(db);
      store = new ChartStore(db);
    });
    after(async () => {
      await db?.close();
      await backend.shutdown?.();
    });
    beforeEach(async () => {
      await db.exec('TRUNCATE chart_versions; UPDATE chart_state SET revision = 0');
    });

    test('insert, then get: the record as written, values table keys in values.yaml order', async () => {
      const r = record('web', '1.0.0');
      assert.deepEqual(await store.insert(r), { created: true });
      const got = await store.get('web', '1.0.0');
      assert.deepEqual(got, r);
      assert.deepEqual(Object.keys(got!.manifest.parameterSchema.properties!), ['replicaCount', 'image', 'message', 'ports', 'resources']);
      assert.equal(await store.revision(), 1);
    });

    test('a second insert of a name and version reports the stored digest and changes nothing', async () => {
      await store.insert(record('web', '1.0.0'));
      const other = { ...record('web', '1.0.0'), digest: sha256(Buffer.from('other')) };
      assert.deepEqual(await store.insert(other), { created: false, existingDigest: record('web', '1.0.0').digest, deletedAt: null });
      assert.equal((await store.get('web', '1.0.0'))!.digest, record('web', '1.0.0').digest);
      assert.equal(await store.revision(), 1);
    });

    test('versions newest first (semver, not text); list by name with the newest release; text filter', async () => {
      for (const v of ['1.2.0', '1.10.0', '2.0.0-rc.1', '1.0.0']) await store.insert(record('web', v));
      await store.insert(record('api', '0.1.0', 'Backend service'));
      assert.deepEqual((await store.versions('web')).map((v) => v.version), ['2.0.0-rc.1', '1.10.0', '1.2.0', '1.0.0']);
      const page = await store.list({ limit: 10, offset: 0 });
      assert.deepEqual(page.items.map((c) => [c.name, c.latest, c.versions]), [['api', '0.1.0', 1], ['web', '1.10.0', 4]]);
      assert.deepEqual((await store.list({ text: 'backend', limit: 10, offset: 0 })).items.map((c) => c.name), ['api']);
      assert.deepEqual((await store.list({ limit: 1, offset: 1 })).items.map((c) => c.name), ['web']);
      assert.deepEqual((await store.indexEntries()).map((e) => `${e.name}@${e.version}`), ['api@0.1.0', 'web@2.0.0-rc.1', 'web@1.10.0', 'web@1.2.0', 'web@1.0.0']);
    });

    test('delete leaves a tombstone: out of versions, list, index and live records; a re-insert reports it', async () => {
      await store.insert(record('web', '1.0.0'));
      await store.insert(record('web', '1.1.0'));
      assert.equal(await store.delete('web', '1.0.0', 'tok_admin'), true);
      assert.equal(await store.delete('web', '1.0.0', 'tok_admin'), false, 'deleting twice');
      assert.equal(await store.delete('web', '9.0.0', 'tok_admin'), false, 'deleting what is not there');
      assert.equal(await store.revision(), 3);
      const tomb = await store.get('web', '1.0.0');
      assert.equal(tomb!.deletedBy, 'tok_admin');
      assert.ok(tomb!.deletedAt && !Number.isNaN(Date.parse(tomb!.deletedAt)));
      assert.deepEqual((await store.versions('web')).map((v) => v.version), ['1.1.0']);
      assert.deepEqual((await store.liveRecords()).map((v) => v.version), ['1.1.0']);
      assert.deepEqual((await store.indexEntries()).map((e) => e.version), ['1.1.0']);
      const again = await store.insert(record('web', '1.0.0'));
      assert.equal(again.created, false);
      assert.equal(again.created === false && again.deletedAt, tomb!.deletedAt);
    });
  });
}

let server: TestPostgres | undefined;
contract({ name: 'PGlite (in memory)', open: () => openPglite() });
contract({
  name: 'PostgreSQL',
  skip: postgresSkipReason(),
  async open() {
    server = await startPostgres();
    return openPostgres(await server.freshDatabase());
  },
  async shutdown() {
    await server?.stop();
  },
});

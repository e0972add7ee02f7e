/**
 * A store written before chart values tables were stored (schema without migration 15): migrate
 * adds the column and the stamped chart revision, ChartStore.refreshDerived (run by openRegistry at
 * startup) derives each version's tables from its stored manifest, and nothing else changes.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { inspectChart } from '../../core/chart/inspect.ts';
import { sha256 } from '../../core/package/archive.ts';
import { parameterReference } from '../../core/params/reference.ts';
import { chartIndexEntry } from '../../registry/charts/chart-index.ts';
import { ChartStore } from '../../registry/store/chart-store.ts';
import { migrate, migrations } from '../../registry/store/migrations.ts';
import { openPglite } from '../../registry/store/pglite-client.ts';
import type { SqlClient } from '../../registry/store/sql-client.ts';
import { packageFiles } from '../support/addons.ts';
import { chartTree } from '../support/charts.ts';

const derive = (manifest: { parameterSchema: Parameters<typeof parameterReference>[0] }) => parameterReference(manifest.parameterSchema);

/** Applies the migrations an older velahub knew: all but the one that stores chart tables. */
async function previousSchema(db: SqlClient): Promise<void> {
  await db.exec('CREATE TABLE schema_migrations (id int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const m of migrations.filter((x) => x.id !== 15)) {
    for (const statement of m.sql.split(/;\s*\n/).map((x) => x.trim()).filter(Boolean)) await db.query(statement);
    await db.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
  }
}

/** A chart version as the previous upload wrote it: every column it knew, a bumped revision. */
async function insertOld(db: SqlClient, name: string, version: string, values: string): Promise<void> {
  const manifest = inspectChart(name, packageFiles(chartTree(name, version, { 'values.yaml': values }))).manifest!;
  const digest = sha256(Buffer.from(`${name}@${version}`));
  const createdAt = '2026-01-01T00:00:00.000Z';
  await db.query(
    `INSERT INTO chart_versions (name, version, digest, size, created_at, description, metadata, manifest, index_entry, published_by) VALUES ($1, $2, $3, 100, $4, $5, $6, $7, $8, 'tok_old')`,
    [name, version, digest, createdAt, manifest.metadata.description ?? '', JSON.stringify(manifest.metadata), JSON.stringify(manifest), chartIndexEntry({ metadata: manifest.metadata, digest, createdAt })],
  );
  await db.query('UPDATE chart_state SET revision = revision + 1');
}

/** Every row of the chart tables, without the columns migration 15 adds. */
async function oldColumns(db: SqlClient): Promise<Record<string, unknown[]>> {
  const strip = (rows: Array<Record<string, unknown>>) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'parameters' && k !== 'changed_at')));
  return {
    chart_versions: strip((await db.query<Record<string, unknown>>('SELECT * FROM chart_versions ORDER BY name, version')).rows),
    chart_state: strip((await db.query<Record<string, unknown>>('SELECT * FROM chart_state')).rows),
  };
}

describe('a chart store written before values tables were stored', () => {
  let db: SqlClient;
  before(async () => {
    db = await openPglite();
  });
  after(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });

  test('startup derives each version\'s tables from its stored manifest; old columns keep their values; idempotent', async () => {
    await previousSchema(db);
    await insertOld(db, 'web', '1.0.0', '# How many replicas\nreplicaCount: 1\nimage:\n  tag: "1.27"\n');
    await insertOld(db, 'web', '1.1.0', '# Message shown\nmessage: hi\n');
    const stored = await oldColumns(db);

    await migrate(db);
    const charts = new ChartStore(db);
    assert.equal(await charts.refreshDerived(derive), 2);

    assert.deepEqual(await oldColumns(db), stored, 'nothing but the new columns changed');
    for (const version of ['1.0.0', '1.1.0']) {
      const v = (await charts.get('web', version))!;
      assert.deepEqual(v.parameters, parameterReference(v.manifest.parameterSchema), version);
    }
    assert.deepEqual((await charts.get('web', '1.1.0'))!.parameters[0]!.params.map((p) => [p.name, p.description]), [['message', 'Message shown']]);
    assert.equal(await charts.refreshDerived(derive), 0, 'idempotent');
  });

  test('the chart revision stamps its time from migration 15 on: /helm/index.yaml\'s `generated` is stored', async () => {
    await previousSchema(db);
    await migrate(db);
    const before = (await db.query<{ changed_at: Date }>('SELECT changed_at FROM chart_state')).rows[0]!.changed_at;
    await new Promise((r) => setTimeout(r, 20));
    await db.query('UPDATE chart_state SET revision = revision + 1');
    const after = (await db.query<{ changed_at: Date }>('SELECT changed_at FROM chart_state')).rows[0]!.changed_at;
    assert.ok(new Date(after).getTime() > new Date(before).getTime());
  });
});

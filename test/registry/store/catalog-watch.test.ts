/**
 * CatalogWatch on a real PostgreSQL server: a change committed through one connection reaches a
 * watch on another by NOTIFY (no poll), never before the commit, never backwards; and when the
 * listening connection is cut, the watch reconnects and catches up on what it missed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { CatalogWatch } from '../../../registry/store/catalog-watch.ts';
import { migrate } from '../../../registry/store/migrations.ts';
import { openPostgres } from '../../../registry/store/pg-client.ts';
import type { SqlClient } from '../../../registry/store/sql-client.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../support/postgres.ts';

/** Resolves with the watch's revision once it reaches `want`; rejects after `ms`. */
function reaches(watch: CatalogWatch, want: number, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (watch.revision >= want) return resolve(watch.revision);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`revision ${watch.revision}, not ${want}, after ${ms} ms`));
    }, ms);
    const off = watch.onChange((r) => {
      if (r < want) return;
      clearTimeout(timer);
      off();
      resolve(r);
    });
  });
}

describe('CatalogWatch on PostgreSQL', { skip: postgresSkipReason() }, () => {
  let server: TestPostgres;
  let url: string;
  let db: SqlClient;
  let watch: CatalogWatch;
  const bump = () => db.query('UPDATE catalog_state SET revision = revision + 1 WHERE id = 1');

  before(async () => {
    server = await startPostgres();
    url = await server.freshDatabase();
    db = await openPostgres(url);
    await migrate(db);
    // An hour between polls: anything seen below came by NOTIFY or by the reconnect's catch-up.
    watch = await CatalogWatch.open({ db: await openPostgres(url), databaseUrl: url, pollMs: 3_600_000 });
  });
  after(async () => {
    await watch?.close();
    await watch?.db.close();
    await db?.close();
    await server?.stop();
  });

  test('a committed change arrives by NOTIFY within a second, with the new revision and its time stamped', async () => {
    const start = watch.revision;
    const t0 = Date.now();
    await bump();
    assert.equal(await reaches(watch, start + 1, 1000), start + 1);
    const row = (await db.query<{ changed_at: Date }>('SELECT changed_at FROM catalog_state')).rows[0]!;
    assert.ok(Math.abs(new Date(row.changed_at).getTime() - t0) < 5000);
  });

  test('nothing arrives before the commit; a rolled-back change never arrives', async () => {
    const start = watch.revision;
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('UPDATE catalog_state SET revision = revision + 1 WHERE id = 1');
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(watch.revision, start, 'seen before the commit');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(watch.revision, start);
  });

  test('a late or repeated revision never moves it backwards', () => {
    const now = watch.revision;
    watch.observe(now - 1);
    assert.equal(watch.revision, now);
  });

  test('when the LISTEN connection is cut, it reconnects and catches up on changes made meanwhile', async () => {
    const start = watch.revision;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN velahub_catalog' AND pid <> pg_backend_pid()");
      assert.equal(killed.rowCount, 1, 'premise: the watch had one listening connection');
    } finally {
      await admin.end();
    }
    await bump(); // made while nobody listens
    assert.equal(await reaches(watch, start + 1, 5000), start + 1);
    await bump(); // and notifications flow again afterwards
    assert.equal(await reaches(watch, start + 2, 1000), start + 2);
  });
});

/**
 * Both index.yaml files (addons' and charts') come from one builder: one REPEATABLE READ
 * snapshot, `generated` from the stored time of the revision, one build per revision however
 * many readers arrive together. Two registry instances on one PostgreSQL database stand for two
 * replicas: for the same charts they must serve the same bytes and ETag.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { CueEvaluator } from '../../core/cue/evaluator.ts';
import { publishChart } from '../../registry/charts/publish-chart.ts';
import { openRegistry, type Registry } from '../../registry/registry.ts';
import type { TokenRecord } from '../../registry/store/records.ts';
import { createToken } from '../../registry/tokens.ts';
import { chartArchive } from '../support/charts.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';

const pepper = Buffer.from('a test pepper of at least 32 characters');

describe('index.yaml of two replicas on one PostgreSQL database', { skip: postgresSkipReason() }, () => {
  const cue = new CueEvaluator();
  let postgres: TestPostgres;
  let dirs: string[] = [];
  let a: Registry;
  let b: Registry;
  let admin: TokenRecord;

  const upload = async (on: Registry, name: string, version: string) => {
    const r = await publishChart({ charts: on.charts, blobs: on.blobs }, chartArchive(name, version), admin);
    assert.equal(r.status, 'created');
  };
  const pause = () => new Promise((r) => setTimeout(r, 30));

  before(async () => {
    postgres = await startPostgres();
    const databaseUrl = await postgres.freshDatabase();
    dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'velahub-replica-'))));
    // One after the other: the second finds the schema migrated (the startup lock is tested elsewhere).
    a = await openRegistry({ dataDir: dirs[0]!, databaseUrl, cue, tokenPepper: pepper, catalogPollMs: 3_600_000 });
    b = await openRegistry({ dataDir: dirs[1]!, databaseUrl, cue, tokenPepper: pepper, catalogPollMs: 3_600_000 });
    admin = (await createToken(a.store, { scope: 'admin' })).record;
  });

  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await cue.close();
    await postgres?.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  test('the same charts give the same /helm/index.yaml bytes and ETag on both, built at different times', async () => {
    await upload(a, 'web-shop', '1.0.0');
    await upload(a, 'web-shop', '1.1.0');
    const fromA = await a.indexYaml('chart');
    // Built later by another process: a clock-stamped `generated` would differ here.
    await pause();
    const fromB = await b.indexYaml('chart');
    assert.equal(fromB.text, fromA.text);
    assert.equal(fromB.etag, fromA.etag);
    assert.equal(fromB.revision, fromA.revision);
    const doc = parse(fromA.text) as { generated: string; entries: Record<string, Array<{ version: string }>> };
    assert.deepEqual(doc.entries['web-shop']!.map((e) => e.version), ['1.1.0', '1.0.0']);
    const stored = (await a.store.db.query<{ changed_at: Date | string }>('SELECT changed_at FROM chart_state')).rows[0]!;
    assert.equal(doc.generated, new Date(stored.changed_at).toISOString(), '`generated` is the stored time of the revision');
  });

  test('an upload on one replica is in the other\'s next answer, and both agree again', async () => {
    const before = await a.indexYaml('chart');
    await upload(b, 'api-gw', '0.1.0');
    const [fromA, fromB] = [await a.indexYaml('chart'), await b.indexYaml('chart')];
    assert.ok(fromA.revision > before.revision);
    assert.notEqual(fromA.etag, before.etag);
    assert.deepEqual([fromA.text, fromA.etag], [fromB.text, fromB.etag]);
    assert.deepEqual(Object.keys((parse(fromA.text) as { entries: object }).entries), ['api-gw', 'web-shop']);
  });

  test('readers arriving together at a new revision share one build (single-flight), for both kinds', async () => {
    await upload(a, 'web-shop', '1.2.0');
    for (const kind of ['chart', 'addon'] as const) {
      const docs = await Promise.all(Array.from({ length: 10 }, () => a.indexYaml(kind)));
      assert.ok(docs.every((d) => d === docs[0]), `${kind}: every reader got the one document built`);
      assert.equal(await a.indexYaml(kind), docs[0], `${kind}: kept until the revision moves`);
    }
  });
});

/**
 * A store written before derived data existed (schema without migration 4)
 * gets it at startup: migrate adds the columns, refreshDerived computes them
 * from the stored manifests with the core derivation, and nothing else changes.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { deriveDefinitionDocs, derivedFormat, deriveVersionDocs } from '../../core/params/derive.ts';
import { MetadataStore } from '../../registry/store/metadata-store.ts';
import { migrate, migrations } from '../../registry/store/migrations.ts';
import { openPglite } from '../../registry/store/pglite-client.ts';
import type { SqlClient } from '../../registry/store/sql-client.ts';
import type { VersionRecord } from '../../registry/store/records.ts';
import { list, str, struct } from '../support/schemas.ts';
import { definitionInfo, versionRecord } from '../support/records.ts';

const pepper = Buffer.from('a test pepper of at least 32 characters');
const derivation = { format: derivedFormat, derive: deriveVersionDocs };
const newColumns = new Set(['derived', 'derived_format', 'parameter_paths']);

/** Applies the migrations an older velahub knew: all but the derived-data one. */
async function previousSchema(db: SqlClient): Promise<void> {
  await db.exec('CREATE TABLE schema_migrations (id int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const m of migrations.filter((x) => x.id !== 4)) {
    for (const statement of m.sql.split(/;\s*\n/).map((x) => x.trim()).filter(Boolean)) await db.query(statement);
    await db.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
  }
}

/** A version as the previous insertVersion wrote it: the same columns, names-only search data. */
async function insertOld(db: SqlClient, v: VersionRecord): Promise<void> {
  await db.query(`INSERT INTO addons (name, latest, description, tags, definition_types) VALUES ($1, $2, 'old', '["demo"]', '["trait"]') ON CONFLICT (name) DO UPDATE SET latest = $2`, [v.name, v.version]);
  const { metadata: _m, readme: _r, ...manifest } = v.manifest;
  await db.query(
    `INSERT INTO versions (name, version, canonical, major, digest, size, created_at, metadata, readme, manifest, warnings, index_entry, published_by) VALUES ($1, $2, $2, 1, $3, $4, $5, $6, $7, $8, '[]', $9, 'tok_old')`,
    [v.name, v.version, v.digest, v.size, v.createdAt, JSON.stringify(v.metadata), v.readme, JSON.stringify(manifest), v.indexEntry],
  );
  for (const d of v.manifest.definitions) {
    // As it did: the parameter names of the manifest being published, in its order.
    const names = [...new Set(deriveDefinitionDocs(d).parameterPaths.map((p) => p.name))].join(' ');
    await db.query(
      `INSERT INTO definitions (addon, version, name, type, description, schema, parameters, search) VALUES ($1, $2, $3, $4, $5, $6, $7, to_tsvector('simple', $7))`,
      [v.name, v.version, d.name, d.type, d.description, JSON.stringify(d.schema), names],
    );
  }
}

/** Every row of the store's tables, without the columns migration 4 adds. */
async function oldColumns(db: SqlClient): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of [['addons', 'name'], ['versions', 'name, version'], ['definitions', 'addon, version, type, name'], ['tokens', 'id'], ['catalog_state', 'id']]) {
    const rows = (await db.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${order}`)).rows;
    out[table!] = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !newColumns.has(k))));
  }
  return out;
}

const gateway = (params: Record<string, ReturnType<typeof str>>) => definitionInfo('gateway', { params });
const v1 = versionRecord('edge', '1.0.0', { definitions: [gateway({ route: list(struct({ domain: str() })), host: str() })] });
const v2 = versionRecord('edge', '2.0.0', { definitions: [gateway({ route: list(struct({ domain: str(), path: str() })) })] });

describe('a store written before derived data', () => {
  // One embedded database (its first open costs seconds), emptied before each test.
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

  test('startup computes every version\'s derived data from its manifest; old columns keep their values; search finds parameter paths', async () => {
    await previousSchema(db);
    await insertOld(db, v1);
    await insertOld(db, v2);
    const stored = await oldColumns(db);

    await migrate(db);
    const store = new MetadataStore(db, pepper);
    assert.equal(await store.refreshDerived(derivation), 2);

    assert.deepEqual(await oldColumns(db), stored, 'nothing but the new columns changed');
    // From the manifests as stored (jsonb keeps no key order), exactly as the core derivation makes it.
    const stored1 = (await store.getVersion('edge', '1.0.0'))!;
    const stored2 = (await store.getVersion('edge', '2.0.0'))!;
    assert.deepEqual(stored1.derived, deriveVersionDocs(stored1.manifest));
    assert.deepEqual(stored2.derived, JSON.parse(JSON.stringify(deriveVersionDocs(stored2.manifest, { version: '1.0.0', manifest: stored1.manifest }))));
    assert.deepEqual(stored2.derived.previous?.definitions.map((d) => d.status), ['changed']);
    const hits = await store.searchDefinitions({ parameter: 'path', matching: ['path', 'DOMAIN'], limit: 10, offset: 0 });
    // In table order of the stored schema (jsonb puts shorter keys first).
    assert.deepEqual(hits.items.map((d) => [d.version, d.parameters]), [['2.0.0', ['route.path', 'route.domain']]]);

    assert.equal(await store.refreshDerived(derivation), 0, 'idempotent');
  });

  test('a newer derivation format recomputes rows of an older one, and only those', async () => {
    await migrate(db);
    const store = new MetadataStore(db, pepper);
    await store.insertVersion(v1);
    await store.insertVersion(v2);
    await db.query(`UPDATE versions SET derived = '{"format":0,"definitions":[],"previous":null}', derived_format = 0 WHERE version = '1.0.0'`);
    let seen: string[] = [];
    const counting = { format: derivedFormat, derive: (...args: Parameters<typeof deriveVersionDocs>) => (seen.push(args[1]?.version ?? '-'), deriveVersionDocs(...args)) };
    assert.equal(await store.refreshDerived(counting), 1);
    assert.deepEqual(seen, ['-']);
    const stored1 = (await store.getVersion('edge', '1.0.0'))!;
    assert.deepEqual(stored1.derived, deriveVersionDocs(stored1.manifest));
    seen = [];
    assert.equal(await store.refreshDerived({ ...counting, format: derivedFormat + 1 }), 2);
    assert.deepEqual(seen.sort(), ['-', '1.0.0']);
  });
});

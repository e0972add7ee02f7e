/**
 * Reads only read: the docs pages and search take their parameter tables,
 * examples, matched parameter paths, facets and default diff from what publish
 * stored, in a number of queries that does not grow with the number of hits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveVersionDocs } from '../../core/params/derive.ts';
import { definitionDetail, versionDiff } from '../../registry/api-models.ts';
import type { Registry } from '../../registry/registry.ts';
import { MetadataStore } from '../../registry/store/metadata-store.ts';
import { migrate } from '../../registry/store/migrations.ts';
import { openPglite } from '../../registry/store/pglite-client.ts';
import type { SqlClient, SqlExecutor } from '../../registry/store/sql-client.ts';
import type { VersionRecord } from '../../registry/store/records.ts';
import { loadDefinition, loadDiff, loadHome, loadSearch } from '../../registry/web/loaders.ts';
import { list, str, struct } from '../support/schemas.ts';
import { definitionInfo, versionRecord } from '../support/records.ts';

const pepper = Buffer.from('a test pepper of at least 32 characters');

/** A SqlClient that counts the statements sent through it (transactions' included). */
function countingClient(db: SqlClient): { client: SqlClient; count: () => number } {
  let n = 0;
  const counted = (ex: SqlExecutor): SqlExecutor['query'] => (sql, params) => {
    n += 1;
    return ex.query(sql, params);
  };
  const client: SqlClient = {
    backend: db.backend,
    query: counted(db),
    transaction: (fn) => db.transaction((tx) => fn({ query: counted(tx) })),
    exec: (sql) => {
      n += 1;
      return db.exec(sql);
    },
    close: () => db.close(),
  };
  return { client, count: () => n };
}

/** Two versions of an addon whose trait takes `route[].domain`; 1.1.0 stores its diff against 1.0.0. */
function addonVersions(i: number): VersionRecord[] {
  const def = (params: Record<string, ReturnType<typeof str>>) => definitionInfo(`gate-${i}`, { description: 'Routes traffic through the gateway', params });
  const first = versionRecord(`addon-${i}`, '1.0.0', { tags: ['net', `t${i % 2}`], definitions: [def({ route: list(struct({ domain: str() })) })] });
  const second = versionRecord(`addon-${i}`, '1.1.0', { tags: ['net', `t${i % 2}`], definitions: [def({ route: list(struct({ domain: str(), path: str() })) })] });
  second.derived = deriveVersionDocs(second.manifest, { version: first.version, manifest: first.manifest });
  return [first, second];
}

/** The queries each page view and search makes over the catalog in `db`, of `addons` addons. */
async function queriesPerRead(db: SqlClient, addons: number): Promise<Record<string, number>> {
  const { client, count } = countingClient(db);
  // A new registry each time: the home page's facet cache starts empty.
  const registry = { store: new MetadataStore(client, pepper) } as unknown as Registry;
  const hits = Math.min(addons, 50);
  const reads: Record<string, () => Promise<unknown>> = {
    home: async () => assert.equal((await loadHome(registry, {})).facets.tags.find((t) => t.tag === 'net')?.count, addons),
    'search q': async () => {
      const found = await loadSearch(registry, { q: 'gateway domain' });
      assert.equal(found.definitions.items.length, hits);
      for (const d of found.definitions.items) assert.deepEqual(d.parameters, ['route.domain']);
    },
    'search parameter': async () => assert.equal((await loadSearch(registry, { parameter: 'path' })).definitions.items.length, hits),
    definition: async () => assert.equal((await loadDefinition(registry, { name: 'addon-0', version: '1.1.0', definition: 'gate-0' })).example.application.kind, 'Application'),
    diff: async () => assert.equal((await loadDiff(registry, { name: 'addon-0' })).diff?.definitions[0]?.status, 'changed'),
  };
  const counts: Record<string, number> = {};
  for (const [name, read] of Object.entries(reads)) {
    const before = count();
    await read();
    counts[name] = count() - before;
  }
  return counts;
}

describe('reads make a bounded number of queries', () => {
  // 60: more than a page of search hits (50).
  test('3 and 60 matching addons: the same number of queries for each page and search', async () => {
    const db = await openPglite();
    try {
      await migrate(db);
      const store = new MetadataStore(db, pepper);
      const publish = async (from: number, to: number) => {
        for (let i = from; i < to; i++) for (const v of addonVersions(i)) await store.insertVersion(v);
      };
      await publish(0, 3);
      const few = await queriesPerRead(db, 3);
      await publish(3, 60);
      const many = await queriesPerRead(db, 60);
      assert.deepEqual(many, few);
      for (const [read, n] of Object.entries(few)) assert.ok(n <= 10, `${read}: ${n} queries`);
    } finally {
      await db.close();
    }
  });
});

describe('reads use what publish stored', () => {
  const [first, second] = addonVersions(7) as [VersionRecord, VersionRecord];

  test('definitionDetail serves the stored parameter tables', () => {
    const stored = structuredClone(second);
    stored.derived.definitions[0]!.parameters = [{ path: '', params: [] }];
    assert.deepEqual(definitionDetail(stored, stored.manifest.definitions[0]!).parameters, [{ path: '', params: [] }]);
  });

  test('versionDiff serves the stored diff for the version it was made against, and computes any other pair', () => {
    const stored = structuredClone(second);
    stored.derived.previous!.definitions = [];
    assert.deepEqual(versionDiff('addon-7', first, stored).definitions, [], 'the stored (here emptied) diff');
    const other = { ...first, version: '0.9.0' };
    assert.deepEqual(versionDiff('addon-7', other, stored).definitions.map((d) => d.status), ['changed'], 'computed');
    assert.deepEqual(versionDiff('addon-7', first, second), versionDiff('addon-7', other, second) && { ...versionDiff('addon-7', other, second), from: '1.0.0' }, 'stored and computed agree');
  });
});

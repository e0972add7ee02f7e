/**
 * The metadata store's contract, one suite run against every backend: the
 * embedded PGlite and a real PostgreSQL server (test/support/postgres.ts).
 * Each test starts from an empty catalog (tables truncated, revision 0).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import semver from 'semver';
import { deriveVersionDocs } from '../../core/params/derive.ts';
import { indexEntry } from '../../registry/index-yaml.ts';
import { MetadataStore } from '../../registry/store/metadata-store.ts';
import { migrate, migrations } from '../../registry/store/migrations.ts';
import { openPglite } from '../../registry/store/pglite-client.ts';
import { openPostgres } from '../../registry/store/pg-client.ts';
import type { SqlClient } from '../../registry/store/sql-client.ts';
import { createToken } from '../../registry/tokens.ts';
import { hashToken, legacyTokenHash } from '../../registry/store/token-hash.ts';
import { list, str, struct, int } from '../support/schemas.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { definitionInfo, fakeDigest, versionRecord } from '../support/records.ts';

/** The server-side key of token hashes in these tests. */
const pepper = Buffer.from('a test pepper of at least 32 characters');

/** How a backend gives the suite one migrated, empty database. */
interface Backend {
  name: string;
  skip?: string;
  open(): Promise<SqlClient>;
  /** Releases what `open` needed beyond the client (a server). */
  shutdown?(): Promise<void>;
}

async function resetCatalog(db: SqlClient): Promise<void> {
  await db.exec('TRUNCATE definitions, versions, addons, tokens; UPDATE catalog_state SET revision = 0');
}

/** The index entry the store holds for a version, as index.yaml would serve it. */
async function entryOf(store: MetadataStore, name: string, version: string): Promise<string | undefined> {
  return (await store.indexEntries()).find((e) => e.name === name && e.version === version)?.entry;
}

function storeContract(backend: Backend): void {
  describe(`MetadataStore on ${backend.name}`, { skip: backend.skip }, () => {
    let db: SqlClient;
    let store: MetadataStore;
    before(async () => {
      db = await backend.open();
      await migrate(db);
      store = new MetadataStore(db, pepper);
    });
    after(async () => {
      await db?.close();
      await backend.shutdown?.();
    });
    beforeEach(async () => {
      await resetCatalog(db);
    });

    test('migrating again is a no-op: no migration re-applied, data and revision kept', async () => {
      await store.insertVersion(versionRecord('demo', '1.0.0'));
      await createToken(store, { scope: 'admin', secret: 'vh_keep' });
      const revision = await store.catalogRevision();
      const applied = (await db.query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => Number(r.id));
      await migrate(db);
      await migrate(db);
      assert.deepEqual((await db.query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => Number(r.id)), applied);
      assert.equal(await store.catalogRevision(), revision);
      assert.equal((await store.getVersion('demo', '1.0.0'))?.digest, fakeDigest('demo@1.0.0'));
      assert.ok(await store.findToken(hashToken('vh_keep', pepper)));
    });

    test('insertVersion then getVersion returns the same record; addon row, list and definition follow', async () => {
      const record = versionRecord('demo', '1.2.3', {
        definitions: [definitionInfo('gateway', { params: { route: list(struct({ domain: str() })) } }), definitionInfo('web', { type: 'component', params: { image: str() }, required: ['image'] })],
        tags: ['networking', 'demo'],
      });
      assert.deepEqual(await store.insertVersion(record), { created: true });
      assert.deepEqual(await store.getVersion('demo', '1.2.3'), record);
      assert.equal(await store.getVersion('demo', '9.9.9'), undefined);
      assert.equal(await store.getVersion('nope', '1.2.3'), undefined);

      const addon = await store.getAddon('demo');
      assert.equal(addon?.latest, '1.2.3');
      assert.deepEqual(addon?.tags, ['networking', 'demo']);
      assert.deepEqual(addon?.definitionTypes, ['component', 'trait']);
      assert.deepEqual(
        (await store.listVersions('demo')).map((v) => [v.version, v.digest, v.yanked, v.deprecated]),
        [['1.2.3', record.digest, false, null]],
      );
      const def = await store.getDefinition('demo', '1.2.3', 'gateway');
      assert.deepEqual(def?.schema, record.manifest.definitions[0]!.schema);
      assert.equal(await store.getDefinition('demo', '1.2.3', 'gateway', 'component'), undefined);
      assert.equal(await store.countVersions(), 1);
      assert.equal(await store.isEmpty(), false);
    });

    test('inserting an existing version stores nothing and returns the stored digest', async () => {
      const first = versionRecord('demo', '1.0.0', { digest: fakeDigest('first') });
      await store.insertVersion(first);
      const revision = await store.catalogRevision();
      for (const digest of [fakeDigest('first'), fakeDigest('second')]) {
        const again = versionRecord('demo', '1.0.0', { digest, description: 'changed', definitions: [definitionInfo('other')] });
        assert.deepEqual(await store.insertVersion(again), { created: false, existingDigest: fakeDigest('first'), existingVersion: '1.0.0' });
      }
      assert.deepEqual(await store.getVersion('demo', '1.0.0'), first);
      assert.equal(await store.getDefinition('demo', '1.0.0', 'other'), undefined);
      assert.equal(await store.catalogRevision(), revision);
    });

    test('versions are unique by their canonical form: v1.0.0 and 1.0.0+build are 1.0.0', async () => {
      await store.insertVersion(versionRecord('canon', '1.0.0', { digest: fakeDigest('canon') }));
      const revision = await store.catalogRevision();
      for (const twin of ['v1.0.0', '1.0.0+build', 'v1.0.0+b.2']) {
        assert.deepEqual(await store.insertVersion(versionRecord('canon', twin, { digest: fakeDigest(twin) })), { created: false, existingDigest: fakeDigest('canon'), existingVersion: '1.0.0' }, twin);
        assert.equal((await store.getVersion('canon', twin))?.version, '1.0.0', `getVersion ${twin}`);
      }
      assert.deepEqual((await store.listVersions('canon')).map((v) => v.version), ['1.0.0']);
      assert.equal(await store.catalogRevision(), revision);
    });

    test('20 concurrent inserts of spellings of one version: exactly one is created', async () => {
      const spellings = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? `v2.0.0+r${i}` : i % 3 === 1 ? `2.0.0+r${i}` : i === 2 ? '2.0.0' : `v2.0.0${i === 5 ? '' : `+x${i}`}`));
      const outcomes = await Promise.all(spellings.map((v) => store.insertVersion(versionRecord('spell', v, { digest: fakeDigest(v) }))));
      assert.equal(outcomes.filter((o) => o.created).length, 1);
      assert.equal((await store.listVersions('spell')).length, 1);
    });

    test('the manifest is stored without the metadata and README it repeats; reads give them back', async () => {
      const record = versionRecord('lean', '1.0.0');
      await store.insertVersion(record);
      const row = (await db.query<{ manifest: unknown }>('SELECT manifest FROM versions WHERE name = $1', ['lean'])).rows[0]!;
      const stored = typeof row.manifest === 'string' ? JSON.parse(row.manifest) : row.manifest;
      assert.deepEqual(Object.keys(stored as object).sort(), ['definitions', 'warnings']);
      assert.deepEqual(await store.getVersion('lean', '1.0.0'), record);
    });

    test('a failing insert leaves nothing behind: no addon, version, definition, nor revision bump', async () => {
      // Two definitions with one type and name break the definitions primary key mid-transaction.
      const broken = versionRecord('broken', '1.0.0', { definitions: [definitionInfo('twice'), definitionInfo('twice')] });
      await assert.rejects(store.insertVersion(broken));
      assert.equal(await store.getVersion('broken', '1.0.0'), undefined);
      assert.equal(await store.getAddon('broken'), undefined);
      assert.equal(await store.catalogRevision(), 0);
      assert.equal(await store.countVersions(), 0);
    });

    test('20 concurrent inserts of one version with different digests: exactly one is created', async () => {
      const records = Array.from({ length: 20 }, (_, i) => versionRecord('race', '1.0.0', { digest: fakeDigest(`race-${i}`) }));
      const outcomes = await Promise.all(records.map((r) => store.insertVersion(r)));
      const winners = outcomes.flatMap((o, i) => (o.created ? [records[i]!.digest] : []));
      assert.equal(winners.length, 1, `created: ${winners.length}`);
      for (const o of outcomes) if (!o.created) assert.equal(o.existingDigest, winners[0]);
      assert.equal((await store.getVersion('race', '1.0.0'))?.digest, winners[0]);
      assert.equal(await store.countVersions(), 1);
      assert.equal(await store.catalogRevision(), 1);
    });

    test('20 concurrent inserts of different versions of one addon: all stored, latest is the highest', async () => {
      const versions = Array.from({ length: 20 }, (_, i) => `1.${i}.0`);
      const outcomes = await Promise.all(versions.map((v) => store.insertVersion(versionRecord('many', v))));
      assert.ok(outcomes.every((o) => o.created));
      assert.equal((await store.listVersions('many')).length, 20);
      assert.equal((await store.getAddon('many'))?.latest, '1.19.0');
      assert.equal(await store.catalogRevision(), 20);
    });

    const latestCases: Array<{ name: string; versions: string[]; yank?: string[]; latest: string | null }> = [
      { name: 'highest release', versions: ['1.0.0', '1.10.0', '1.9.0'], latest: '1.10.0' },
      { name: 'a prerelease above a release is not latest', versions: ['1.0.0', '2.0.0-rc.1'], latest: '1.0.0' },
      { name: 'only prereleases: the highest prerelease', versions: ['1.0.0-alpha.1', '1.0.0-beta.1'], latest: '1.0.0-beta.1' },
      { name: 'a yanked highest version is skipped', versions: ['1.0.0', '1.1.0'], yank: ['1.1.0'], latest: '1.0.0' },
      { name: 'yanked release with a live prerelease: the prerelease', versions: ['1.0.0', '1.1.0-rc.1'], yank: ['1.0.0'], latest: '1.1.0-rc.1' },
      { name: 'every version yanked: none', versions: ['1.0.0', '1.1.0'], yank: ['1.0.0', '1.1.0'], latest: null },
    ];
    for (const c of latestCases) {
      test(`latest: ${c.name}`, async () => {
        for (const v of c.versions) await store.insertVersion(versionRecord('pick', v));
        for (const v of c.yank ?? []) assert.equal(await store.setYanked('pick', v, true, 'broken'), true);
        assert.equal((await store.getAddon('pick'))?.latest, c.latest);
        const found = (await store.searchAddons({ text: 'pick', limit: 10, offset: 0 })).items.map((a) => a.name);
        assert.deepEqual(found, c.latest === null ? [] : ['pick'], 'an addon with no live version is not listed');
      });
    }

    describe('searchAddons', () => {
      beforeEach(async () => {
        await store.insertVersion(versionRecord('bizworks-ingress', '1.0.0', { description: 'Routes external traffic through the company gateway', tags: ['networking'], definitions: [definitionInfo('bizworks-gateway')] }));
        await store.insertVersion(versionRecord('hpa-trait', '1.0.0', { description: 'Scales pods horizontally', tags: ['autoscaling'], definitions: [definitionInfo('hpa')] }));
        await store.insertVersion(versionRecord('stateless-component', '1.0.0', { description: 'Runs stateless services', tags: ['workload'], definitions: [definitionInfo('stateless', { type: 'component' })] }));
        await store.insertVersion(versionRecord('stateful-component', '1.0.0', { description: 'Runs databases with volumes', tags: ['workload', 'storage'], definitions: [definitionInfo('stateful', { type: 'component' })] }));
        await store.insertVersion(versionRecord('policy-pack', '1.0.0', { description: 'Placement rules', tags: ['governance'], definitions: [definitionInfo('topology-spread', { type: 'policy' })] }));
      });

      const cases: Array<{ name: string; q: { text?: string; tag?: string; type?: string }; expect: string[] }> = [
        { name: 'a word of the description', q: { text: 'traffic' }, expect: ['bizworks-ingress'] },
        { name: 'a stemmed word of the description', q: { text: 'scaling' }, expect: ['hpa-trait'] },
        { name: 'part of the name', q: { text: 'stateful' }, expect: ['stateful-component'] },
        { name: 'the exact name ranks first', q: { text: 'hpa-trait' }, expect: ['hpa-trait'] },
        { name: 'a definition name', q: { text: 'topology-spread' }, expect: ['policy-pack'] },
        { name: 'a tag', q: { tag: 'workload' }, expect: ['stateful-component', 'stateless-component'] },
        { name: 'a tag of a second position', q: { tag: 'storage' }, expect: ['stateful-component'] },
        { name: 'a definition type', q: { type: 'component' }, expect: ['stateful-component', 'stateless-component'] },
        { name: 'type and tag together', q: { type: 'policy', tag: 'governance' }, expect: ['policy-pack'] },
        { name: 'text and tag that exclude each other', q: { text: 'traffic', tag: 'workload' }, expect: [] },
        { name: 'an unknown word', q: { text: 'kafka' }, expect: [] },
        { name: 'an unknown tag', q: { tag: 'nope' }, expect: [] },
      ];
      for (const c of cases) {
        test(`by ${c.name}`, async () => {
          const page = await store.searchAddons({ ...c.q, limit: 20, offset: 0 });
          const names = page.items.map((a) => a.name);
          assert.deepEqual(c.name.includes('ranks first') ? names.slice(0, 1) : [...names].sort(), c.expect);
          if (!c.name.includes('ranks first')) assert.equal(page.total, c.expect.length);
        });
      }

      test('pagination: pages are disjoint, cover every addon, and report the total', async () => {
        const seen: string[] = [];
        for (const offset of [0, 2, 4]) {
          const page = await store.searchAddons({ limit: 2, offset });
          assert.equal(page.total, 5);
          assert.equal(page.limit, 2);
          assert.equal(page.offset, offset);
          assert.equal(page.items.length, offset === 4 ? 1 : 2);
          seen.push(...page.items.map((a) => a.name));
        }
        assert.equal(new Set(seen).size, 5);
        assert.deepEqual((await store.searchAddons({ limit: 2, offset: 10 })).items, []);
      });
    });

    describe('searchDefinitions', () => {
      beforeEach(async () => {
        await store.insertVersion(
          versionRecord('bizworks-ingress', '1.0.0', {
            definitions: [
              definitionInfo('bizworks-gateway', { description: 'Exposes the service through the gateway', params: { route: list(struct({ domain: str(), path: str() }, ['domain'])), legacyHost: str() } }),
              definitionInfo('tls-cert', { description: 'Issues certificates', params: { issuer: str() } }),
            ],
          }),
        );
        await store.insertVersion(
          versionRecord('bizworks-ingress', '1.1.0', {
            definitions: [
              definitionInfo('bizworks-gateway', { description: 'Exposes the service through the gateway', params: { route: list(struct({ domain: str(), path: str() }, ['domain'])) } }),
              definitionInfo('tls-cert', { description: 'Issues certificates', params: { issuer: str() } }),
            ],
          }),
        );
        await store.insertVersion(versionRecord('web', '1.0.0', { definitions: [definitionInfo('webservice', { type: 'component', description: 'A web server', params: { image: str(), domain: str(), replicas: int() } })] }));
        await store.insertVersion(versionRecord('scaler', '1.0.0', { definitions: [definitionInfo('autoscale', { description: 'Scales on CPU', params: { resources: struct({ cpu: struct({ target: int() }) }) } })] }));
      });

      const cases: Array<{ name: string; q: { text?: string; type?: string; parameter?: string }; expect: string[] }> = [
        { name: 'a parameter nested in a list of structs (route[].domain) and a top-level one', q: { parameter: 'domain' }, expect: ['bizworks-ingress/bizworks-gateway', 'web/webservice'] },
        { name: 'the list parameter itself', q: { parameter: 'route' }, expect: ['bizworks-ingress/bizworks-gateway'] },
        { name: 'a parameter two structs deep', q: { parameter: 'target' }, expect: ['scaler/autoscale'] },
        { name: 'a parameter only an older version had', q: { parameter: 'legacyHost' }, expect: [] },
        { name: 'a parameter name nobody has', q: { parameter: 'dom' }, expect: [] },
        { name: 'parameter and type', q: { parameter: 'domain', type: 'component' }, expect: ['web/webservice'] },
        { name: 'a word of the description', q: { text: 'certificates' }, expect: ['bizworks-ingress/tls-cert'] },
        { name: 'part of the name', q: { text: 'gateway' }, expect: ['bizworks-ingress/bizworks-gateway'] },
        { name: 'a type', q: { type: 'component' }, expect: ['web/webservice'] },
      ];
      for (const c of cases) {
        test(`by ${c.name}`, async () => {
          const page = await store.searchDefinitions({ ...c.q, limit: 20, offset: 0 });
          assert.deepEqual(page.items.map((d) => `${d.addon}/${d.name}`).sort(), c.expect);
          assert.equal(page.total, c.expect.length);
          for (const d of page.items) if (d.addon === 'bizworks-ingress') assert.equal(d.version, '1.1.0', 'only the latest version is searched');
        });
      }

      test('pagination over definitions', async () => {
        const first = await store.searchDefinitions({ limit: 2, offset: 0 });
        const rest = await store.searchDefinitions({ limit: 2, offset: 2 });
        assert.equal(first.total, 4);
        assert.equal(first.items.length, 2);
        assert.equal(rest.items.length, 2);
        assert.equal(new Set([...first.items, ...rest.items].map((d) => d.name)).size, 4);
      });

      test('with `matching`, each hit lists the paths of its parameters named like those words (any case), in table order', async () => {
        const page = await store.searchDefinitions({ text: 'gateway', matching: ['domain', 'PATH', 'nothing'], limit: 20, offset: 0 });
        assert.deepEqual(page.items.map((d) => [d.name, d.parameters]), [['bizworks-gateway', ['route.domain', 'route.path']]]);
        const plain = await store.searchDefinitions({ text: 'gateway', limit: 20, offset: 0 });
        assert.equal('parameters' in plain.items[0]!, false, 'the API shape is unchanged without `matching`');
      });
    });

    test('facets: how many listed addons carry each tag and definition type', async () => {
      await store.insertVersion(versionRecord('a', '1.0.0', { tags: ['net', 'web'], definitions: [definitionInfo('a-t'), definitionInfo('a-c', { type: 'component' })] }));
      await store.insertVersion(versionRecord('b', '1.0.0', { tags: ['net'] }));
      await store.insertVersion(versionRecord('gone', '1.0.0', { tags: ['net'] }));
      await store.setYanked('gone', '1.0.0', true, null);
      const facets = await store.facets();
      assert.deepEqual([...facets.tags].sort(), [['net', 2], ['web', 1]]);
      assert.deepEqual([...facets.types].sort(), [['component', 1], ['trait', 2]]);
    });

    test('derived data is stored with the version; refreshDerived recomputes rows of an older format only', async () => {
      const record = versionRecord('derived', '1.0.0', { definitions: [definitionInfo('gateway', { params: { route: list(struct({ domain: str() })) } })] });
      await store.insertVersion(record);
      assert.deepEqual((await store.getVersion('derived', '1.0.0'))?.derived, record.derived);
      assert.equal(await store.refreshDerived({ format: record.derived.format, derive: deriveVersionDocs }), 0);
      await db.query(`UPDATE versions SET derived = NULL, derived_format = NULL`);
      await db.query(`UPDATE definitions SET parameter_paths = '[]'`);
      assert.equal(await store.refreshDerived({ format: record.derived.format, derive: deriveVersionDocs }), 1);
      assert.deepEqual((await store.getVersion('derived', '1.0.0'))?.derived, record.derived);
      const page = await store.searchDefinitions({ parameter: 'domain', matching: ['domain'], limit: 20, offset: 0 });
      assert.deepEqual(page.items.map((d) => d.parameters), [['route.domain']]);
    });

    test('deprecating rewrites the index entry and bumps the catalog revision; lifting it restores both', async () => {
      const v = versionRecord('demo', '1.0.0');
      await store.insertVersion(v);
      const before = await store.catalogRevision();
      const deprecatedEntry = indexEntry({ metadata: v.metadata, manifest: v.manifest, digest: v.digest, createdAt: v.createdAt, deprecated: 'use 2.x' });
      assert.equal(await store.setDeprecated('demo', '1.0.0', 'use 2.x', deprecatedEntry), true);
      assert.equal((await store.getVersion('demo', '1.0.0'))?.deprecated, 'use 2.x');
      assert.equal(await entryOf(store, 'demo', '1.0.0'), deprecatedEntry);
      assert.match(deprecatedEntry, /deprecated: true/);
      assert.equal((await store.listVersions('demo'))[0]?.deprecated, 'use 2.x');
      assert.equal(await store.catalogRevision(), before + 1);
      assert.equal((await store.getAddon('demo'))?.latest, '1.0.0', 'a deprecated version stays latest');

      assert.equal(await store.setDeprecated('demo', '1.0.0', null, v.indexEntry), true);
      assert.equal((await store.getVersion('demo', '1.0.0'))?.deprecated, null);
      assert.equal(await entryOf(store, 'demo', '1.0.0'), v.indexEntry);
      assert.equal(await store.catalogRevision(), before + 2);
    });

    test('yanking removes the version from the index entries and bumps the revision; the record stays readable', async () => {
      await store.insertVersion(versionRecord('demo', '1.0.0'));
      await store.insertVersion(versionRecord('demo', '1.1.0'));
      const before = await store.catalogRevision();
      assert.equal(await store.setYanked('demo', '1.1.0', true, 'leaks secrets'), true);
      assert.equal(await entryOf(store, 'demo', '1.1.0'), undefined);
      assert.ok(await entryOf(store, 'demo', '1.0.0'));
      assert.equal(await store.catalogRevision(), before + 1);
      const yanked = await store.getVersion('demo', '1.1.0');
      assert.equal(yanked?.yanked, true);
      assert.equal(yanked?.yankReason, 'leaks secrets');
      assert.deepEqual((await store.listVersions('demo')).map((x) => [x.version, x.yanked]), [['1.1.0', true], ['1.0.0', false]]);

      assert.equal(await store.setYanked('demo', '1.1.0', false, null), true);
      assert.ok(await entryOf(store, 'demo', '1.1.0'));
      assert.equal((await store.getAddon('demo'))?.latest, '1.1.0');
      assert.equal(await store.catalogRevision(), before + 2);
    });

    test('deprecating or yanking a missing version returns false and changes nothing', async () => {
      await store.insertVersion(versionRecord('demo', '1.0.0'));
      const before = await store.catalogRevision();
      assert.equal(await store.setDeprecated('demo', '2.0.0', 'x', 'entry'), false);
      assert.equal(await store.setYanked('demo', '2.0.0', true, null), false);
      assert.equal(await store.setYanked('nope', '1.0.0', true, null), false);
      assert.equal(await store.catalogRevision(), before);
    });

    test('index entries: every live version, grouped by name, newest first', async () => {
      for (const [n, v] of [['b-addon', '1.0.0'], ['a-addon', '1.0.0'], ['a-addon', '1.10.0'], ['a-addon', '1.2.0']] as const) await store.insertVersion(versionRecord(n, v));
      const entries = await store.indexEntries();
      assert.deepEqual(entries.map((e) => `${e.name}@${e.version}`), ['a-addon@1.10.0', 'a-addon@1.2.0', 'a-addon@1.0.0', 'b-addon@1.0.0']);
      assert.ok(entries.every((e, i, all) => i === 0 || all[i - 1]!.name !== e.name || semver.gt(all[i - 1]!.version, e.version)));
    });

    test('tokens: created with a hash only, found by hash, listed, revoked once', async () => {
      const { token, record } = await createToken(store, { scope: 'publish', pattern: 'demo-*', description: 'ci' });
      const stored = await db.query<{ hash: string }>('SELECT hash FROM tokens WHERE id = $1', [record.id]);
      assert.equal(stored.rows[0]?.hash, hashToken(token, pepper));
      assert.ok(!JSON.stringify(stored.rows).includes(token), 'the secret is not stored');
      assert.deepEqual(await store.findToken(hashToken(token, pepper)), record);
      assert.equal(await store.findToken(hashToken('vh_other', pepper)), undefined);
      assert.deepEqual((await store.listTokens()).map((t) => t.id), [record.id]);

      assert.equal(await store.revokeToken(record.id), true);
      assert.equal(await store.revokeToken(record.id), false, 'revoking twice');
      assert.equal(await store.revokeToken('tok_missing'), false);
      const revoked = await store.findToken(hashToken(token, pepper));
      assert.ok(revoked?.revokedAt && !Number.isNaN(Date.parse(revoked.revokedAt)));
    });

    test('a token is stored as an HMAC keyed with the pepper: the database alone cannot check a guess', async () => {
      const { token, record } = await createToken(store, { scope: 'admin' });
      const stored = String((await db.query<{ hash: string }>('SELECT hash FROM tokens WHERE id = $1', [record.id])).rows[0]?.hash);
      assert.match(stored, /^hmac-sha256:[0-9a-f]{64}$/);
      assert.notEqual(stored, legacyTokenHash(token), 'not the plain SHA-256 a copied database could check guesses against');
      const otherPepper = new MetadataStore(db, Buffer.from('another pepper, also 32 characters long'));
      assert.equal(await otherPepper.findToken(otherPepper.tokenHash(token)), undefined);
      assert.deepEqual(await store.findToken(store.tokenHash(token)), record);
    });

    test('tokens stored before the pepper (plain SHA-256) are re-keyed in place and keep working', async () => {
      await db.query(`INSERT INTO tokens (id, hash, description, scope, created_at) VALUES ('tok_legacy', $1, 'old', 'admin', '2024-01-01T00:00:00Z')`, [legacyTokenHash('vh_legacy-secret')]);
      assert.equal(await store.migrateTokenHashes(), 1);
      assert.equal(await store.migrateTokenHashes(), 0, 'idempotent');
      const stored = String((await db.query<{ hash: string }>(`SELECT hash FROM tokens WHERE id = 'tok_legacy'`)).rows[0]?.hash);
      assert.equal(stored, hashToken('vh_legacy-secret', pepper));
      assert.equal((await store.findToken(store.tokenHash('vh_legacy-secret')))?.id, 'tok_legacy');
    });

    test('a token hash is unique', async () => {
      await createToken(store, { scope: 'read', secret: 'vh_same' });
      await assert.rejects(createToken(store, { scope: 'read', secret: 'vh_same' }));
      assert.equal((await store.listTokens()).length, 1);
    });
  });
}

describe('migrating a store written before canonical versions', () => {
  test('twins stored earlier (1.0.0 and v1.0.0) survive the upgrade; each stays readable by its own spelling', async () => {
    const db = await openPglite();
    try {
      await db.exec('CREATE TABLE schema_migrations (id int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const statement of migrations[0]!.sql.split(/;\s*\n/).map((x) => x.trim()).filter(Boolean)) await db.query(statement);
      await db.query('INSERT INTO schema_migrations (id) VALUES (1)');
      const legacy = new MetadataStore(db, pepper);
      await db.query(`INSERT INTO addons (name) VALUES ('old')`);
      for (const version of ['1.0.0', 'v1.0.0', ' 2.0.0']) {
        const r = versionRecord('old', version);
        await db.query(
          `INSERT INTO versions (name, version, major, digest, size, metadata, manifest, index_entry) VALUES ($1, $2, 1, $3, 1, $4, $5, '')`,
          ['old', version, fakeDigest(version), JSON.stringify(r.metadata), JSON.stringify(r.manifest)],
        );
      }
      await migrate(db);
      const canon = (await db.query<{ version: string; canonical: string }>('SELECT version, canonical FROM versions ORDER BY version')).rows;
      assert.deepEqual(canon, [{ version: ' 2.0.0', canonical: '2.0.0' }, { version: '1.0.0', canonical: '1.0.0' }, { version: 'v1.0.0', canonical: '1.0.0' }]);
      assert.equal((await legacy.getVersion('old', '1.0.0'))?.digest, fakeDigest('1.0.0'));
      assert.equal((await legacy.getVersion('old', 'v1.0.0'))?.digest, fakeDigest('v1.0.0'));
      assert.equal((await legacy.insertVersion(versionRecord('old', '1.0.0+new'))).created, false);
    } finally {
      await db.close();
    }
  });
});

let server: TestPostgres | undefined;
const pgSkip = postgresSkipReason();

storeContract({ name: 'PGlite (in memory)', open: () => openPglite() });
storeContract({
  name: 'PostgreSQL',
  skip: pgSkip,
  async open() {
    server = await startPostgres();
    return openPostgres(await server.freshDatabase());
  },
  async shutdown() {
    await server?.stop();
  },
});

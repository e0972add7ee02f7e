/**
 * The Helm repository index KubeVela reads (`vela addon registry add --type
 * helm`): served after publishing the bundled addons, it must parse, stay
 * within Helm's strict schema, and point at archives whose digest it states.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import semver from 'semver';
import { parse } from 'yaml';
import { CueEvaluator } from '../../core/cue/evaluator.ts';
import { sha256 } from '../../core/package/archive.ts';
import { publishFolderTree } from '../../registry/seed.ts';
import { listArchive } from '../support/tar.ts';
import { bundledAddons, bundledAddonsDir, type BundledAddon } from '../support/bundled.ts';
import { startTestServer, type TestServer } from '../support/registry-server.ts';

/** Keys of Helm's ChartVersion (chart.Metadata plus the repository fields). */
const helmChartVersionKeys = new Set([
  'name', 'home', 'sources', 'version', 'description', 'keywords', 'maintainers', 'icon', 'apiVersion', 'condition', 'tags',
  'appVersion', 'deprecated', 'annotations', 'kubeVersion', 'dependencies', 'type', 'urls', 'created', 'removed', 'digest',
]);

type Entry = Record<string, unknown> & { name: string; version: string; urls: string[]; digest: string; annotations?: Record<string, unknown> };
type IndexDoc = { apiVersion: string; generated: string; entries: Record<string, Entry[]> };

const cue = new CueEvaluator();
let srv: TestServer;
let bundled: BundledAddon[];

async function served(): Promise<{ text: string; doc: IndexDoc }> {
  const res = await srv.fetch('/index.yaml');
  assert.equal(res.status, 200);
  const text = await res.text();
  return { text, doc: parse(text, { uniqueKeys: true, strict: true }) as IndexDoc };
}

before(async () => {
  srv = await startTestServer({ cue });
  bundled = await bundledAddons();
});
after(async () => {
  await srv?.close();
  await cue.close();
});

describe('index.yaml', () => {
  test('an empty registry serves a valid index with no entries', async () => {
    const { doc } = await served();
    assert.equal(doc.apiVersion, 'v1');
    assert.deepEqual(doc.entries, {});
    assert.ok(!Number.isNaN(Date.parse(doc.generated)));
  });

  describe('after publishing the bundled addons', () => {
    let doc: IndexDoc;
    before(async () => {
      const results = await publishFolderTree(srv.registry, bundledAddonsDir);
      assert.deepEqual(results.map((r) => r.status), bundled.map(() => 'created'));
      ({ doc } = await served());
    });

    test('premise: seven bundled addons', () => {
      assert.equal(bundled.length, 7);
    });

    test('top level: exactly apiVersion v1, entries and a generated timestamp', () => {
      assert.deepEqual(Object.keys(doc).sort(), ['apiVersion', 'entries', 'generated']);
      assert.equal(doc.apiVersion, 'v1');
      assert.equal(typeof doc.generated, 'string');
      assert.ok(!Number.isNaN(Date.parse(doc.generated)), doc.generated);
    });

    test('one entry per bundled addon, keyed by name, with its version', () => {
      assert.deepEqual(Object.keys(doc.entries).sort(), bundled.map((a) => a.name));
      for (const a of bundled) {
        const versions = doc.entries[a.name]!;
        assert.deepEqual(versions.map((v) => v.version), [a.version]);
        assert.equal(versions[0]!.name, a.name);
      }
    });

    test("every entry key is within Helm's ChartVersion schema", () => {
      for (const [name, versions] of Object.entries(doc.entries)) {
        for (const v of versions) {
          const extra = Object.keys(v).filter((k) => !helmChartVersionKeys.has(k));
          assert.deepEqual(extra, [], `${name}@${v.version} has keys outside Helm's schema`);
        }
      }
    });

    test('every annotation value is a string, and vela reads system.vela / system.kubernetes there', () => {
      for (const [name, versions] of Object.entries(doc.entries)) {
        for (const v of versions) {
          for (const [k, value] of Object.entries(v.annotations ?? {})) assert.equal(typeof value, 'string', `${name} annotation ${k}`);
          assert.equal(v.annotations?.['system.vela'], '>=1.6.0', name);
          assert.equal(v.annotations?.['system.kubernetes'], '>=1.19', name);
        }
      }
      const deps = JSON.parse(String(doc.entries['bizworks-platform']![0]!.annotations?.['velahub.dev/dependencies'])) as Array<{ name: string }>;
      assert.ok(deps.some((d) => d.name === 'bizworks-ingress'));
    });

    test('field types are what Helm unmarshals: semver version, string lists, RFC 3339 created, boolean deprecated', () => {
      for (const versions of Object.values(doc.entries)) {
        for (const v of versions) {
          assert.ok(semver.valid(v.version), v.version);
          assert.ok(Array.isArray(v.urls) && v.urls.every((u) => typeof u === 'string'));
          if (v.keywords !== undefined) assert.ok(Array.isArray(v.keywords) && (v.keywords as unknown[]).every((k) => typeof k === 'string'));
          assert.ok(!Number.isNaN(Date.parse(String(v.created))), String(v.created));
          if (v.deprecated !== undefined) assert.equal(typeof v.deprecated, 'boolean');
          assert.equal(v.apiVersion, 'v2');
          assert.equal(v.type, 'library');
          assert.match(v.digest, /^[0-9a-f]{64}$/);
        }
      }
    });

    test('urls are relative charts/NAME-VERSION.tgz', () => {
      for (const [name, versions] of Object.entries(doc.entries)) {
        for (const v of versions) assert.deepEqual(v.urls, [`charts/${name}-${v.version}.tgz`]);
      }
    });

    test('digest is the sha256 of the downloaded archive; the archive is one folder named like the addon with metadata.yaml and a library Chart.yaml', async () => {
      for (const [name, versions] of Object.entries(doc.entries)) {
        const v = versions[0]!;
        const res = await fetch(new URL(v.urls[0]!, `${srv.url}/`));
        assert.equal(res.status, 200, `${name}: ${v.urls[0]}`);
        const data = Buffer.from(await res.arrayBuffer());
        assert.equal(sha256(data), `sha256:${v.digest}`, name);

        const entries = await listArchive(data);
        const tops = new Set(entries.map((e) => e.path.split('/')[0]));
        assert.deepEqual([...tops], [name]);
        const file = (p: string) => entries.find((e) => e.path === `${name}/${p}`);
        assert.ok(file('metadata.yaml'), `${name}: no metadata.yaml`);
        assert.equal((parse(file('metadata.yaml')!.data.toString()) as { name: string }).name, name);
        const chart = parse(file('Chart.yaml')?.data.toString() ?? '') as Record<string, unknown>;
        assert.equal(chart.type, 'library', `${name}: Chart.yaml`);
        assert.equal(chart.name, name);
        assert.equal(chart.version, v.version);
        assert.equal(chart.apiVersion, 'v2');
      }
    });

    test('a deprecated version keeps the index within the schema, with deprecated: true', async () => {
      const { name, version } = bundled[0]!;
      const res = await srv.fetch(`/api/v1/addons/${name}/versions/${version}/deprecation`, {
        method: 'PUT',
        token: srv.adminToken,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'testing: use another' }),
      });
      assert.equal(res.status, 200);
      const entry = (await served()).doc.entries[name]![0]!;
      assert.equal(entry.deprecated, true);
      assert.deepEqual(Object.keys(entry).filter((k) => !helmChartVersionKeys.has(k)), []);
      assert.equal(entry.annotations?.['velahub.dev/deprecation'], 'testing: use another');
    });
  });
});

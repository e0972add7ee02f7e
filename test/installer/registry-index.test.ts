/**
 * Reading Helm-type addon registries (velahub's or anyone's) over HTTP into resolver snapshots,
 * and downloading archives verified against the index's sha256. Tiny HTTP servers built in each
 * test play the registry; no cluster needed.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { packFiles, sha256 } from '../../core/package/archive.ts';
import { downloadVerified, readRegistryIndex } from '../../installer/registry-index.ts';
import { loadRegistries } from '../../installer/load-registries.ts';
import { rejectsCode } from '../support/errors.ts';

/** A server answering each path from `routes` (status 404 otherwise); records request headers. */
async function serve(routes: Record<string, Buffer | string | ((req: IncomingMessage) => { status: number; body: string })>) {
  const seen: IncomingMessage['headers'][] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const r = routes[req.url ?? ''];
    if (r === undefined) return void res.writeHead(404).end('not found');
    if (typeof r === 'function') {
      const { status, body } = r(req);
      return void res.writeHead(status).end(body);
    }
    res.writeHead(200).end(r);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url, seen };
}
const servers: Array<() => Promise<void>> = [];
after(() => Promise.all(servers.map((close) => close())));

const archive = packFiles('web', new Map([['metadata.yaml', Buffer.from('name: web\nversion: 1.0.0\n')]]), { name: 'web', version: '1.0.0' });
const hex = archive.digest.slice('sha256:'.length);

const index = (base: string) => `apiVersion: v1
entries:
  web:
    - name: web
      version: 1.1.0
      digest: "${'a'.repeat(64)}"
      deprecated: true
      annotations:
        velahub.dev/deprecation: use web 2
        system.vela: ">=1.9.0"
        system.kubernetes: ">=1.26"
        velahub.dev/dependencies: '[{"name":"lib","version":">=1.0.0, <2.0.0"},{"name":"any"}]'
        velahub.dev/definitions: '[{"name":"web","type":"component"}]'
      urls: [charts/web-1.1.0.tgz]
    - name: web
      version: v1.0.0
      digest: sha256:${hex}
      urls: ["${base}/elsewhere/web-1.0.0.tgz", "mirror/web-1.0.0.tgz"]
    - name: web
      version: 0.9.0
      digest: "${'b'.repeat(64)}"
  lib:
    - version: 1.0.0
      urls: [charts/lib-1.0.0.tgz]
generated: "2024-01-01T00:00:00Z"
`;

describe('installer: registry index', () => {
  test('an index becomes candidates: versions, digests, URLs, dependencies, system ranges, deprecation', async () => {
    const { url } = await serve({ '/sub/index.yaml': '' });
    const real = await serve({ '/sub/index.yaml': index(url) });
    const snap = await readRegistryIndex({ name: 'corp', url: `${real.url}/sub/` });
    assert.equal(snap.error, undefined);
    assert.deepEqual([...snap.addons.keys()].sort(), ['lib', 'web']);
    const web = snap.addons.get('web')!;
    assert.deepEqual(web.map((c) => c.version), ['1.1.0', '1.0.0'], 'a leading v is dropped; an entry without urls is skipped');
    // The stored-manifest address is new with #16 (velahub entries only); every other field is as it was.
    const { manifestUrl, ...first } = web[0]!;
    assert.equal(manifestUrl, `${real.url}/sub/api/v1/addons/web/versions/1.1.0/manifest`);
    assert.equal(web[1]!.manifestUrl, undefined, 'an entry without velahub annotations has no stored manifest to ask for');
    assert.deepEqual(first, {
      name: 'web',
      version: '1.1.0',
      registry: 'corp',
      digest: `sha256:${'a'.repeat(64)}`,
      url: `${real.url}/sub/charts/web-1.1.0.tgz`,
      dependencies: [{ name: 'lib', range: '>=1.0.0, <2.0.0' }, { name: 'any', range: undefined }],
      dependenciesKnown: true,
      system: { vela: '>=1.9.0', kubernetes: '>=1.26' },
      deprecated: 'use web 2',
      definitions: [{ name: 'web', type: 'component' }],
    });
    assert.equal(web[1]!.url, `${url}/elsewhere/web-1.0.0.tgz`, 'an absolute URL is kept');
    assert.equal(web[1]!.digest, archive.digest);
    assert.equal(web[1]!.dependenciesKnown, false, 'an index without velahub annotations does not say what it depends on');
    assert.deepEqual(snap.addons.get('lib')![0]!.digest, '', 'no digest in the index: none invented');
  });

  const unreadable: Array<{ name: string; routes: Parameters<typeof serve>[0] }> = [
    { name: 'HTTP 500', routes: { '/index.yaml': () => ({ status: 500, body: 'boom' }) } },
    { name: 'no index.yaml (404)', routes: {} },
    { name: 'not YAML', routes: { '/index.yaml': 'entries: [\n' } },
  ];
  for (const row of unreadable) {
    test(`a registry answering ${row.name} is marked unreachable, not thrown`, async () => {
      const { url } = await serve(row.routes);
      const snap = await readRegistryIndex({ name: 'flaky', url });
      assert.equal(snap.addons.size, 0);
      assert.ok(snap.error && snap.error.length > 0);
    });
  }

  test('a registry nobody listens on is marked unreachable', async () => {
    const snap = await readRegistryIndex({ name: 'gone', url: 'http://127.0.0.1:1' });
    assert.ok(snap.error);
    const [s] = await loadRegistries([{ name: 'gone', url: 'http://127.0.0.1:1' }]);
    assert.ok(s!.error);
  });

  test('no registry at all is a usage error', async () => {
    await rejectsCode(loadRegistries([]), 'EUSAGE');
  });

  test('a private registry gets the bearer token', async () => {
    const { url, seen } = await serve({ '/index.yaml': (req) => (req.headers.authorization === 'Bearer s3cret' ? { status: 200, body: 'apiVersion: v1\nentries: {}\n' } : { status: 401, body: 'no' }) });
    assert.ok((await readRegistryIndex({ name: 'p', url })).error, 'refused without the token');
    assert.equal((await readRegistryIndex({ name: 'p', url, token: 's3cret' })).error, undefined);
    assert.equal(seen[1]!.authorization, 'Bearer s3cret');
  });

  describe('downloads', () => {
    const candidate = (url: string, digest: string) => ({ name: 'web', version: '1.0.0', registry: 'corp', digest, url, dependencies: [], system: {}, definitions: [] });

    test('the bytes whose sha256 the index promised', async () => {
      const { url } = await serve({ '/web.tgz': archive.data });
      assert.deepEqual(await downloadVerified(candidate(`${url}/web.tgz`, archive.digest), undefined), archive.data);
    });

    test('other bytes are refused with EDIGEST naming both digests', async () => {
      const other = Buffer.concat([archive.data, Buffer.from('x')]);
      const { url } = await serve({ '/web.tgz': other });
      const err = await rejectsCode(downloadVerified(candidate(`${url}/web.tgz`, archive.digest), undefined), 'EDIGEST', archive.digest, sha256(other));
      assert.ok(err.hint);
    });

    test('an index without a digest is refused: nothing to verify against', async () => {
      const { url } = await serve({ '/web.tgz': archive.data });
      await rejectsCode(downloadVerified(candidate(`${url}/web.tgz`, ''), undefined), 'EDIGEST');
    });

    test('HTTP errors and unreachable hosts have their own codes', async () => {
      const { url } = await serve({});
      await rejectsCode(downloadVerified(candidate(`${url}/missing.tgz`, archive.digest), undefined), 'EREGISTRY', '404');
      await rejectsCode(downloadVerified(candidate('http://127.0.0.1:1/web.tgz', archive.digest), undefined), 'EUNREACHABLE');
    });

    test("the registry's token goes along with the download", async () => {
      const { url, seen } = await serve({ '/web.tgz': archive.data });
      await downloadVerified(candidate(`${url}/web.tgz`, archive.digest), { name: 'corp', url, token: 't0k' });
      assert.equal(seen.at(-1)!.authorization, 'Bearer t0k');
    });
  });
});

/**
 * The real Helm client against the registry: `helm repo add` (Helm's strict index parser),
 * `helm search repo`, `helm pull` (digest checked against the index) and `helm show chart`,
 * and a v-prefixed version (KubeVela catalog style) pulled by its NAME-vX.Y.Z.tgz link,
 * with helm v3 built from the Go module pinned in test/helm/go.mod (cached after the first run).
 * Helm runs with its cache, config and data homes in a temp dir: the machine's repos are untouched.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { startServer, type RunningServer } from '../../registry/server.ts';
import { startHelmClient, type HelmClient } from './client.ts';
import { addonArchive } from '../support/packages.ts';
import { bundledVersions } from '../support/bundled.ts';

const addonsDir = fileURLToPath(new URL('../../addons/', import.meta.url));
const bundled = Object.keys(bundledVersions).sort();

/** The parts of a Helm index this test reads. */
interface HelmIndex {
  apiVersion: string;
  entries: Record<string, Array<{ name: string; version: string; digest: string; urls: string[]; type?: string }>>;
}

let helm: HelmClient | undefined;
let server: RunningServer;
let base: string;
let work: string;
let helmEnv: NodeJS.ProcessEnv;

const runHelm = (args: string[]) => helm!.run(args);

before(async () => {
  // A cold build compiles helm and its Kubernetes dependencies: minutes. Cached afterwards.
  helm = await startHelmClient({ prefix: 'velahub-helm-', timeoutMs: 60_000 });
  ({ work, env: helmEnv } = helm);
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(work, 'data'), seedDir: addonsDir, say: () => {}, logger: pino({ level: 'silent' }) });
  base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}, { timeout: 30 * 60_000 });

after(async () => {
  await server?.close();
  await helm?.close();
});

describe('helm v3 against the registry', () => {
  let index: HelmIndex;

  before(async () => {
    const res = await fetch(`${base}/index.yaml`);
    assert.equal(res.status, 200);
    index = parse(await res.text()) as HelmIndex;
  });

  test('helm repo add accepts /index.yaml with its strict parser', async () => {
    const { stdout, stderr } = await runHelm(['repo', 'add', 'velahub', base]);
    assert.match(stdout, /"velahub" has been added to your repositories/);
    // Helm drops invalid entries with a warning instead of failing: there must be none.
    assert.doesNotMatch(stderr, /skipping|invalid|error/i, stderr);
    const cached = parse(await readFile(join(helmEnv.HELM_CACHE_HOME!, 'repository', 'velahub-index.yaml'), 'utf8')) as HelmIndex;
    assert.deepEqual(Object.keys(cached.entries).sort(), Object.keys(index.entries).sort());
  });

  test('control: the same helm refuses an index with one key outside its schema', async () => {
    // Proves the check above is Helm's strict parse and not a lenient one.
    const tampered = parse(await (await fetch(`${base}/index.yaml`)).text()) as HelmIndex;
    Object.assign(tampered.entries['hpa-trait']![0]!, { velahubExtra: 'not in ChartVersion' });
    const body = stringify(tampered);
    const fake = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/x-yaml' }).end(body));
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      await assert.rejects(runHelm(['repo', 'add', 'tampered', url]), /unknown field "velahubExtra"/);
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  test('helm search repo lists every bundled addon', async () => {
    const { stdout } = await runHelm(['search', 'repo', 'velahub', '-o', 'json']);
    const found = (JSON.parse(stdout) as Array<{ name: string; version: string }>).map((c) => c.name).sort();
    assert.deepEqual(found, bundled.map((n) => `velahub/${n}`));
    const all = JSON.parse((await runHelm(['search', 'repo', 'velahub', '--versions', '--devel', '-o', 'json'])).stdout) as unknown[];
    assert.equal(all.length, Object.values(index.entries).flat().length, 'every index entry is visible to helm');
  });

  test('helm pull downloads hpa-trait 1.0.0 with the digest the index states', async () => {
    const dest = join(work, 'pulled');
    await mkdir(dest);
    await runHelm(['pull', 'velahub/hpa-trait', '--version', '1.0.0', '--destination', dest]);
    assert.deepEqual(await readdir(dest), ['hpa-trait-1.0.0.tgz']);
    const bytes = await readFile(join(dest, 'hpa-trait-1.0.0.tgz'));
    const entry = index.entries['hpa-trait']?.find((e) => e.version === '1.0.0');
    assert.ok(entry, 'hpa-trait 1.0.0 is in the index');
    assert.match(entry.digest, /^[0-9a-f]{64}$/, 'index digests are bare hex, as Helm writes them');
    assert.equal(createHash('sha256').update(bytes).digest('hex'), entry.digest);
    assert.deepEqual(entry.urls, ['charts/hpa-trait-1.0.0.tgz']);
  });

  test('helm show chart loads the archive as a library chart', async () => {
    const { stdout } = await runHelm(['show', 'chart', 'velahub/hpa-trait', '--version', '1.0.0']);
    const chart = parse(stdout) as Record<string, unknown>;
    assert.equal(chart.type, 'library');
    assert.equal(chart.name, 'hpa-trait');
    assert.equal(chart.version, '1.0.0');
    assert.equal(chart.apiVersion, 'v2');
  });
});

describe('helm v3 and a v-prefixed version (KubeVela catalog style)', () => {
  const archive = addonArchive('vstyle', 'v1.9.5');

  before(async () => {
    const res = await fetch(`${base}/api/v1/packages`, {
      method: 'POST',
      body: new Uint8Array(archive),
      headers: { authorization: `Bearer ${server.generatedAdminToken}`, 'content-type': 'application/gzip' },
    });
    assert.equal(res.status, 201, await res.text());
    await runHelm(['repo', 'update', 'velahub']);
  });

  test('helm pull --version v1.9.5 downloads NAME-v1.9.5.tgz with the digest the index states', async () => {
    const dest = join(work, 'pulled-v');
    await mkdir(dest);
    await runHelm(['pull', 'velahub/vstyle', '--version', 'v1.9.5', '--destination', dest]);
    assert.deepEqual(await readdir(dest), ['vstyle-v1.9.5.tgz']);
    assert.equal(createHash('sha256').update(await readFile(join(dest, 'vstyle-v1.9.5.tgz'))).digest('hex'), createHash('sha256').update(archive).digest('hex'));
  });

  test('helm show chart reads its version as written', async () => {
    const chart = parse((await runHelm(['show', 'chart', 'velahub/vstyle', '--version', 'v1.9.5'])).stdout) as Record<string, unknown>;
    assert.equal(chart.version, 'v1.9.5');
  });
});

/**
 * The real Helm client against velahub's chart repository (/helm): a chart made by `helm create`
 * and packed by `helm package` is uploaded as is through ChartMuseum's API, then `helm repo add`
 * (Helm's strict index parser), `helm search repo`, `helm pull` (the uploaded bytes), `helm show
 * values` and `helm install --dry-run=server` against a test API server all work — the last both
 * from the pulled archive and from the repository; on a private registry, `helm repo add
 * --username/--password` with a read token works and no credentials get 401. helm v3 is built from test/helm/go.mod
 * (cached); its homes live in a temp dir, so the machine's repositories are never touched.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { sha256 } from '../../core/package/archive.ts';
import { testClusters } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { testServerForFile } from '../support/file-test-server.ts';
import { startServer, type RunningServer } from '../../registry/server.ts';
import { createToken } from '../../registry/tokens.ts';
import { startHelmClient, type HelmClient } from './client.ts';

const { srv } = testServerForFile();
const namespace = uniqueNamespace('helm-charts');
let helm: HelmClient | undefined;
let work: string;
let kubeconfig: string;
/** The `helm package` outputs, by version. */
const packaged: Record<string, Buffer> = {};

const runHelm = (args: string[]) => helm!.run(args);

/** Uploads an archive through ChartMuseum's API, multipart field "chart", as `helm cm-push` does. */
async function cmPush(archive: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  form.append('chart', new Blob([new Uint8Array(archive)], { type: 'application/gzip' }), 'chart.tgz');
  const res = await srv.json('/helm/api/charts', { method: 'POST', body: form, token: srv.adminToken });
  return { status: res.status, body: res.body };
}

before(async () => {
  helm = await startHelmClient({ prefix: 'velahub-helm-charts-', timeoutMs: 120_000 });
  work = helm.work;
  // A real chart: what `helm create` scaffolds (Deployment, Service, ServiceAccount, helpers, tests), packed by helm.
  await runHelm(['create', 'demo']);
  for (const version of ['0.1.0', '0.2.0']) {
    const chartYaml = join(work, 'demo', 'Chart.yaml');
    await writeFile(chartYaml, (await readFile(chartYaml, 'utf8')).replace(/^version: .*$/m, `version: ${version}`));
    await runHelm(['package', 'demo', '--destination', join(work, 'packaged')]);
    packaged[version] = await readFile(join(work, 'packaged', `demo-${version}.tgz`));
  }
  const [kc] = await testClusters(1);
  await ensureNamespace(kc!, namespace);
  kubeconfig = join(work, 'kubeconfig.json');
  await writeFile(kubeconfig, kc!.exportConfig(), { mode: 0o600 });
}, { timeout: 30 * 60_000 });

after(() => helm?.close());

describe('helm v3 against /helm', () => {
  test('helm package output is accepted as is through ChartMuseum\'s API (both versions: the second is the update)', async () => {
    for (const version of ['0.1.0', '0.2.0']) {
      const res = await cmPush(packaged[version]!);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.digest, sha256(packaged[version]!));
    }
  });

  test('helm repo add accepts /helm/index.yaml with its strict parser, without warnings', async () => {
    const { stdout, stderr } = await runHelm(['repo', 'add', 'velahub', `${srv.url}/helm`]);
    assert.match(stdout, /"velahub" has been added to your repositories/);
    assert.doesNotMatch(stderr, /skipping|invalid|error/i, stderr);
  });

  test('helm search repo finds the chart, newest first; --versions shows both', async () => {
    const latest = JSON.parse((await runHelm(['search', 'repo', 'velahub/demo', '-o', 'json'])).stdout) as Array<{ name: string; version: string; app_version: string }>;
    assert.deepEqual(latest.map((c) => [c.name, c.version, c.app_version]), [['velahub/demo', '0.2.0', '1.16.0']]);
    const all = JSON.parse((await runHelm(['search', 'repo', 'velahub/demo', '--versions', '-o', 'json'])).stdout) as Array<{ version: string }>;
    assert.deepEqual(all.map((c) => c.version), ['0.2.0', '0.1.0']);
  });

  test('helm pull downloads exactly the bytes helm package wrote', async () => {
    const dest = join(work, 'pulled');
    await mkdir(dest);
    await runHelm(['pull', 'velahub/demo', '--version', '0.1.0', '--destination', dest]);
    assert.deepEqual(await readdir(dest), ['demo-0.1.0.tgz']);
    assert.equal(sha256(await readFile(join(dest, 'demo-0.1.0.tgz'))), sha256(packaged['0.1.0']!));
  });

  test('helm show values prints the chart\'s values.yaml; the values table has its comments', async () => {
    const { stdout } = await runHelm(['show', 'values', 'velahub/demo', '--version', '0.1.0']);
    assert.equal(stdout.trim(), (await readFile(join(work, 'demo', 'values.yaml'), 'utf8')).trim());
    const v = (await srv.json('/api/v1/charts/demo/versions/0.1.0')).body as { parameters: Array<{ path: string; params: Array<{ name: string; description: string; default?: unknown }> }> };
    const replicaCount = v.parameters[0]!.params.find((p) => p.name === 'replicaCount');
    assert.equal(replicaCount?.default, 1);
    assert.ok(replicaCount?.description, 'helm create documents replicaCount with a comment');
  });

  test('helm install --dry-run=server of the pulled archive, against the test API server', async () => {
    const { stdout } = await runHelm(['install', 'shop', join(work, 'pulled', 'demo-0.1.0.tgz'), '--dry-run=server', '--namespace', namespace, '--kubeconfig', kubeconfig]);
    assert.match(stdout, /^STATUS: pending-install$/m);
    const kinds = stdout.split('\n---').map((doc) => (parse(doc.replace(/^# Source: .*$/m, '')) as { kind?: string } | null)?.kind).filter(Boolean);
    for (const kind of ['ServiceAccount', 'Service', 'Deployment']) assert.ok(kinds.includes(kind), `no ${kind} in ${JSON.stringify(kinds)}`);
  });

  test('helm install --dry-run=server straight from the repository (velahub/demo 0.2.0)', async () => {
    const { stdout } = await runHelm(['install', 'shop', 'velahub/demo', '--version', '0.2.0', '--dry-run=server', '--namespace', namespace, '--kubeconfig', kubeconfig]);
    assert.match(stdout, /^STATUS: pending-install$/m);
    assert.match(stdout, /helm\.sh\/chart: demo-0\.2\.0/);
  });

  test('after a delete, helm no longer sees the version (helm repo update)', async () => {
    const res = await srv.json('/helm/api/charts/demo/0.1.0', { method: 'DELETE', token: srv.adminToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await runHelm(['repo', 'update', 'velahub']);
    const all = JSON.parse((await runHelm(['search', 'repo', 'velahub/demo', '--versions', '-o', 'json'])).stdout) as Array<{ version: string }>;
    assert.deepEqual(all.map((c) => c.version), ['0.2.0']);
    await assert.rejects(runHelm(['pull', 'velahub/demo', '--version', '0.1.0', '--destination', work]), /chart "demo" matching 0\.1\.0 not found/);
  });
});

describe('helm v3 against a private /helm (velahub serve --private)', () => {
  let server: RunningServer | undefined;
  let dataDir: string;
  let url: string;
  let readToken: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'velahub-private-helm-'));
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir, private: true, logger: pino({ level: 'silent' }), say: () => {} });
    url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
    readToken = (await createToken(server.registry.store, { scope: 'read' })).token;
    const form = new FormData();
    form.append('chart', new Blob([new Uint8Array(packaged['0.2.0']!)], { type: 'application/gzip' }), 'chart.tgz');
    const res = await fetch(`${url}/helm/api/charts`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.generatedAdminToken}` } });
    assert.equal(res.status, 201, await res.text());
  });
  after(async () => {
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('helm repo add without credentials, or with a wrong token, fails with 401 Unauthorized', async () => {
    await assert.rejects(runHelm(['repo', 'add', 'private-none', `${url}/helm`]), /401 Unauthorized/);
    await assert.rejects(runHelm(['repo', 'add', 'private-wrong', `${url}/helm`, '--username', 'velahub', '--password', 'vh_not-a-token']), /401 Unauthorized/);
  });

  test('helm repo add --username/--password with a read token, then search and pull the uploaded bytes', async () => {
    await runHelm(['repo', 'add', 'private', `${url}/helm`, '--username', 'velahub', '--password', readToken]);
    const found = JSON.parse((await runHelm(['search', 'repo', 'private/demo', '-o', 'json'])).stdout) as Array<{ version: string }>;
    assert.deepEqual(found.map((c) => c.version), ['0.2.0']);
    const dest = join(work, 'private-pull');
    await mkdir(dest, { recursive: true });
    await runHelm(['pull', 'private/demo', '--version', '0.2.0', '--destination', dest]);
    assert.equal(sha256(await readFile(join(dest, 'demo-0.2.0.tgz'))), sha256(packaged['0.2.0']!));
  });
});

/**
 * Real OCI clients against the template center: helm v3 (`helm registry login`, `helm push
 * oci://`, `helm pull`, `helm show values`, `helm install --dry-run=server`) and oras v1.3.6
 * (login, push of a chart with Helm's media types, pull, attach a signature-like artifact,
 * discover it through the referrers API, delete). One chart, both ways: a version pushed over OCI
 * is in /helm/index.yaml and the JSON API with the archive's digest, and one uploaded through the
 * ChartMuseum API is pulled over OCI byte for byte. A private registry asks every OCI client to
 * log in. The server is `startServer` (the hot-read front included) on a loopback port.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { parse } from 'yaml';
import { sha256 } from '../../core/package/archive.ts';
import { startServer, type RunningServer } from '../../registry/server.ts';
import { createToken } from '../../registry/tokens.ts';
import { testClusters } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { startHelmClient, type HelmClient } from '../helm/client.ts';
import { startOrasClient, type OrasClient } from './oras.ts';

let server: RunningServer | undefined;
let dataDir: string;
let host: string;
let url: string;
let admin: string;
let publishDemo: string;
let readOnly: string;
let helm: HelmClient | undefined;
let oras: OrasClient | undefined;
let kubeconfig: string;
const namespace = uniqueNamespace('helm-oci');
/** `helm package` outputs by version. */
const packaged: Record<string, Buffer> = {};

const runHelm = (args: string[]) => helm!.run(args);
const runOras = (args: string[]) => oras!.run(args);

async function startRegistry(opts: { private?: boolean } = {}): Promise<{ server: RunningServer; dataDir: string; host: string; url: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'velahub-oci-clients-'));
  const s = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, private: opts.private, logger: pino({ level: 'silent' }), say: () => {} });
  const h = `127.0.0.1:${(s.server.address() as { port: number }).port}`;
  return { server: s, dataDir: dir, host: h, url: `http://${h}` };
}

async function packageVersion(version: string, values?: string): Promise<Buffer> {
  const chartYaml = join(helm!.work, 'demo', 'Chart.yaml');
  await writeFile(chartYaml, (await readFile(chartYaml, 'utf8')).replace(/^version: .*$/m, `version: ${version}`));
  if (values !== undefined) await writeFile(join(helm!.work, 'demo', 'values.yaml'), values);
  const dest = join(helm!.work, 'packaged', values === undefined ? 'plain' : 'changed');
  await runHelm(['package', 'demo', '--destination', dest]);
  return readFile(join(dest, `demo-${version}.tgz`));
}

before(async () => {
  ({ server, dataDir, host, url } = await startRegistry());
  admin = server.generatedAdminToken!;
  publishDemo = (await createToken(server.registry.store, { scope: 'publish', pattern: 'demo' })).token;
  readOnly = (await createToken(server.registry.store, { scope: 'read' })).token;
  helm = await startHelmClient({ prefix: 'velahub-helm-oci-', timeoutMs: 120_000 });
  oras = await startOrasClient({ prefix: 'velahub-oras-', timeoutMs: 120_000 });
  await runHelm(['create', 'demo']);
  for (const version of ['0.1.0', '0.2.0', '0.3.0']) packaged[version] = await packageVersion(version);
  const [kc] = await testClusters(1);
  await ensureNamespace(kc!, namespace);
  kubeconfig = join(helm.work, 'kubeconfig.json');
  await writeFile(kubeconfig, kc!.exportConfig(), { mode: 0o600 });
}, { timeout: 30 * 60_000 });

after(async () => {
  await helm?.close();
  await oras?.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('helm v3 over OCI', () => {
  test('helm push without logging in is refused: the registry asks for a token', async () => {
    await assert.rejects(runHelm(['push', join(helm!.work, 'packaged', 'plain', 'demo-0.1.0.tgz'), `oci://${host}/charts`, '--plain-http']), /401|unauthorized/i);
    assert.equal((await server!.registry.charts.versions('demo')).length, 0);
  });

  test('helm registry login with a read token, then push: denied, naming the token\'s scope', async () => {
    await runHelm(['registry', 'login', host, '--plain-http', '-u', 'velahub', '-p', readOnly]);
    await assert.rejects(runHelm(['push', join(helm!.work, 'packaged', 'plain', 'demo-0.1.0.tgz'), `oci://${host}/charts`, '--plain-http']), /403|denied|may not push/i);
  });

  test('helm registry login with a publish token (HTTP Basic on /v2/, then the token flow)', async () => {
    const { stdout, stderr } = await runHelm(['registry', 'login', host, '--plain-http', '-u', 'velahub', '-p', publishDemo]);
    assert.match(stdout + stderr, /Login Succeeded/);
  });

  test('helm push oci:// of two versions: each is a chart version in /helm/index.yaml and the API, digest = the archive\'s', async () => {
    for (const version of ['0.1.0', '0.2.0']) {
      const { stdout, stderr } = await runHelm(['push', join(helm!.work, 'packaged', 'plain', `demo-${version}.tgz`), `oci://${host}/charts`, '--plain-http']);
      assert.match(stdout + stderr, new RegExp(`Pushed: ${host}/charts/demo:${version.replace(/\./g, '\\.')}`));
      const v = (await (await fetch(`${url}/api/v1/charts/demo/versions/${version}`)).json()) as { digest: string };
      assert.equal(v.digest, sha256(packaged[version]!));
    }
    const index = parse(await (await fetch(`${url}/helm/index.yaml`)).text()) as { entries: Record<string, Array<{ version: string; digest: string }>> };
    assert.deepEqual(index.entries.demo!.map((e) => [e.version, `sha256:${e.digest}`]), [['0.2.0', sha256(packaged['0.2.0']!)], ['0.1.0', sha256(packaged['0.1.0']!)]]);
  });

  test('the same archive again is accepted; other content under the same version is refused as immutable', async () => {
    await runHelm(['push', join(helm!.work, 'packaged', 'plain', 'demo-0.1.0.tgz'), `oci://${host}/charts`, '--plain-http']);
    const changed = await packageVersion('0.1.0', 'replicaCount: 3\n');
    assert.notEqual(sha256(changed), sha256(packaged['0.1.0']!));
    await assert.rejects(runHelm(['push', join(helm!.work, 'packaged', 'changed', 'demo-0.1.0.tgz'), `oci://${host}/charts`, '--plain-http']), /immutable/);
    const v = (await (await fetch(`${url}/api/v1/charts/demo/versions/0.1.0`)).json()) as { digest: string };
    assert.equal(v.digest, sha256(packaged['0.1.0']!), 'the stored version is unchanged');
  });

  test('a version uploaded through the ChartMuseum API is pulled over OCI byte for byte (helm pull oci://)', async () => {
    const form = new FormData();
    form.append('chart', new Blob([new Uint8Array(packaged['0.3.0']!)], { type: 'application/gzip' }), 'chart.tgz');
    const up = await fetch(`${url}/helm/api/charts`, { method: 'POST', body: form, headers: { authorization: `Bearer ${admin}` } });
    assert.equal(up.status, 201, await up.text());
    const dest = join(helm!.work, 'pulled');
    await mkdir(dest, { recursive: true });
    for (const version of ['0.3.0', '0.1.0']) {
      await runHelm(['pull', `oci://${host}/charts/demo`, '--version', version, '--destination', dest, '--plain-http']);
      assert.equal(sha256(await readFile(join(dest, `demo-${version}.tgz`))), sha256(packaged[version]!));
    }
    assert.deepEqual((await readdir(dest)).sort(), ['demo-0.1.0.tgz', 'demo-0.3.0.tgz']);
  });

  test('helm show values oci:// prints the chart\'s values.yaml', async () => {
    const { stdout } = await runHelm(['show', 'values', `oci://${host}/charts/demo`, '--version', '0.2.0', '--plain-http']);
    assert.match(stdout, /^replicaCount: 1$/m);
    assert.match(stdout, /^image:\n {2}repository: nginx$/m);
  });

  test('helm install --dry-run=server oci:// against the test API server', async () => {
    const { stdout } = await runHelm(['install', 'shop', `oci://${host}/charts/demo`, '--version', '0.2.0', '--dry-run=server', '--plain-http', '--namespace', namespace, '--kubeconfig', kubeconfig]);
    assert.match(stdout, /^STATUS: pending-install$/m);
    assert.match(stdout, /helm\.sh\/chart: demo-0\.2\.0/);
  });
});

describe('oras v1.3.6 over OCI', () => {
  test('oras login, push of a chart with Helm\'s media types: a chart version like any upload', async () => {
    await runOras(['login', host, '--plain-http', '-u', 'velahub', '-p', publishDemo]);
    const work = oras!.work;
    const archive = await packageVersion('0.4.0');
    await writeFile(join(work, 'demo-0.4.0.tgz'), archive);
    await writeFile(join(work, 'config.json'), JSON.stringify({ apiVersion: 'v2', name: 'demo', version: '0.4.0', type: 'application' }));
    await runOras(['push', `${host}/charts/demo:0.4.0`, '--plain-http', '--config', 'config.json:application/vnd.cncf.helm.config.v1+json', 'demo-0.4.0.tgz:application/vnd.cncf.helm.chart.content.v1.tar+gzip']);
    const v = (await (await fetch(`${url}/api/v1/charts/demo/versions/0.4.0`)).json()) as { digest: string };
    assert.equal(v.digest, sha256(archive));
  });

  test('oras manifest fetch + blob fetch of a chart pushed by helm: the archive as helm package wrote it', async () => {
    // helm's layers carry no file name (title annotation), so `oras pull` skips them: fetch the layer by digest.
    const manifest = JSON.parse((await runOras(['manifest', 'fetch', `${host}/charts/demo:0.2.0`, '--plain-http'])).stdout) as { config: { mediaType: string }; layers: Array<{ mediaType: string; digest: string }> };
    assert.equal(manifest.config.mediaType, 'application/vnd.cncf.helm.config.v1+json');
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), ['application/vnd.cncf.helm.chart.content.v1.tar+gzip']);
    const out = join(oras!.work, 'layer.tgz');
    await runOras(['blob', 'fetch', `${host}/charts/demo@${manifest.layers[0]!.digest}`, '--plain-http', '--output', out]);
    assert.equal(sha256(await readFile(out)), sha256(packaged['0.2.0']!));
  });

  test('oras pull of the chart oras pushed (its layer has a file name): the same bytes', async () => {
    const dest = join(oras!.work, 'pulled');
    await runOras(['pull', `${host}/charts/demo:0.4.0`, '--plain-http', '-o', dest]);
    assert.deepEqual(await readdir(dest), ['demo-0.4.0.tgz']);
    assert.equal(sha256(await readFile(join(dest, 'demo-0.4.0.tgz'))), sha256(await readFile(join(oras!.work, 'demo-0.4.0.tgz'))));
  });

  test('oras push of a chart whose layers are not one chart: refused, nothing stored', async () => {
    await writeFile(join(oras!.work, 'notes.txt'), 'not a chart');
    await writeFile(join(oras!.work, 'config-0.5.0.json'), JSON.stringify({ apiVersion: 'v2', name: 'demo', version: '0.5.0' }));
    await assert.rejects(
      runOras(['push', `${host}/charts/demo:0.5.0`, '--plain-http', '--config', 'config-0.5.0.json:application/vnd.cncf.helm.config.v1+json', 'notes.txt:text/plain']),
      /MANIFEST_INVALID|not one of them/,
    );
    assert.equal(await server!.registry.charts.get('demo', '0.5.0'), undefined);
  });

  test('oras attach a signature to a chart version; oras discover finds it through the referrers API', async () => {
    await runOras(['login', host, '--plain-http', '-u', 'velahub', '-p', admin]);
    await writeFile(join(oras!.work, 'demo.sig'), 'signature bytes');
    await runOras(['attach', `${host}/charts/demo:0.2.0`, '--plain-http', '--artifact-type', 'application/vnd.example.signature', 'demo.sig:application/octet-stream']);
    const { stdout } = await runOras(['discover', `${host}/charts/demo:0.2.0`, '--plain-http', '--format', 'json']);
    const found = JSON.parse(stdout) as { referrers?: Array<{ artifactType: string }>; manifests?: Array<{ artifactType: string }> };
    const list = found.referrers ?? found.manifests ?? [];
    assert.deepEqual(list.map((r) => r.artifactType), ['application/vnd.example.signature']);
  });

  test('oras manifest delete of a chart version (admin): the chart version is deleted, as the template center deletes', async () => {
    await runOras(['manifest', 'delete', `${host}/charts/demo:0.3.0`, '--plain-http', '--force']);
    assert.equal((await fetch(`${url}/api/v1/charts/demo/versions/0.3.0`)).status, 404);
    assert.ok(!(await (await fetch(`${url}/helm/index.yaml`)).text()).includes('version: 0.3.0'));
    await assert.rejects(runOras(['manifest', 'fetch', `${host}/charts/demo:0.3.0`, '--plain-http']), /not found|MANIFEST_UNKNOWN/i);
  });
});

describe('a private registry over OCI (velahub serve --private)', () => {
  let priv: Awaited<ReturnType<typeof startRegistry>> | undefined;
  before(async () => {
    priv = await startRegistry({ private: true });
    const form = new FormData();
    form.append('chart', new Blob([new Uint8Array(packaged['0.2.0']!)], { type: 'application/gzip' }), 'chart.tgz');
    const up = await fetch(`${priv.url}/helm/api/charts`, { method: 'POST', body: form, headers: { authorization: `Bearer ${priv.server.generatedAdminToken}` } });
    assert.equal(up.status, 201, await up.text());
  });
  after(async () => {
    await priv?.server.close();
    if (priv) await rm(priv.dataDir, { recursive: true, force: true });
  });

  test('helm pull without logging in: 401; after helm registry login with a read token: the uploaded bytes', async () => {
    const dest = join(helm!.work, 'private');
    await mkdir(dest, { recursive: true });
    const fresh = await startHelmClient({ prefix: 'velahub-helm-oci-private-', timeoutMs: 120_000 });
    try {
      await assert.rejects(fresh.run(['pull', `oci://${priv!.host}/charts/demo`, '--version', '0.2.0', '--destination', dest, '--plain-http']), /401|unauthorized/i);
      const read = (await createToken(priv!.server.registry.store, { scope: 'read' })).token;
      await fresh.run(['registry', 'login', priv!.host, '--plain-http', '-u', 'velahub', '-p', read]);
      await fresh.run(['pull', `oci://${priv!.host}/charts/demo`, '--version', '0.2.0', '--destination', dest, '--plain-http']);
      assert.equal(sha256(await readFile(join(dest, 'demo-0.2.0.tgz'))), sha256(packaged['0.2.0']!));
    } finally {
      await fresh.close();
    }
  });
});

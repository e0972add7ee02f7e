/**
 * Flux reads the template center over OCI: the real source-controller v1.7.0 and helm-controller
 * v1.4.0 (Flux 2.7, built from their modules, running out of cluster against a test API server)
 * with a `HelmRepository` of `type: oci` and a `HelmChart` from it, an `OCIRepository` of a
 * chart's tag selecting Helm's chart layer, and a HelmRelease installing the chart from it. One chart version was uploaded through the ChartMuseum API, the other pushed over
 * OCI: both are read. A private registry is read with a docker-config Secret holding a read token
 * (Flux then goes through the Bearer token flow); without it the OCIRepository fails. The bundled
 * helm-component, rendered by the CUE evaluator with `insecure` and `fluxAPI: v2`, installs a chart
 * from the plain-HTTP registry through its own HelmRepository and HelmRelease.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { sha256 } from '../../core/package/archive.ts';
import { helmChartLayerType, helmConfigType, ociManifestType } from '../../core/oci/manifest.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { startServer, type RunningServer } from '../../registry/server.ts';
import { createToken } from '../../registry/tokens.ts';
import { testClusters } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { ensureFlux, startFlux, type RunningFlux } from '../cluster/flux.ts';
import { ctx, Definition, fileEvaluator, objectsOf } from '../addons/support.ts';
import { chartArchive } from '../support/charts.ts';
import { eventually } from '../support/eventually.ts';

const T = { timeout: 600_000 };
const cue = fileEvaluator();
const source = 'source.toolkit.fluxcd.io/v1';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
const conditionOf = (o: KubeObject | undefined, type: string): Condition | undefined => ((o as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions ?? []).find((c) => c.type === type);
const artifactOf = (o: KubeObject | undefined) => (o as { status?: { artifact?: { revision: string; digest: string; size: number } } } | undefined)?.status?.artifact;

async function startRegistry(opts: { private?: boolean } = {}): Promise<{ server: RunningServer; dir: string; host: string; admin: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'velahub-flux-oci-'));
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, private: opts.private, logger: pino({ level: 'silent' }), say: () => {} });
  return { server, dir, host: `127.0.0.1:${(server.server.address() as { port: number }).port}`, admin: server.generatedAdminToken! };
}

/** Uploads a chart through the ChartMuseum API. */
async function upload(host: string, admin: string, archive: Buffer): Promise<void> {
  const res = await fetch(`http://${host}/helm/api/charts`, { method: 'POST', body: new Uint8Array(archive), headers: { 'content-type': 'application/gzip', authorization: `Bearer ${admin}` } });
  assert.equal(res.status, 201, await res.text());
}

/** Pushes a chart over the OCI API as helm push does: config and layer blobs, then the manifest tagged with the version. */
async function ociPush(host: string, admin: string, name: string, version: string, archive: Buffer): Promise<string> {
  const auth = { authorization: `Bearer ${admin}` };
  const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', name, version, type: 'application' }));
  for (const blob of [config, archive]) {
    const res = await fetch(`http://${host}/v2/charts/${name}/blobs/uploads/?digest=${sha256(blob)}`, { method: 'POST', body: new Uint8Array(blob), headers: { ...auth, 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201, await res.text());
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: ociManifestType,
    config: { mediaType: helmConfigType, digest: sha256(config), size: config.length },
    layers: [{ mediaType: helmChartLayerType, digest: sha256(archive), size: archive.length }],
  });
  const res = await fetch(`http://${host}/v2/charts/${name}/manifests/${version}`, { method: 'PUT', body: manifest, headers: { ...auth, 'content-type': ociManifestType } });
  assert.equal(res.status, 201, await res.text());
  return res.headers.get('docker-content-digest')!;
}

describe('Flux reads charts of the template center over OCI (real source-controller)', () => {
  let kube: Kube;
  let flux: RunningFlux;
  let work: string;
  let ns: string;
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  const uploaded = chartArchive('web-shop', '1.0.0');
  const pushed = chartArchive('web-shop', '1.1.0');

  before(async () => {
    const [kc] = await testClusters(1);
    kube = new Kube(kc!);
    work = await mkdtemp(join(tmpdir(), 'velahub-flux-oci-kube-'));
    const kubeconfig = join(work, 'kubeconfig.json');
    await writeFile(kubeconfig, kc!.exportConfig(), { mode: 0o600 });
    reg = await startRegistry();
    flux = await startFlux(kc!, kubeconfig, await ensureFlux());
    ns = uniqueNamespace('flux-oci');
    await ensureNamespace(kc!, ns);
    await upload(reg.host, reg.admin, uploaded);
    await ociPush(reg.host, reg.admin, 'web-shop', '1.1.0', pushed);
  }, { timeout: 30 * 60_000 });
  after(async () => {
    await flux?.stop();
    await reg?.server.close();
    if (reg) await rm(reg.dir, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a HelmRepository of type oci and a HelmChart of each version: Ready, each artifact the chart version', T, async () => {
    await kube.apply({ apiVersion: source, kind: 'HelmRepository', metadata: { name: 'template-center', namespace: ns }, spec: { type: 'oci', url: `oci://${reg.host}/charts`, insecure: true, interval: '1m' } } as KubeObject);
    for (const [version, archive] of [['1.0.0', uploaded], ['1.1.0', pushed]] as const) {
      const name = `web-shop-${version.replace(/\./g, '-')}`;
      await kube.apply({ apiVersion: source, kind: 'HelmChart', metadata: { name, namespace: ns }, spec: { chart: 'web-shop', version, sourceRef: { kind: 'HelmRepository', name: 'template-center' }, interval: '1m' } } as KubeObject);
      const chart = await eventually(`HelmChart ${name} Ready`, async () => {
        const c = await kube.get({ apiVersion: source, kind: 'HelmChart', metadata: { name, namespace: ns } });
        const ready = conditionOf(c, 'Ready');
        if (ready?.status === 'False' && ready.reason !== 'Progressing' && /401|403|404|not found|denied/i.test(ready.message ?? '')) throw new Error(`${ready.reason}: ${ready.message}\n${await flux.logTail('source-controller', 10)}`);
        return ready?.status === 'True' ? c : undefined;
      });
      assert.equal(artifactOf(chart)?.revision, version);
      assert.equal(artifactOf(chart)?.size, archive.length, 'the artifact is the archive as stored');
    }
  });

  test('an OCIRepository of a chart tag selecting Helm\'s chart layer: Ready at the tag and manifest digest, the layer copied as is', T, async () => {
    const manifest = await fetch(`http://${reg.host}/v2/charts/web-shop/manifests/1.0.0`, { method: 'HEAD' });
    const digest = manifest.headers.get('docker-content-digest')!;
    await kube.apply({
      apiVersion: source,
      kind: 'OCIRepository',
      metadata: { name: 'web-shop', namespace: ns },
      spec: { url: `oci://${reg.host}/charts/web-shop`, ref: { tag: '1.0.0' }, insecure: true, interval: '1m', layerSelector: { mediaType: helmChartLayerType, operation: 'copy' } },
    } as KubeObject);
    const repo = await eventually('OCIRepository web-shop Ready', async () => {
      const r = await kube.get({ apiVersion: source, kind: 'OCIRepository', metadata: { name: 'web-shop', namespace: ns } });
      return conditionOf(r, 'Ready')?.status === 'True' ? r : undefined;
    });
    assert.equal(artifactOf(repo)?.revision, `1.0.0@${digest}`);
    assert.equal(artifactOf(repo)?.digest, sha256(uploaded), 'the copied layer is the uploaded archive');
  });

  test('a HelmRelease whose chartRef is that OCIRepository: helm-controller installs the chart (its ConfigMap, with the chart\'s values)', T, async () => {
    await kube.apply({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'shop', namespace: ns },
      spec: { interval: '1m', timeout: '2m', chartRef: { kind: 'OCIRepository', name: 'web-shop' }, values: { message: 'from OCI' } },
    } as KubeObject);
    await eventually('HelmRelease shop Ready', async () => {
      const hr = await kube.get({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'shop', namespace: ns } });
      const ready = conditionOf(hr, 'Ready');
      if (ready?.status === 'False' && ready.reason !== 'Progressing' && ready.reason !== 'DependencyNotReady') throw new Error(`${ready.reason}: ${ready.message}\n${await flux.logTail('helm-controller', 10)}`);
      return ready?.status === 'True' ? hr : undefined;
    });
    const cm = (await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-web-shop', namespace: ns } })) as unknown as { data?: Record<string, string>; metadata: { labels?: Record<string, string> } } | undefined;
    assert.equal(cm?.data?.message, 'from OCI');
    assert.equal(cm?.metadata.labels?.['app.kubernetes.io/name'], 'web-shop');
  });

  test('helm-component with insecure and fluxAPI v2: its HelmRepository (type oci) and HelmRelease install the chart pushed over OCI', T, async () => {
    const def = await Definition.load(cue, 'helm-component');
    const r = await def.render({ url: `oci://${reg.host}/charts`, chart: 'web-shop', version: '1.1.0', insecure: true, fluxAPI: 'v2', values: { message: 'helm-component over OCI' } }, ctx('shop-oci', ns));
    // KubeVela puts the workload into the application's namespace; the definition leaves it out.
    for (const o of objectsOf(r)) await kube.apply({ ...o, metadata: { namespace: ns, ...o.metadata } } as KubeObject);
    const objects = [
      { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'shop-oci', namespace: ns } },
      { apiVersion: source, kind: 'HelmRepository', metadata: { name: 'shop-oci-repo', namespace: ns } },
      { apiVersion: source, kind: 'HelmChart', metadata: { name: `${ns}-shop-oci`, namespace: ns } },
    ];
    try {
      await eventually('HelmRelease shop-oci Ready', async () => {
        const ready = conditionOf(await kube.get(objects[0]!), 'Ready');
        return ready?.status === 'True' ? ready : undefined;
      });
    } catch (err) {
      // What each Flux object says, and the controllers' last words, are what explains a timeout.
      const states = await Promise.all(objects.map(async (o) => `${o.kind}: ${JSON.stringify(conditionOf(await kube.get(o), 'Ready'))}`));
      throw new Error(`${(err as Error).message}\n${states.join('\n')}\n${await flux.logTail('source-controller', 10)}\n${await flux.logTail('helm-controller', 10)}`);
    }
    const chart = await kube.get({ apiVersion: source, kind: 'HelmChart', metadata: { name: `${ns}-shop-oci`, namespace: ns } });
    assert.equal(artifactOf(chart)?.revision, '1.1.0');
    const cm = (await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-oci-web-shop', namespace: ns } })) as unknown as { data?: Record<string, string> } | undefined;
    assert.equal(cm?.data?.message, 'helm-component over OCI');
  });

  test('a private registry: an OCIRepository with a docker-config Secret holding a read token is Ready; one without fails with 401', T, async () => {
    const priv = await startRegistry({ private: true });
    try {
      await upload(priv.host, priv.admin, uploaded);
      const read = (await createToken(priv.server.registry.store, { scope: 'read' })).token;
      const dockerConfig = JSON.stringify({ auths: { [priv.host]: { username: 'velahub', password: read, auth: Buffer.from(`velahub:${read}`).toString('base64') } } });
      await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'template-center-read', namespace: ns }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': dockerConfig } } as unknown as KubeObject);
      const spec = { url: `oci://${priv.host}/charts/web-shop`, ref: { tag: '1.0.0' }, insecure: true, interval: '1m', layerSelector: { mediaType: helmChartLayerType, operation: 'copy' } };
      await kube.apply({ apiVersion: source, kind: 'OCIRepository', metadata: { name: 'private-read', namespace: ns }, spec: { ...spec, secretRef: { name: 'template-center-read' } } } as KubeObject);
      await kube.apply({ apiVersion: source, kind: 'OCIRepository', metadata: { name: 'private-none', namespace: ns }, spec } as KubeObject);
      const ok = await eventually('OCIRepository private-read Ready', async () => {
        const r = await kube.get({ apiVersion: source, kind: 'OCIRepository', metadata: { name: 'private-read', namespace: ns } });
        return conditionOf(r, 'Ready')?.status === 'True' ? r : undefined;
      });
      assert.equal(artifactOf(ok)?.digest, sha256(uploaded));
      const refused = await eventually('OCIRepository private-none failing', async () => {
        const r = await kube.get({ apiVersion: source, kind: 'OCIRepository', metadata: { name: 'private-none', namespace: ns } });
        const ready = conditionOf(r, 'Ready');
        return ready?.status === 'False' && ready.reason !== 'Progressing' ? ready : undefined;
      });
      assert.match(refused.message ?? '', /401|UNAUTHORIZED|unauthorized/);
    } finally {
      await priv.server.close();
      await rm(priv.dir, { recursive: true, force: true });
    }
  });
});

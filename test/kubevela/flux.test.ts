/**
 * A chart of velahub's template center becomes running workloads through the real Flux
 * (source-controller v1.7.0, helm-controller v1.4.0, built from their modules) on the cluster that
 * runs Pods: a HelmRepository on velahub's `/helm`, a HelmRelease of the chart → Ready, the
 * Deployment's Pods Running on the kwok node; a new chart version pushed and the release's version
 * bumped → Flux upgrades it; the HelmRelease deleted → Helm uninstalls, nothing of it left. A
 * private velahub is read with a Basic-auth `secretRef` holding a read token.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { kubeVelaCluster, type KubeVelaTestCluster } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { ensureFlux, startFlux, type RunningFlux } from '../cluster/flux.ts';
import { FAKE_NODE } from '../cluster/workloads.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { chartArchive } from '../support/charts.ts';
import { eventually } from '../support/eventually.ts';
import { startTestRegistry, type TestRegistry } from '../support/installer-registry.ts';
import { startServer } from '../../registry/server.ts';
import { createToken } from '../../registry/tokens.ts';

const T = { timeout: 600_000 };

/** A web shop chart: a Deployment of `replicas` Pods and a Service, image tag from the values. */
function webShop(version: string, tag: string): Buffer {
  return chartArchive('web-shop', version, {
    'values.yaml': `replicaCount: 2\nimage:\n  repository: nginx\n  tag: "${tag}"\n`,
    'templates/configmap.yaml': null,
    'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: { app: {{ .Release.Name }} }
spec:
  replicas: {{ .Values.replicaCount }}
  selector: { matchLabels: { app: {{ .Release.Name }} } }
  template:
    metadata: { labels: { app: {{ .Release.Name }} } }
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports: [{ containerPort: 80 }]
`,
    'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector: { app: {{ .Release.Name }} }
  ports: [{ port: 80, targetPort: 80 }]
`,
  });
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The image of the first container of a Deployment or a Pod. */
const imageOf = (o: KubeObject | undefined): string | undefined => {
  const spec = (o as unknown as { spec?: { containers?: Array<{ image: string }>; template?: { spec: { containers: Array<{ image: string }> } } } } | undefined)?.spec;
  return (spec?.template?.spec.containers ?? spec?.containers)?.[0]?.image;
};

const conditionOf = (o: KubeObject | undefined, type: string): Condition | undefined => ((o as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions ?? []).find((c) => c.type === type);

describe('Flux installs charts of the template center (real source- and helm-controller)', () => {
  let cluster: KubeVelaTestCluster;
  let registry: TestRegistry;
  let flux: RunningFlux;
  let kube: Kube;
  let ns: string;

  const push = async (archive: Buffer): Promise<void> => {
    const res = await fetch(`${registry.url}/helm/api/charts`, { method: 'POST', body: new Uint8Array(archive), headers: { 'content-type': 'application/gzip', authorization: `Bearer ${registry.server.generatedAdminToken}` } });
    assert.ok(res.ok, `chart upload answered HTTP ${res.status}: ${await res.text()}`);
  };
  const release = (): Promise<KubeObject | undefined> => kube.get({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'shop', namespace: ns } });
  const applyRelease = (version: string): Promise<KubeObject> =>
    kube.apply({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'shop', namespace: ns },
      spec: { interval: '1m', timeout: '2m', chart: { spec: { chart: 'web-shop', version, sourceRef: { kind: 'HelmRepository', name: 'template-center' }, interval: '1m' } } },
    } as KubeObject);
  /** Waits until the release is Ready at `version`, naming the controllers' view when it is not. */
  const readyAt = async (version: string): Promise<KubeObject> =>
    eventually(`HelmRelease shop Ready at web-shop ${version}`, async () => {
      const hr = await release();
      const ready = conditionOf(hr, 'Ready');
      const at = (hr as { status?: { lastAttemptedRevision?: string } } | undefined)?.status?.lastAttemptedRevision;
      if (ready?.status === 'False' && at === version && ready.reason !== 'Progressing') throw new Error(`${ready.reason}: ${ready.message}\n${await flux.logTail('helm-controller', 10)}`);
      return ready?.status === 'True' && at === version ? hr : undefined;
    });
  const runningPods = async (): Promise<KubeObject[]> => (await kube.list('v1', 'Pod', ns, 'app=shop')).filter((p) => (p as { status?: { phase?: string } }).status?.phase === 'Running' && !p.metadata.deletionTimestamp);

  before(async () => {
    [cluster, registry] = await Promise.all([kubeVelaCluster(), startTestRegistry({ seed: false })]);
    kube = new Kube(cluster.kc);
    flux = await startFlux(cluster.kc, cluster.kubeconfigPath, await ensureFlux());
    ns = uniqueNamespace('flux');
    await ensureNamespace(cluster.kc, ns);
  });
  after(async () => {
    await flux?.stop();
    await registry?.close();
  });

  test('a HelmRepository on velahub /helm is Ready and lists the pushed chart', T, async () => {
    await push(webShop('1.0.0', '1.27'));
    await kube.apply({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'template-center', namespace: ns }, spec: { url: `${registry.url}/helm`, interval: '1m' } } as KubeObject);
    const repo = await eventually('HelmRepository template-center Ready', async () => {
      const r = await kube.get({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'template-center', namespace: ns } });
      return conditionOf(r, 'Ready')?.status === 'True' ? r : undefined;
    });
    assert.match(conditionOf(repo, 'Ready')!.message ?? '', /stored artifact/);
  });

  test('a HelmRelease of the chart installs it: Ready, both Pods Running on the kwok node, the Service there', T, async () => {
    await applyRelease('1.0.0');
    await readyAt('1.0.0');
    const pods = await eventually('2 Pods of shop Running', async () => ((await runningPods()).length === 2 ? runningPods() : undefined));
    assert.deepEqual(pods.map((p) => (p as unknown as { spec: { nodeName?: string } }).spec.nodeName), [FAKE_NODE, FAKE_NODE]);
    assert.ok(await kube.get({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace: ns } }), 'the chart\'s Service exists');
  });

  test('a new chart version pushed and the release bumped: Flux upgrades, the Pods run the new image', T, async () => {
    await push(webShop('1.1.0', '1.28'));
    await applyRelease('1.1.0');
    await readyAt('1.1.0');
    const deployment = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace: ns } });
    assert.equal(imageOf(deployment), 'nginx:1.28');
    await eventually('2 Pods of shop Running nginx:1.28', async () => {
      const pods = await runningPods();
      return pods.length === 2 && pods.every((p) => imageOf(p) === 'nginx:1.28') ? pods : undefined;
    });
  });

  test('the release set back to 1.0.0: Flux rolls the chart back to the old image', T, async () => {
    await applyRelease('1.0.0');
    await readyAt('1.0.0');
    const deployment = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace: ns } });
    assert.equal(imageOf(deployment), 'nginx:1.27');
  });

  test('the HelmRelease deleted: Helm uninstalls, no Deployment, Service or Pod of it left', T, async () => {
    await kube.delete({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'shop', namespace: ns } });
    await eventually('nothing of shop left', async () => {
      const left = [
        await release(),
        await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace: ns } }),
        await kube.get({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace: ns } }),
        ...(await kube.list('v1', 'Pod', ns, 'app=shop')),
      ].filter(Boolean);
      return left.length === 0 ? true : undefined;
    });
  });

  test('a private template center: a HelmRepository whose secretRef holds a read token as Basic password is Ready; one without it fails with 401', T, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'velahub-private-flux-'));
    const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, private: true, logger: pino({ level: 'silent' }), say: () => {} });
    try {
      const url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
      const res = await fetch(`${url}/helm/api/charts`, { method: 'POST', body: new Uint8Array(webShop('1.0.0', '1.27')), headers: { 'content-type': 'application/gzip', authorization: `Bearer ${server.generatedAdminToken}` } });
      assert.equal(res.status, 201, await res.text());
      const read = (await createToken(server.registry.store, { scope: 'read' })).token;
      await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'template-center-read', namespace: ns }, type: 'Opaque', stringData: { username: 'velahub', password: read } } as unknown as KubeObject);
      const repository = (name: string, secret?: string): KubeObject =>
        ({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name, namespace: ns }, spec: { url: `${url}/helm`, interval: '1m', ...(secret ? { secretRef: { name: secret } } : {}) } }) as KubeObject;
      await kube.apply(repository('private-center', 'template-center-read'));
      await kube.apply(repository('private-anonymous'));
      const get = (name: string) => kube.get({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name, namespace: ns } });
      const ready = await eventually('HelmRepository private-center Ready', async () => (conditionOf(await get('private-center'), 'Ready')?.status === 'True' ? get('private-center') : undefined));
      assert.match(conditionOf(ready, 'Ready')!.message ?? '', /stored artifact/);
      const refused = await eventually('HelmRepository private-anonymous failed', async () => {
        const c = conditionOf(await get('private-anonymous'), 'Ready');
        return c?.status === 'False' && c.reason !== 'Progressing' ? c : undefined;
      });
      assert.match(refused.message ?? '', /401 Unauthorized/, JSON.stringify(refused));
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});


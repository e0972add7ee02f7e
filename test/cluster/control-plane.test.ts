/**
 * What the installer tests may rely on: the test clusters are real API servers, with real
 * validation, server-side apply and version reporting, and two of them do not share state.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
} from '@kubernetes/client-node';
import { ensureBinaries, KUBERNETES_VERSION } from './build.ts';
import { crd, int, obj, str, version } from './crds/schema.ts';
import { testClusters } from './env.ts';
import { ensureNamespace, installCrds, uniqueNamespace } from './fixtures.ts';
import { VELA_SYSTEM } from './kubevela.ts';

const run = promisify(execFile);
const T = { timeout: 30_000 };

/** The status code and text of a failed client-node call, for asserting on. */
function apiError(err: unknown): { code: number; text: string } {
  assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`);
  // client-node hands over the Status as JSON text; its message is what kubectl would print.
  const status = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string } | undefined;
  return { code: err.code, text: status?.message ?? '' };
}

describe('test control plane', () => {
  let a: KubeConfig;
  let b: KubeConfig;
  let ns: string;

  before(async () => {
    [a, b] = (await testClusters(2)) as [KubeConfig, KubeConfig];
    ns = uniqueNamespace('control-plane');
    await ensureNamespace(a, ns);
  });

  it('reports the Kubernetes version it was built from on /version', T, async () => {
    const info = await a.makeApiClient(VersionApi).getCode();
    assert.equal(info.gitVersion, KUBERNETES_VERSION);
    assert.equal(`v${info.major}.${info.minor}`, KUBERNETES_VERSION.split('.').slice(0, 2).join('.'));
  });

  describe('a CRD applied at run time', () => {
    // Cluster-scoped, so the group is unique per run: a rerun against the same cluster starts clean.
    const group = `${uniqueNamespace('cp')}.velahub.test`;
    const widgets = crd({
      group,
      kind: 'Widget',
      plural: 'widgets',
      versions: [version('v1', obj({ size: int(undefined, { minimum: 1 }), color: str() }, ['size']), obj({}))],
    });
    const objects = (): KubernetesObjectApi => KubernetesObjectApi.makeApiClient(a);
    const widget = (name: string, spec: object): KubernetesObject & { spec: object } => ({
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name, namespace: ns },
      spec,
    });

    before(() => installCrds(a, [widgets]));

    it('is served once Established, and server-side apply records the field manager', T, async () => {
      const applied = await objects().patch(widget('w1', { size: 3 }), undefined, undefined, 'velahub-test', false, PatchStrategy.ServerSideApply);
      assert.deepEqual((applied as { spec?: unknown }).spec, { size: 3 });
      assert.deepEqual(applied.metadata?.managedFields?.map((f) => [f.manager, f.operation]), [['velahub-test', 'Apply']]);
    });

    it('reports a 409 conflict when another manager applies a field it does not own', T, async () => {
      await objects().patch(widget('w2', { size: 3 }), undefined, undefined, 'velahub-test', false, PatchStrategy.ServerSideApply);
      const err = await objects()
        .patch(widget('w2', { size: 4 }), undefined, undefined, 'someone-else', false, PatchStrategy.ServerSideApply)
        .catch((e: unknown) => e);
      const { code, text } = apiError(err);
      assert.equal(code, 409);
      assert.match(text, /conflict.*velahub-test/i);
    });

    it('validates objects against the CRD schema (422)', T, async () => {
      const err = await objects()
        .patch(widget('w3', { size: 0 }), undefined, undefined, 'velahub-test', false, PatchStrategy.ServerSideApply)
        .catch((e: unknown) => e);
      const { code, text } = apiError(err);
      assert.equal(code, 422);
      assert.match(text, /spec\.size/);
    });
  });

  it('rejects a Service port of 70000 with a 422 naming the port', T, async () => {
    const err = await a
      .makeApiClient(CoreV1Api)
      .createNamespacedService({ namespace: ns, body: { metadata: { name: 'bad-port' }, spec: { ports: [{ port: 70000 }] } } })
      .catch((e: unknown) => e);
    const { code, text } = apiError(err);
    assert.equal(code, 422);
    assert.match(text, /spec\.ports\[0\]\.port/);
    assert.match(text, /70000/);
  });

  it("comes with KubeVela's CRDs and its chart's vela-core Deployment in vela-system", T, async () => {
    const list = await a
      .makeApiClient(AppsV1Api)
      .listNamespacedDeployment({ namespace: VELA_SYSTEM, labelSelector: 'controller.oam.dev/name=vela-core' });
    const image = list.items[0]?.spec?.template.spec?.containers.find((c) => c.name === 'kubevela')?.image;
    assert.match(image ?? '', /^oamdev\/vela-core:v\d+\.\d+\.\d+$/);

    const app = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'hello', namespace: ns },
      spec: { components: [{ name: 'web', type: 'webservice', properties: { image: 'nginx', anything: { goes: true } } }] },
    };
    const applied = (await KubernetesObjectApi.makeApiClient(a).patch(
      app, undefined, undefined, 'velahub-test', false, PatchStrategy.ServerSideApply,
    )) as typeof app;
    assert.deepEqual(applied.spec.components[0]?.properties, app.spec.components[0]?.properties);
  });

  it('works with the kubectl built alongside it', T, async () => {
    const { kubectl } = await ensureBinaries();
    const dir = await mkdtemp(join(tmpdir(), 'velahub-kubectl-'));
    try {
      const kubeconfig = join(dir, 'config');
      await writeFile(kubeconfig, a.exportConfig(), { mode: 0o600 });

      const version = JSON.parse((await run(kubectl, ['--kubeconfig', kubeconfig, 'version', '-o', 'json'])).stdout) as {
        clientVersion: { gitVersion: string };
        serverVersion: { gitVersion: string };
      };
      assert.equal(version.clientVersion.gitVersion, KUBERNETES_VERSION);
      assert.equal(version.serverVersion.gitVersion, KUBERNETES_VERSION);

      const names = (await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'ns', '-o', 'name'])).stdout.split('\n');
      for (const expected of ['namespace/default', 'namespace/vela-system', `namespace/${ns}`]) assert.ok(names.includes(expected), expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs two clusters that share nothing', T, async () => {
    assert.notEqual(a.getCurrentCluster()?.server, b.getCurrentCluster()?.server);
    const only = uniqueNamespace('only-in-a');
    await ensureNamespace(a, only);
    await a.makeApiClient(CoreV1Api).readNamespace({ name: only });
    const err = await b.makeApiClient(CoreV1Api).readNamespace({ name: only }).catch((e: unknown) => e);
    assert.equal(apiError(err).code, 404);
  });
});

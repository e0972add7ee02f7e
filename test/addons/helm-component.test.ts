/**
 * addons/helm-component: a chart through Flux (HelmRepository + HelmRelease), rendered through
 * the real CUE evaluator and dry-run against a real API server with Flux's CRDs installed; its
 * health policy and custom status evaluated as KubeVela does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addonUnderTest, PLANE_FLUX_API } from './cluster.ts';
import { ctx, dryRun, early, evalStatus, objectsOf, renderEach, renderFails, renderFailsRequired, schemaAcceptsEach, schemaRejects, withPatch, type Obj } from './support.ts';

const { cue, target, ns, def } = await addonUnderTest('helm-component', 'addon-helm');
const context = ctx('charts', ns);

const values = { replicaCount: 2, image: { tag: '6.7.0' }, ingress: { enabled: false }, tolerations: [], ui: { message: 'hi' } };

// The sets other than `minimal` are dry-run on the API-only plane, so they ask for its Flux API (PLANE_FLUX_API).
const params = {
  minimal: { url: 'https://stefanprodan.github.io/podinfo', chart: 'podinfo' },
  // oci:// implies repoType oci.
  oci: { url: 'oci://ghcr.io/stefanprodan/charts', chart: 'podinfo', ...PLANE_FLUX_API },
  every: {
    repoType: 'oci',
    url: 'oci://registry.example.com/charts',
    chart: 'shop',
    version: '>=1.2.0 <2.0.0',
    values,
    releaseName: 'shop-frontend',
    targetNamespace: 'shop',
    createNamespace: false,
    interval: '1h30m',
    secretRef: 'registry-auth',
    insecure: true,
    fluxAPI: 'v2',
  },
  explicitHelm: { repoType: 'helm', url: 'http://charts.internal:8080/stable', chart: 'api', version: '1.x', targetNamespace: 'apps', ...PLANE_FLUX_API },
  v2: { url: 'https://stefanprodan.github.io/podinfo', chart: 'podinfo', fluxAPI: 'v2' },
  tuned: {
    url: 'https://charts.example.com',
    chart: 'shop',
    valuesFrom: [{ kind: 'ConfigMap', name: 'shop-defaults' }, { kind: 'Secret', name: 'shop-db', valuesKey: 'password', targetPath: 'db.password', optional: true }],
    values: { replicaCount: 3 },
    timeout: '10m',
    remediation: { retries: 3 },
    ...PLANE_FLUX_API,
  },
  uninstallOnFailure: { url: 'https://charts.example.com', chart: 'shop', remediation: { retries: -1, strategy: 'uninstall' }, targetNamespace: 'apps', ...PLANE_FLUX_API },
} as const;

const rendered = renderEach(def, params, context);

const sourceRef = { kind: 'HelmRepository', name: 'charts-repo', namespace: ns };

describe('helm-component: rendering', () => {
  test('the parameter sets below are all valid for the published schema', () => schemaAcceptsEach(def, params));

  test('minimal: a HelmRelease (helm.toolkit.fluxcd.io/v2beta1, what the fluxcd addon serves) of the newest chart version from a HelmRepository (v1beta2)', async () => {
    const r = await rendered.minimal;
    assert.equal(r.patch, undefined);
    assert.deepEqual(r.output, {
      apiVersion: 'helm.toolkit.fluxcd.io/v2beta1',
      kind: 'HelmRelease',
      metadata: { name: 'charts' },
      spec: {
        interval: '5m',
        chart: { spec: { chart: 'podinfo', version: '*', sourceRef, interval: '5m' } },
      },
    });
    assert.deepEqual(r.outputs, {
      repository: {
        apiVersion: 'source.toolkit.fluxcd.io/v1beta2',
        kind: 'HelmRepository',
        metadata: { name: 'charts-repo', namespace: ns },
        spec: { url: 'https://stefanprodan.github.io/podinfo', interval: '5m' },
      },
    });
  });

  test('an oci:// URL makes an OCI HelmRepository', async () => {
    const repo = (await rendered.oci).outputs.repository!;
    assert.deepEqual(repo.spec, { url: 'oci://ghcr.io/stefanprodan/charts', interval: '5m', type: 'oci' });
  });

  test('every option: version range, values, release name, target namespace, interval, credentials, plain HTTP', async () => {
    const r = await rendered.every;
    assert.deepEqual(r.output, {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'charts' },
      spec: {
        interval: '1h30m',
        chart: { spec: { chart: 'shop', version: '>=1.2.0 <2.0.0', sourceRef, interval: '1h30m' } },
        releaseName: 'shop-frontend',
        targetNamespace: 'shop',
        install: { createNamespace: false },
        values,
      },
    });
    assert.deepEqual(r.outputs.repository!.spec, { url: 'oci://registry.example.com/charts', interval: '1h30m', type: 'oci', secretRef: { name: 'registry-auth' }, insecure: true });
  });

  test('repoType helm with an http URL; createNamespace defaults to true with a targetNamespace', async () => {
    const r = await rendered.explicitHelm;
    assert.deepEqual(r.outputs.repository!.spec, { url: 'http://charts.internal:8080/stable', interval: '5m' });
    assert.equal(r.output!.spec.targetNamespace, 'apps');
    assert.deepEqual(r.output!.spec.install, { createNamespace: true });
    assert.equal(r.output!.spec.chart.spec.version, '1.x');
  });

  test('fluxAPI v2: the API versions of Flux 2.3 and later, same spec', async () => {
    const [current, old] = await Promise.all([rendered.v2, rendered.minimal]);
    assert.equal(current.output!.apiVersion, 'helm.toolkit.fluxcd.io/v2');
    assert.equal(current.outputs.repository!.apiVersion, 'source.toolkit.fluxcd.io/v1');
    assert.deepEqual(old.output!.spec, current.output!.spec);
    assert.deepEqual(old.outputs.repository!.spec, current.outputs.repository!.spec);
  });

  test('valuesFrom, timeout and remediation: values from a ConfigMap and a Secret key, a Helm timeout, retries then rollback', async () => {
    const r = await rendered.tuned;
    assert.deepEqual(r.output!.spec, {
      interval: '5m',
      chart: { spec: { chart: 'shop', version: '*', sourceRef, interval: '5m' } },
      values: { replicaCount: 3 },
      valuesFrom: [
        { kind: 'ConfigMap', name: 'shop-defaults', valuesKey: 'values.yaml' },
        { kind: 'Secret', name: 'shop-db', valuesKey: 'password', targetPath: 'db.password', optional: true },
      ],
      timeout: '10m',
      install: { remediation: { retries: 3 } },
      upgrade: { remediation: { retries: 3, strategy: 'rollback' } },
    });
    // remediation merges with the install settings of a targetNamespace.
    const u = await rendered.uninstallOnFailure;
    assert.deepEqual(u.output!.spec.install, { createNamespace: true, remediation: { retries: -1 } });
    assert.deepEqual(u.output!.spec.upgrade, { remediation: { retries: -1, strategy: 'uninstall' } });
  });

  test('healthPolicy and customStatus follow the Ready condition of the current generation', async () => {
    const { status } = (await def.info()).attributes as { status: { healthPolicy: string; customStatus: string } };
    const release = (generation: number, st: Obj, version = '6.x'): Obj => ({ metadata: { generation }, spec: { chart: { spec: { chart: 'podinfo', version } } }, status: st });
    const ready = { type: 'Ready', status: 'True', reason: 'InstallSucceeded', message: 'Helm install succeeded' };
    const failed = { type: 'Ready', status: 'False', reason: 'InstallFailed' };
    // What helm-controller v0.36 (the fluxcd addon's) reports: the reason is in Released, not in Ready.
    const exhausted = { type: 'Ready', status: 'False', reason: 'InstallFailed', message: 'install retries exhausted' };
    const refused = { type: 'Released', status: 'False', reason: 'InstallFailed', message: 'Helm install failed: ConfigMap "Not_A_Valid_Name" is invalid' };
    const notReady = { type: 'Ready', status: 'False', reason: 'ArtifactFailed', message: "HelmChart 'default/default-shop' is not ready" };
    const [health, messages] = await Promise.all([
      evalStatus(cue, status.healthPolicy, [
        release(2, { observedGeneration: 2, conditions: [{ type: 'Reconciling', status: 'False' }, ready] }),
        release(2, { observedGeneration: 2, conditions: [failed] }),
        release(3, { observedGeneration: 2, conditions: [ready] }),
        release(1, {}),
      ].map((output) => ({ output }))),
      evalStatus(cue, status.customStatus, [
        release(1, {}),
        release(1, { conditions: [ready], lastAttemptedRevision: '6.7.0' }),
        release(1, { conditions: [ready], lastAttemptedRevision: '6.7.0' }, '6.7.0'),
        release(1, { conditions: [failed] }),
        release(1, { conditions: [exhausted, refused], lastAttemptedRevision: '1.0.0' }, '1.0.0'),
        release(1, { conditions: [notReady] }, '9.9.9'),
      ].map((output) => ({ output }))),
    ]);
    assert.deepEqual(health.map((x) => x.isHealth), [true, false, false, false]);
    assert.deepEqual(messages, [
      { message: 'Waiting for the helm-controller to reconcile the release (chart podinfo 6.x)' },
      { message: 'InstallSucceeded: Helm install succeeded (chart podinfo 6.x; last attempted 6.7.0)' },
      { message: 'InstallSucceeded: Helm install succeeded (chart podinfo 6.7.0)' },
      { message: 'InstallFailed (chart podinfo 6.x)' },
      { message: 'InstallFailed: install retries exhausted: Helm install failed: ConfigMap "Not_A_Valid_Name" is invalid (chart podinfo 1.0.0)' },
      { message: "ArtifactFailed: HelmChart 'default/default-shop' is not ready (chart podinfo 9.9.9)" },
    ]);
  });
});

describe('helm-component: invalid parameters name the parameter', () => {
  const fails = (parameters: unknown) => early(def.render(parameters, context));

  test('missing required: url, chart', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { chart: 'podinfo' }, 'url', 'parameter-required');
    schemaRejects(schema, { url: 'https://charts.example.com' }, 'chart', 'parameter-required');
    await renderFailsRequired(fails({ chart: 'podinfo' }), 'url');
    await renderFailsRequired(fails({ url: 'https://charts.example.com' }), 'chart');
  });

  test('a URL that is neither http(s) nor oci', async () => {
    const p = { url: 'ftp://charts.example.com', chart: 'podinfo' };
    schemaRejects(await def.schema(), p, 'url', 'parameter-pattern');
    await renderFails(fails(p), 'parameter.url');
  });

  test('repoType disagreeing with the URL scheme', async () => {
    await renderFails(fails({ repoType: 'oci', url: 'https://charts.example.com', chart: 'podinfo' }), 'parameter.url', 'oci://');
    await renderFails(fails({ repoType: 'helm', url: 'oci://ghcr.io/charts', chart: 'podinfo' }), 'parameter.url', 'https://');
  });

  test('insecure: only for an OCI registry, and only with fluxAPI v2 (Flux 2.1 has no such field)', async () => {
    await renderFails(fails({ url: 'http://charts.internal:8080', chart: 'podinfo', insecure: true, fluxAPI: 'v2' }), 'parameter.insecure', 'OCI');
    await renderFails(fails({ url: 'oci://charts.internal:8080/charts', chart: 'podinfo', insecure: true }), 'parameter.insecure', 'fluxAPI');
    schemaRejects(await def.schema(), { url: 'oci://charts.internal:8080/charts', chart: 'podinfo', insecure: 'yes' }, 'insecure', 'parameter-type');
  });

  test('wrong types: values as a string, createNamespace as a string', async () => {
    const schema = await def.schema();
    const p = { url: 'https://charts.example.com', chart: 'podinfo', values: 'replicaCount=2' };
    schemaRejects(schema, p, 'values', 'parameter-type');
    schemaRejects(schema, { url: 'https://charts.example.com', chart: 'podinfo', createNamespace: 'true' }, 'createNamespace', 'parameter-type');
    await renderFails(fails(p), 'parameter.values');
  });

  test('not in the enum or pattern: interval, releaseName, fluxAPI, repoType', async () => {
    const schema = await def.schema();
    const base = { url: 'https://charts.example.com', chart: 'podinfo' };
    schemaRejects(schema, { ...base, interval: '5 minutes' }, 'interval', 'parameter-pattern');
    schemaRejects(schema, { ...base, releaseName: 'Shop_Frontend' }, 'releaseName');
    schemaRejects(schema, { ...base, releaseName: 'x'.repeat(54) }, 'releaseName');
    schemaRejects(schema, { ...base, fluxAPI: 'v3' }, 'fluxAPI', 'parameter-enum');
    schemaRejects(schema, { ...base, repoType: 'git' }, 'repoType', 'parameter-enum');
    schemaRejects(schema, { ...base, timeout: 'ten minutes' }, 'timeout', 'parameter-pattern');
    schemaRejects(schema, { ...base, valuesFrom: [{ kind: 'Deployment', name: 'x' }] }, 'valuesFrom[0].kind', 'parameter-enum');
    schemaRejects(schema, { ...base, valuesFrom: [{ kind: 'Secret', name: 'Not_A_Name' }] }, 'valuesFrom[0].name');
    schemaRejects(schema, { ...base, remediation: { strategy: 'retry' } }, 'remediation.strategy', 'parameter-enum');
    await renderFails(fails({ ...base, timeout: 'ten minutes' }), 'parameter.timeout');
    await renderFails(fails({ ...base, remediation: { retries: -2 } }), 'parameter.remediation.retries');
    await renderFails(fails({ ...base, valuesFrom: [{ kind: 'Deployment', name: 'x' }] }), 'parameter.valuesFrom[0].kind');
    await renderFails(fails({ ...base, interval: '5 minutes' }), 'parameter.interval');
    await renderFails(fails({ ...base, releaseName: 'x'.repeat(54) }), 'parameter.releaseName');
  });
});

// The default (v2beta1) on the CRDs of the fluxcd addon, with its controllers, is test/kubevela/test-environment.test.ts.
describe('helm-component: the API server accepts every rendered object (Flux 2.7 CRDs installed)', () => {
  for (const key of ['v2', 'oci', 'every', 'explicitHelm', 'tuned', 'uninstallOnFailure'] as const) {
    test(`${key}: HelmRelease and HelmRepository dry-run cleanly`, async () => {
      const [t, r] = await Promise.all([target.ready, rendered[key]]);
      const [release, repository] = await dryRun(t, objectsOf(r));
      // Nothing pruned by the CRDs' structural schemas: the specs come back as sent, plus defaults.
      assert.deepEqual(release!.spec, withPatch(r.output!.spec, { chart: { spec: { reconcileStrategy: 'ChartVersion' } } }));
      assert.deepEqual(repository!.spec, { provider: 'generic', ...r.outputs.repository!.spec });
    });
  }
});

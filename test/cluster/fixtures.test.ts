/**
 * The CRDs of the test planes — KubeVela's from its chart, Flux's from its controllers' modules —
 * validate where the installer and the addons rely on it: required fields, enums, patterns,
 * defaults, open `properties`/`values`, and Flux's CEL rule.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ApiException, type KubeConfig, type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { testClusters } from './env.ts';
import { ensureNamespace, uniqueNamespace } from './fixtures.ts';
import { installFluxCrds } from './flux.ts';

const T = { timeout: 30_000 };

type Obj = KubernetesObject & { spec?: Record<string, unknown> };

describe('CRD fixtures', () => {
  let kc: KubeConfig;
  let ns: string;
  /** Server-side dry run: validated and defaulted, never stored. */
  let dryRun: (o: Obj) => Promise<Obj>;
  /** The HTTP status and message of a dry run expected to fail. */
  const rejection = async (o: Obj): Promise<{ code: number; text: string }> => {
    const err = await dryRun(o).then(
      () => assert.fail(`${o.kind} ${JSON.stringify(o.spec)} was accepted`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiException, String(err));
    // client-node hands over the Status as JSON text; its message is what kubectl would print.
    const status = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string };
    return { code: err.code, text: status.message ?? '' };
  };

  before(async () => {
    [kc] = (await testClusters(1)) as [KubeConfig];
    await installFluxCrds(kc);
    ns = uniqueNamespace('fixtures');
    await ensureNamespace(kc, ns);
    const api = KubernetesObjectApi.makeApiClient(kc);
    dryRun = (o) => api.create(o, undefined, 'All', 'velahub-test');
  });

  const meta = (name: string) => ({ name, namespace: ns });

  describe('KubeVela', () => {
    const app = (spec: Record<string, unknown>): Obj => ({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: meta('app'), spec });

    it('keeps free-form component properties and trait properties', T, async () => {
      const spec = { components: [{ name: 'web', type: 'webservice', properties: { a: { b: [1, 2] } }, traits: [{ type: 'scaler', properties: { replicas: 2 } }] }] };
      assert.deepEqual((await dryRun(app(spec))).spec, spec);
    });

    it('requires spec.components, and a type on each component', T, async () => {
      assert.match((await rejection(app({}))).text, /spec\.components: Required value/);
      assert.match((await rejection(app({ components: [{ name: 'web' }] }))).text, /spec\.components\[0\]\.type: Required value/);
    });

    it('accepts X-Definitions with a CUE schematic', T, async () => {
      const schematic = { cue: { template: 'parameter: {}\noutput: {}' } };
      const defs: Obj[] = [
        { apiVersion: 'core.oam.dev/v1beta1', kind: 'ComponentDefinition', metadata: meta('c'), spec: { workload: { type: 'autodetects.core.oam.dev' }, schematic } },
        { apiVersion: 'core.oam.dev/v1beta1', kind: 'TraitDefinition', metadata: meta('t'), spec: { appliesToWorkloads: ['deployments.apps'], podDisruptive: true, schematic } },
        { apiVersion: 'core.oam.dev/v1beta1', kind: 'PolicyDefinition', metadata: meta('p'), spec: { schematic } },
        { apiVersion: 'core.oam.dev/v1beta1', kind: 'WorkflowStepDefinition', metadata: meta('w'), spec: { schematic } },
      ];
      for (const def of defs) assert.deepEqual((await dryRun(def)).spec, def.spec, def.kind);
    });

    it('rejects a ComponentDefinition without workload, and a CUE schematic without template', T, async () => {
      const def = (spec: Record<string, unknown>): Obj => ({ apiVersion: 'core.oam.dev/v1beta1', kind: 'ComponentDefinition', metadata: meta('c'), spec });
      assert.match((await rejection(def({ schematic: { cue: { template: 'x: 1' } } }))).text, /spec\.workload: Required value/);
      assert.match((await rejection(def({ workload: { type: 'x' }, schematic: { cue: {} } }))).text, /spec\.schematic\.cue\.template: Required value/);
    });
  });

  describe('Flux', () => {
    const repo = (spec: Record<string, unknown>): Obj => ({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: meta('repo'), spec });
    const release = (spec: Record<string, unknown>): Obj => ({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: meta('rel'), spec });
    const chart = { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'repo' } } };

    it('accepts an OCI HelmRepository and defaults its provider', T, async () => {
      const out = await dryRun(repo({ url: 'oci://ghcr.io/stefanprodan/charts', type: 'oci', interval: '10m' }));
      assert.equal(out.spec?.provider, 'generic');
    });

    it('rejects a HelmRepository with an unknown type or no URL', T, async () => {
      assert.match((await rejection(repo({ url: 'https://x', type: 'git' }))).text, /spec\.type: Unsupported value: "git"/);
      assert.match((await rejection(repo({ interval: '1m' }))).text, /spec\.url: Required value/);
    });

    it('accepts a HelmRelease, keeps its values and defaults the chart version', T, async () => {
      const values = { replicaCount: 2, ingress: { enabled: true } };
      const out = await dryRun(release({ interval: '5m', chart, values, releaseName: 'podinfo', targetNamespace: 'apps' }));
      assert.deepEqual(out.spec?.values, values);
      assert.equal((out.spec?.chart as typeof chart & { spec: { version?: string } }).spec.version, '*');
    });

    it('rejects a HelmRelease with neither chart nor chartRef, or a malformed interval', T, async () => {
      const neither = await rejection(release({ interval: '5m' }));
      assert.equal(neither.code, 422);
      assert.match(neither.text, /either chart or chartRef must be set/);
      assert.match((await rejection(release({ interval: '5 minutes', chart }))).text, /spec\.interval/);
    });
  });

  it('uniqueNamespace makes valid, distinct DNS labels', () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueNamespace('My_Test.Suite')));
    assert.equal(names.size, 50);
    for (const n of names) assert.match(n, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });
});

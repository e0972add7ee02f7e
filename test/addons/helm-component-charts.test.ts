/**
 * helm-component with velahub's own chart repository: a chart uploaded to a test registry, the
 * ready-to-paste Application the registry offers for it rendered through the real helm-component
 * definition, and the Flux HelmRepository/HelmRelease dry-run on a real API server with Flux's
 * CRDs. Rolling back is setting `version` back: the same objects with the older version.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { chartArchive } from '../support/charts.ts';
import { testServerForFile } from '../support/file-test-server.ts';
import { addonTarget, PLANE_FLUX_API } from './cluster.ts';
import { ctx, Definition, dryRun, schemaAccepts, withPatch, type Obj } from './support.ts';

const { srv, cue, ready } = testServerForFile();
const target = addonTarget('addon-helm-velahub');
const ns = target.namespace;
const def = await Definition.load(cue, 'helm-component');
/** The Application the registry offers on the chart's page and API. */
let app: { metadata: { name: string }; spec: { components: Array<{ name: string; type: string; properties: Obj }> } };

before(async () => {
  await ready;
  for (const version of ['1.0.0', '1.1.0']) {
    const form = new FormData();
    form.append('chart', new Blob([new Uint8Array(chartArchive('web-shop', version))]), 'chart.tgz');
    const res = await srv.json('/helm/api/charts', { method: 'POST', body: form, token: srv.adminToken });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  app = parse((await srv.json('/api/v1/charts/web-shop/versions/1.1.0')).body.application);
});

/** Renders the Application's one component with `properties`, as KubeVela would in namespace `ns`. */
async function render(properties: Obj): Promise<{ release: Obj; repository: Obj }> {
  const component = app.spec.components[0]!;
  schemaAccepts(await def.schema(), properties);
  const r = await def.render({ ...PLANE_FLUX_API, ...properties }, ctx(component.name, ns, { appName: app.metadata.name }));
  return { release: r.output!, repository: r.outputs.repository! };
}

describe('helm-component pointing at a chart in velahub', () => {
  test('the offered Application uses helm-component with this registry\'s /helm repository and the chart', () => {
    assert.equal(app.spec.components.length, 1);
    const c = app.spec.components[0]!;
    assert.equal(c.type, 'helm-component');
    assert.deepEqual(c.properties, { url: `${srv.url}/helm`, chart: 'web-shop', version: '1.1.0', values: {} });
  });

  test('the repository URL it names is a Helm repository serving that chart version', async () => {
    const index = parse(await (await fetch(`${app.spec.components[0]!.properties.url}/index.yaml`)).text()) as { entries: Record<string, Array<{ version: string }>> };
    assert.deepEqual(index.entries['web-shop']!.map((e) => e.version), ['1.1.0', '1.0.0']);
  });

  test('renders a HelmRepository at velahub and a HelmRelease of web-shop 1.1.0; the API server accepts both', async () => {
    const properties = { ...app.spec.components[0]!.properties, values: { message: 'from velahub', replicaCount: 2 } };
    const { release, repository } = await render(properties);
    assert.deepEqual(repository.spec, { url: `${srv.url}/helm`, interval: '5m' });
    assert.deepEqual(release.spec.chart.spec, { chart: 'web-shop', version: '1.1.0', sourceRef: { kind: 'HelmRepository', name: 'web-shop-repo', namespace: ns }, interval: '5m' });
    assert.deepEqual(release.spec.values, { message: 'from velahub', replicaCount: 2 });
    const [releaseAnswer, repositoryAnswer] = await dryRun(await target.ready, [release, repository]);
    assert.deepEqual(releaseAnswer!.spec, withPatch(release.spec, { chart: { spec: { reconcileStrategy: 'ChartVersion' } } }));
    assert.deepEqual(repositoryAnswer!.spec, { provider: 'generic', ...repository.spec });
  });

  test('rollback = set version back to 1.0.0: the same repository, the release pinned to the older chart', async () => {
    const current = await render(app.spec.components[0]!.properties);
    const rolledBack = await render({ ...app.spec.components[0]!.properties, version: '1.0.0' });
    assert.deepEqual(rolledBack.repository, current.repository);
    assert.equal(rolledBack.release.spec.chart.spec.version, '1.0.0');
    assert.deepEqual({ ...rolledBack.release.spec, chart: undefined }, { ...current.release.spec, chart: undefined });
    await dryRun(await target.ready, [rolledBack.release, rolledBack.repository]);
  });
});

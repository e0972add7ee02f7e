/**
 * Every addons/<addon>/examples/*.yaml Application: each component and trait of a type velahub
 * ships is checked against the definition's schema, rendered through it (traits on the rendered
 * workload of their component), and every object is dry-run against a real API server. Types
 * KubeVela itself provides (webservice, apply-once, ...) are only checked to be real built-ins.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { sampleWorkload } from '../../core/cue/context.ts';
import { addonTarget, PLANE_FLUX_API } from './cluster.ts';
import { addonNames, addonsRoot, ctx, Definition, dryRun, early, fileEvaluator, objectsOf, schemaAccepts, withPatch, type Obj } from './support.ts';

const cue = fileEvaluator();

const target = addonTarget('addon-examples');
const ns = target.namespace;

/** Component, trait and policy types of KubeVela's own (vela-core), which the examples may use. */
const builtins = new Set(['webservice', 'worker', 'task', 'k8s-objects', 'apply-once', 'topology', 'override', 'garbage-collect', 'shared-resource']);

/** Every definition velahub ships, by name. */
const definitions = new Map<string, Definition>();
for (const addon of await addonNames()) {
  const files = await readdir(join(addonsRoot, addon, 'definitions')).catch(() => [] as string[]);
  for (const f of files.filter((x) => x.endsWith('.cue'))) {
    const name = f.replace(/\.cue$/, '');
    definitions.set(name, await Definition.load(cue, addon, name));
  }
}

interface Component {
  name: string;
  type: string;
  properties?: Obj;
  traits?: Array<{ type: string; properties?: Obj }>;
}
interface Application {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { components: Component[]; policies?: Array<{ name: string; type: string }> };
}

/** What one example renders to: every object, and `Kind/name` of each for the inventory. */
interface RenderedExample {
  objects: Obj[];
  inventory: string[];
}

async function renderComponent(app: Application, c: Component): Promise<Obj[]> {
  const objects: Obj[] = [];
  const context = ctx(c.name, ns, { appName: app.metadata.name });
  let workload: Obj;
  const def = definitions.get(c.type);
  if (def) {
    schemaAccepts(await def.schema(), c.properties ?? {});
    const properties = c.type === 'helm-component' ? { ...PLANE_FLUX_API, ...c.properties } : (c.properties ?? {});
    const r = await def.render(properties, context);
    assert.equal((await def.info()).type, 'component', `${c.name}: ${c.type} is a component`);
    assert.ok(r.output, `${c.name}: ${c.type} renders a workload`);
    workload = r.output;
    objects.push(...Object.values(r.outputs));
  } else {
    assert.ok(builtins.has(c.type), `component ${c.name}: type "${c.type}" is neither shipped in addons/ nor a KubeVela built-in`);
    // KubeVela renders built-in components; a Deployment of the component's name stands in.
    workload = sampleWorkload(c.name, ns);
  }
  const traitRenders = await Promise.all(
    (c.traits ?? []).map(async (t) => {
      const tdef = definitions.get(t.type);
      assert.ok(tdef || builtins.has(t.type), `component ${c.name}: trait type "${t.type}" is neither shipped in addons/ nor a KubeVela built-in`);
      if (!tdef) return undefined;
      assert.equal((await tdef.info()).type, 'trait', `${t.type} is a trait`);
      schemaAccepts(await tdef.schema(), t.properties ?? {});
      return tdef.render(t.properties ?? {}, { ...context, output: workload });
    }),
  );
  for (const r of traitRenders) {
    if (!r) continue;
    workload = withPatch(workload, r.patch);
    objects.push(...objectsOf(r));
  }
  return [workload, ...objects];
}

async function renderExample(path: string): Promise<RenderedExample> {
  const docs = parseAllDocuments(await readFile(path, 'utf8'));
  const objects: Obj[] = [];
  for (const doc of docs) {
    assert.deepEqual(doc.errors, [], `${path} parses`);
    const app = doc.toJS() as Application;
    assert.equal(app.apiVersion, 'core.oam.dev/v1beta1');
    assert.equal(app.kind, 'Application');
    assert.ok(app.spec.components.length > 0);
    for (const p of app.spec.policies ?? []) assert.ok(builtins.has(p.type) || definitions.has(p.type), `policy type "${p.type}" is not known`);
    for (const list of await Promise.all(app.spec.components.map((c) => renderComponent(app, c)))) objects.push(...list);
  }
  return { objects, inventory: objects.map((o) => `${o.kind}/${o.metadata.name}`).sort() };
}

/** What each example renders, per its own comments. */
const inventories: Record<string, string[]> = {
  'bizworks-ingress/examples/storefront-routes.yaml': [
    'Deployment/storefront',
    'Ingress/storefront',
    'Service/storefront',
    'Service/storefront-admin',
    'Service/storefront-metrics',
  ],
  'bizworks-rollout/examples/shop-batches.yaml': ['Deployment/shop', 'Ingress/shop', 'Rollout/shop', 'Service/shop'],
  'bizworks-rollout/examples/shop-canary.yaml': ['Deployment/shop', 'Ingress/shop', 'Rollout/shop', 'Service/shop'],
  'bizworks-platform/examples/shop.yaml': [
    'Deployment/shop-api',
    'HelmRelease/shop-frontend',
    'HelmRepository/shop-frontend-repo',
    'HorizontalPodAutoscaler/shop-api',
    'Ingress/shop-api',
    'Service/shop-api',
    'Service/shop-db',
    'Service/shop-db-headless',
    'StatefulSet/shop-db',
  ],
  'helm-component/examples/podinfo-charts.yaml': [
    'HelmRelease/podinfo-https',
    'HelmRelease/podinfo-oci',
    'HelmRepository/podinfo-https-repo',
    'HelmRepository/podinfo-oci-repo',
  ],
  'helm-component/examples/velahub-chart.yaml': ['HelmRelease/web-shop', 'HelmRepository/web-shop-repo'],
  'hpa-trait/examples/autoscaled-web.yaml': ['Deployment/web', 'HorizontalPodAutoscaler/web'],
  'stateful-component/examples/postgres.yaml': ['Service/postgres', 'Service/postgres-headless', 'StatefulSet/postgres'],
  'stateless-component/examples/podinfo.yaml': ['Deployment/podinfo', 'Service/podinfo'],
};

const examples: string[] = [];
for (const addon of await addonNames()) {
  const files = await readdir(join(addonsRoot, addon, 'examples')).catch(() => [] as string[]);
  examples.push(...files.filter((f) => /\.ya?ml$/.test(f)).map((f) => `${addon}/examples/${f}`));
}
const renders = new Map(examples.map((e) => [e, early(renderExample(join(addonsRoot, e)))]));

const find = (r: RenderedExample, ref: string): Obj => {
  const o = r.objects.find((x) => `${x.kind}/${x.metadata.name}` === ref);
  assert.ok(o, `no ${ref} among ${r.inventory.join(', ')}`);
  return o;
};

describe('addon examples: rendered through the shipped definitions', () => {
  test('every addon has an example, and every example is checked here', () => {
    assert.deepEqual(examples.sort(), Object.keys(inventories).sort());
  });

  for (const example of Object.keys(inventories)) {
    test(`${example}: properties valid, renders to the objects its comments describe`, async () => {
      const r = await renders.get(example)!;
      assert.deepEqual(r.inventory, inventories[example]);
    });
  }

  test('storefront-routes: three Services, one HTTPS Ingress with two paths', async () => {
    const r = await renders.get('bizworks-ingress/examples/storefront-routes.yaml')!;
    assert.deepEqual(find(r, 'Service/storefront-admin').spec.ports, [{ name: 'port-80', port: 80, targetPort: 8081, protocol: 'TCP' }]);
    assert.equal(find(r, 'Service/storefront-metrics').spec.type, 'NodePort');
    const ing = find(r, 'Ingress/storefront');
    assert.deepEqual(ing.spec.tls, [{ hosts: ['shop.example.com'], secretName: 'shop-example-com-tls' }]);
    assert.deepEqual(ing.spec.rules[0].http.paths.map((p: Obj) => `${p.path}->${p.backend.service.name}:${p.backend.service.port.number}`).sort(), [
      '/->storefront:80',
      '/admin->storefront-admin:80',
    ]);
    assert.equal(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'], '8m');
  });

  test('shop: the autoscaler targets the API Deployment; the frontend chart comes from OCI', async () => {
    const r = await renders.get('bizworks-platform/examples/shop.yaml')!;
    assert.deepEqual(find(r, 'HorizontalPodAutoscaler/shop-api').spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop-api' });
    assert.equal(find(r, 'HelmRepository/shop-frontend-repo').spec.type, 'oci');
    assert.deepEqual(find(r, 'StatefulSet/shop-db').spec.volumeClaimTemplates[0].spec.resources, { requests: { storage: '20Gi' } });
  });
});

describe('addon examples: the API server accepts every rendered object', () => {
  for (const example of Object.keys(inventories)) {
    test(`${example}: dry-runs cleanly`, async () => {
      const [t, r] = await Promise.all([target.ready, renders.get(example)!]);
      await dryRun(t, r.objects);
    });
  }
});

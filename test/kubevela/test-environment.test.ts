/**
 * The README's "A test environment in minutes", run block by block as written on a clean
 * KubeVela cluster of its own, each block's result checked on the cluster: bizworks-platform
 * enabled with the catalog's fluxcd addon as its dependency (and that addon's Flux 2.1 running),
 * two charts pushed, one Application of two helm-components and bizworks-ingress → both
 * HelmReleases Ready, every Pod Running, the Ingress routing to the web shop's Pods; a new chart
 * version → Flux upgrades; the version set back → rollback; the Application deleted → nothing
 * left. Then what goes wrong on the way: a chart version that does not exist and a chart the API
 * server refuses reach `vela status`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { startTestEnvironment, TEST_ENVIRONMENT_HEADING, type TestEnvironment } from '../cluster/test-environment.ts';
import type { RunningFlux } from '../cluster/flux.ts';
import { VELA_SYSTEM } from '../cluster/kubevela.ts';
import { FAKE_NODE } from '../cluster/workloads.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { chartArchive } from '../support/charts.ts';
import { catalogDir } from '../support/catalog.ts';
import { eventually } from '../support/eventually.ts';
import { describeVela, vela } from '../support/vela.ts';
import { readWalkthrough, runStep, type StepRun, type WalkthroughStep } from '../support/walkthrough.ts';

const T = { timeout: 600_000 };
const NS = 'default';
const skip = catalogDir ? false : 'needs the KubeVela catalog snapshot for the fluxcd addon (set VELAHUB_CATALOG)';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type Obj = KubeObject & { spec?: any; status?: any };

const steps = await readWalkthrough(TEST_ENVIRONMENT_HEADING);

describe('the README walk-through "A test environment in minutes", run as written', { skip }, () => {
  let envt: TestEnvironment;
  let kube: Kube;
  let flux: RunningFlux;

  const get = (apiVersion: string, kind: string, name: string, namespace = NS): Promise<Obj | undefined> => kube.get({ apiVersion, kind, metadata: { name, namespace } }) as Promise<Obj | undefined>;
  const release = (name: string) => get('helm.toolkit.fluxcd.io/v2beta1', 'HelmRelease', name);
  const condition = (o: Obj | undefined, type: string): Condition | undefined => ((o?.status?.conditions ?? []) as Condition[]).find((c) => c.type === type);
  const pods = async (instance: string) => ((await kube.list('v1', 'Pod', NS, `app.kubernetes.io/instance=${instance}`)) as Obj[]).filter((p) => !p.metadata.deletionTimestamp);
  const running = async (instance: string) => (await pods(instance)).filter((p) => p.status?.phase === 'Running');
  const imageOf = (o: Obj | undefined): string | undefined => (o?.spec?.template?.spec ?? o?.spec)?.containers?.[0]?.image;

  /** The web shop's release applied at `version`, its Deployment on `image`, and both its Pods (no other) Running that image. */
  const webShopAt = async (version: string, image: string): Promise<void> => {
    assert.equal((await release('web-shop'))?.status?.lastAppliedRevision, version);
    assert.equal(imageOf(await get('apps/v1', 'Deployment', 'web-shop')), image);
    await eventually(`2 web-shop Pods Running ${image}, no other`, async () => {
      const all = await pods('web-shop');
      return all.length === 2 && all.every((p) => p.status?.phase === 'Running' && imageOf(p) === image) ? all : undefined;
    });
  };

  /** Runs the block titled like `title`, failing with its output (and Flux's log) when it fails. */
  const run = async (index: number, title: RegExp): Promise<StepRun> => {
    const step: WalkthroughStep | undefined = steps[index];
    assert.ok(step && title.test(step.title), `README block ${index + 1} is "${step?.title}", expected ${title}`);
    const r = await runStep(step, envt.env);
    const fluxLog = flux ? `\n--- helm-controller ---\n${await flux.logTail('helm-controller', 15)}\n--- source-controller ---\n${await flux.logTail('source-controller', 15)}` : '';
    assert.equal(r.code, 0, `README block ${index + 1} ("${step.title}") exited ${r.code} after ${Math.round(r.ms / 1000)} s:\n${r.output}${fluxLog}`);
    return r;
  };

  before(async () => {
    envt = await startTestEnvironment();
    kube = new Kube(envt.kc);
  });
  after(async () => {
    await envt?.stop();
  });

  test('the README has the six blocks of the walk-through', () => {
    assert.equal(steps.length, 6, steps.map((s) => s.title).join('\n'));
  });

  test('1. velahub publishes the catalog\'s fluxcd and enables bizworks-platform: every addon running, fluxcd as helm-component\'s dependency', T, async () => {
    await run(0, /^The platform$/);
    for (const name of ['fluxcd', 'helm-component', 'stateless-component', 'stateful-component', 'bizworks-ingress', 'hpa-trait', 'bizworks-platform']) {
      const app = await get('core.oam.dev/v1beta1', 'Application', `addon-${name}`, VELA_SYSTEM);
      assert.equal(app?.status?.status, 'running', `addon-${name} is running`);
    }
    // The fluxcd addon's CRDs, which its Flux (2.1) serves: HelmRelease v2beta1 only.
    const crd = await get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'helmreleases.helm.toolkit.fluxcd.io', '');
    assert.deepEqual(crd?.spec.versions.map((v: { name: string }) => v.name), ['v2beta1']);
    // The addon's controllers are Pods on kwok's node, which runs no container: its Flux runs out of cluster from here on.
    flux = await envt.startAddonFlux();
  });

  test('2. both charts are in the template center', T, async () => {
    await run(1, /^Charts$/);
    const index = parse(await (await fetch(`${envt.registry.url}/helm/index.yaml`)).text()) as { entries: Record<string, Array<{ version: string }>> };
    assert.deepEqual(Object.fromEntries(Object.entries(index.entries).map(([k, v]) => [k, v.map((e) => e.version)])), { cache: ['1.0.0'], 'web-shop': ['1.0.0'] });
  });

  test('3. the Application: both HelmReleases Ready, every Pod Running on the kwok node, the Ingress routes to the web shop\'s Pods, vela status healthy', T, async () => {
    const r = await run(2, /^The Application$/);
    for (const name of ['web-shop', 'cache']) {
      const hr = await release(name);
      assert.equal(condition(hr, 'Ready')?.status, 'True', `HelmRelease ${name} Ready: ${JSON.stringify(hr?.status)}`);
      assert.equal(hr?.status?.lastAppliedRevision, '1.0.0');
    }
    const web = await eventually('2 web-shop Pods Running', async () => ((await running('web-shop')).length === 2 ? running('web-shop') : undefined));
    assert.deepEqual(web.map((p) => p.spec.nodeName), [FAKE_NODE, FAKE_NODE]);
    assert.deepEqual(web.map(imageOf), ['nginx:1.27', 'nginx:1.27']);
    assert.equal((await eventually('1 cache Pod Running', async () => ((await running('cache')).length === 1 ? running('cache') : undefined)))[0]!.spec.nodeName, FAKE_NODE);
    // The route: Ingress shop → Service shop:80 (the trait's), which selects the chart's Pods.
    const ingress = await get('networking.k8s.io/v1', 'Ingress', 'shop');
    assert.deepEqual(JSON.parse(JSON.stringify(ingress?.spec.rules)), [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: { service: { name: 'shop', port: { number: 80 } } } }] } }]);
    const service = await get('v1', 'Service', 'shop');
    assert.deepEqual({ ...service?.spec.selector }, { 'app.kubernetes.io/instance': 'web-shop' });
    const podIPs = web.map((p) => p.status.podIP as string).sort();
    await eventually('the EndpointSlice of Service shop lists both web-shop Pods', async () => {
      const slices = (await kube.list('discovery.k8s.io/v1', 'EndpointSlice', NS, 'kubernetes.io/service-name=shop')) as Obj[];
      const ips = slices.flatMap((s) => ((s as { endpoints?: Array<{ addresses: string[] }> }).endpoints ?? []).flatMap((e) => e.addresses)).sort();
      return JSON.stringify(ips) === JSON.stringify(podIPs) ? ips : undefined;
    });
    assert.match(r.output, /Visiting URL: http:\/\/shop\.example\.com\//, 'vela status shows the route');
    assert.match(r.output, /ReconciliationSucceeded|InstallSucceeded|Release reconciliation succeeded/, 'vela status shows the releases\' state');
  });

  test('4. web-shop 1.1.0 pushed and the Application moved to it: Flux upgrades, every Pod runs nginx:1.28', T, async () => {
    await run(3, /^Upgrade$/);
    await webShopAt('1.1.0', 'nginx:1.28');
    assert.equal((await release('cache'))?.status?.lastAppliedRevision, '1.0.0', 'the cache is left alone');
  });

  test('5. the version set back: Flux rolls web-shop back to nginx:1.27', T, async () => {
    await run(4, /^Rollback$/);
    await webShopAt('1.0.0', 'nginx:1.27');
  });

  test('6. the Application deleted: no HelmRelease, HelmRepository, Deployment, Service, Ingress or Pod of it left', T, async () => {
    await run(5, /^Teardown$/);
    await eventually('nothing of the Application left', async () => {
      const left = [
        ...['web-shop', 'cache'].map((n) => release(n)),
        ...['web-shop-repo', 'cache-repo'].map((n) => get('source.toolkit.fluxcd.io/v1beta2', 'HelmRepository', n)),
        ...['web-shop', 'cache'].map((n) => get('apps/v1', 'Deployment', n)),
        ...['web-shop', 'cache', 'shop'].map((n) => get('v1', 'Service', n)),
        get('networking.k8s.io/v1', 'Ingress', 'shop'),
        pods('web-shop').then((p) => p[0]),
        pods('cache').then((p) => p[0]),
      ];
      const found = (await Promise.all(left)).filter(Boolean).map((o) => `${o!.kind}/${o!.metadata.name}`);
      return found.length === 0 ? true : undefined;
    });
  });

  describe('what goes wrong on the way reaches vela status', () => {
    const application = (name: string, chart: string, version: string): KubeObject =>
      ({
        apiVersion: 'core.oam.dev/v1beta1',
        kind: 'Application',
        metadata: { name, namespace: NS },
        spec: { components: [{ name, type: 'helm-component', properties: { url: `${envt.registry.url}/helm`, chart, version, interval: '1m' } }] },
      }) as KubeObject;
    /** `vela status NAME` once it shows the component unhealthy (`Health: ❌`) with a message matching `message`. */
    const unhealthy = (name: string, message: RegExp) =>
      eventually(
        `vela status ${name} shows the failure`,
        async () => {
          const r = await vela({ vela: envt.tools.kubevela.vela, kubeconfigPath: envt.kubeconfigPath }, ['status', name, '-n', NS]);
          if (message.test(r.stdout) && /Health: +❌/.test(r.stdout)) return r;
          throw new Error(describeVela(['status', name, '-n', NS], r));
        },
        240_000,
      );

    test('a chart version that does not exist: the HelmRelease is not Ready, vela status names the version', T, async () => {
      await kube.apply(application('shop-typo', 'web-shop', '9.9.9'));
      const r = await unhealthy('shop-typo', /ArtifactFailed: .*\(chart web-shop 9\.9\.9\)/);
      assert.match(r.stdout, /shop-typo/, describeVela(['status', 'shop-typo'], r));
      assert.notEqual(condition(await release('shop-typo'), 'Ready')?.status, 'True');
      await kube.delete(application('shop-typo', 'web-shop', '9.9.9'));
    });

    test('a chart whose objects the API server refuses: the install fails, vela status shows the API server\'s reason', T, async () => {
      const broken = chartArchive('broken-shop', '1.0.0', {
        'templates/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Valid_Name\ndata:\n  a: b\n',
      });
      const res = await fetch(`${envt.registry.url}/helm/api/charts`, { method: 'POST', body: new Uint8Array(broken), headers: { 'content-type': 'application/gzip', authorization: `Bearer ${envt.env.VELAHUB_TOKEN}` } });
      assert.equal(res.status, 201, await res.text());
      await kube.apply(application('shop-broken', 'broken-shop', '1.0.0'));
      const r = await unhealthy('shop-broken', /Not_A_Valid_Name/);
      assert.match(r.stdout, /InstallFailed|install retries exhausted|failed/i, describeVela(['status', 'shop-broken'], r));
      await kube.delete(application('shop-broken', 'broken-shop', '1.0.0'));
    });

    test('an addon that installs that chart: velahub enable waits, then fails naming the component and the API server\'s reason', T, async () => {
      await envt.registry.publish({
        'metadata.yaml': 'name: broken-shop-addon\nversion: 1.0.0\ndescription: Installs the broken-shop chart through helm-component\ndependencies:\n  - name: helm-component\n',
        'parameter.cue': 'parameter: {\n\t// +usage=The template center\'s chart repository\n\turl: string\n}\n',
        'template.cue': [
          'package main',
          '',
          'output: {',
          '\tapiVersion: "core.oam.dev/v1beta1"',
          '\tkind:       "Application"',
          '\tspec: components: [{',
          '\t\tname: "broken-shop"',
          '\t\ttype: "helm-component"',
          '\t\tproperties: {url: parameter.url, chart: "broken-shop", version: "1.0.0", interval: "1m"}',
          '\t}]',
          '}',
          '',
        ].join('\n'),
      });
      const r = await runStep({ title: 'enable broken-shop-addon', script: 'velahub enable broken-shop-addon --set url="$VELAHUB_REGISTRY/helm" --wait-timeout 45' }, envt.env);
      assert.notEqual(r.code, 0, r.output);
      assert.match(r.output, /Error \[ETIMEOUT\]/, r.output);
      assert.match(r.output, /not healthy: broken-shop: [\s\S]*Not_A_Valid_Name/, r.output);
    });
  });
});

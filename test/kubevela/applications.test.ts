/**
 * The bundled definitions at work on a cluster that runs workloads: `velahub enable` waits for
 * the real vela-core to report each addon running; Applications of stateless-component +
 * bizworks-ingress (two routes, one HTTPS) + hpa-trait, and of stateful-component, become healthy
 * in `vela status` with their Pods Running on the kwok node and each definition's status message
 * naming the real objects; `velahub disable` leaves nothing once the garbage collector ran.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubeVelaCluster, type KubeVelaTestCluster } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { VELA_SYSTEM } from '../cluster/kubevela.ts';
import { FAKE_NODE } from '../cluster/workloads.ts';
import { enableAddons } from '../../installer/enable.ts';
import { disableAddon } from '../../installer/disable.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { startTestRegistry, type TestRegistry } from '../support/installer-registry.ts';
import { describeVela, vela } from '../support/vela.ts';
import { eventually } from '../support/eventually.ts';

const T = { timeout: 600_000 };
const ADDONS = ['stateless-component', 'stateful-component', 'bizworks-ingress', 'hpa-trait'];

interface AppStatus {
  status?: string;
  services?: Array<{ name: string; healthy: boolean; message?: string; traits?: Array<{ type: string; healthy: boolean; message?: string }> }>;
}

describe('Applications of the bundled definitions run on the KubeVela cluster', () => {
  let cluster: KubeVelaTestCluster;
  let registry: TestRegistry;
  let kube: Kube;
  const ns = uniqueNamespace('apps');

  const app = (name: string, components: unknown[]): KubeObject => ({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name, namespace: ns }, spec: { components } });
  const statusOf = async (name: string): Promise<AppStatus | undefined> =>
    ((await kube.get({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name, namespace: ns } })) as { status?: AppStatus } | undefined)?.status;
  const healthy = (name: string) =>
    eventually(`Application ${ns}/${name} running and healthy`, async () => {
      const s = await statusOf(name);
      return s?.status === 'running' && (s.services ?? []).length > 0 && s.services!.every((c) => c.healthy && (c.traits ?? []).every((t) => t.healthy)) ? s : undefined;
    });
  const podsOf = async (selector: string) => (await kube.list('v1', 'Pod', ns, selector)) as Array<KubeObject & { spec: { nodeName?: string }; status: { phase?: string } }>;

  before(async () => {
    [cluster, registry] = await Promise.all([kubeVelaCluster(), startTestRegistry()]);
    kube = new Kube(cluster.kc);
    await ensureNamespace(cluster.kc, ns);
  });
  after(async () => {
    await registry?.close();
  });

  test('velahub enable waits for the real vela-core to report each addon running', T, async () => {
    const [result] = await enableAddons({ requested: ADDONS.map((name) => ({ name })), clusters: [kube], registries: [registry.source()], cue: registry.server.registry.cue, namespace: VELA_SYSTEM, waitTimeoutMs: 240_000 });
    assert.deepEqual(result!.applied.map((a) => a.name).sort(), [...ADDONS].sort());
    for (const name of ADDONS) {
      const a = await kube.get({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: `addon-${name}`, namespace: VELA_SYSTEM } });
      assert.equal((a as { status?: AppStatus }).status?.status, 'running', `addon-${name} is running when enable returns`);
    }
    // No assertion on 'wait' events here: vela-core may report an Application of definitions
    // only running before the first poll, so whether one is emitted depends on its speed. The
    // events of a real wait are test/installer/enable.test.ts's (an Application held unready).
  });

  test('stateless-component + bizworks-ingress (two routes, one HTTPS) + hpa-trait: healthy, Pods Running on the kwok node, status messages name the real objects', T, async () => {
    await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-tls', namespace: ns }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } } as KubeObject);
    await kube.apply(
      app('shop', [
        {
          name: 'shop',
          type: 'stateless-component',
          properties: { image: 'nginx:1.27', replicas: 2, ports: [{ port: 80 }, { port: 8081 }], cpu: '250m', memory: '128Mi' },
          traits: [
            {
              type: 'bizworks-ingress',
              properties: {
                route: [
                  { port: 80, ingressName: 'shop', domain: 'shop.example.com', path: '/', ingressProtocolType: 'HTTPS', secretName: 'shop-tls' },
                  { port: 8081, servicePort: 80, serviceName: 'shop-admin', ingressName: 'shop-admin', domain: 'admin.example.com', path: '/' },
                ],
              },
            },
            { type: 'hpa-trait', properties: { min: 2, max: 4, cpuUtilization: 70 } },
          ],
        },
      ]),
    );
    const s = await healthy('shop');
    const component = s.services!.find((c) => c.name === 'shop')!;
    assert.match(component.message ?? '', /Ready: 2\/2/);
    const ingress = component.traits!.find((t) => t.type === 'bizworks-ingress')!;
    assert.match(ingress.message ?? '', /Visiting URL: https:\/\/shop\.example\.com/);
    assert.match(ingress.message ?? '', /and 1 more route/);
    const hpa = component.traits!.find((t) => t.type === 'hpa-trait')!;
    assert.match(hpa.message ?? '', /min 2, max 4/);
    const pods = await podsOf('app.oam.dev/component=shop');
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.equal(p.status.phase, 'Running', `${p.metadata.name} is Running`);
      assert.equal(p.spec.nodeName, FAKE_NODE);
    }
    for (const [kind, name] of [['Ingress', 'shop'], ['Ingress', 'shop-admin'], ['Service', 'shop'], ['Service', 'shop-admin'], ['HorizontalPodAutoscaler', 'shop']] as const) {
      const apiVersion = kind === 'Ingress' ? 'networking.k8s.io/v1' : kind === 'Service' ? 'v1' : 'autoscaling/v2';
      assert.ok(await kube.get({ apiVersion, kind, metadata: { name, namespace: ns } }), `${kind} ${name} exists`);
    }
    const status = await vela(cluster, ['status', 'shop', '-n', ns]);
    assert.equal(status.code, 0, describeVela(['status', 'shop'], status));
    assert.match(status.stdout, /finished: true/);
    assert.equal(status.stdout.match(/Health: ✅/g)?.length, 3, 'the component and both traits are healthy');
    assert.match(status.stdout, /Message: Ready: 2\/2/);
    assert.match(status.stdout, /Message: Visiting URL: https:\/\/shop\.example\.com\/ \(and 1 more routes\)/);
    assert.match(status.stdout, /Message: Replicas: \d+ current, \d+ desired \(min 2, max 4\)/);
  });

  test('stateful-component: healthy, its Pod Running with a stable name', T, async () => {
    await kube.apply(app('db', [{ name: 'db', type: 'stateful-component', properties: { image: 'postgres:16', replicas: 1, ports: [{ port: 5432, name: 'postgres', expose: true }] } }]));
    const s = await healthy('db');
    assert.match(s.services![0]!.message ?? '', /Ready: 1\/1/);
    const pods = await podsOf('app.oam.dev/component=db');
    assert.deepEqual(pods.map((p) => [p.metadata.name, p.status.phase]), [['db-0', 'Running']]);
  });

  test('deleting the Applications and velahub disable leave nothing once the garbage collector ran', T, async () => {
    for (const name of ['shop', 'db']) await kube.delete({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name, namespace: ns } });
    // vela-core's finalizer removes what each Application applied; then the Application goes.
    await eventually('the Applications are gone', async () => ((await kube.list('core.oam.dev/v1beta1', 'Application', ns)).length === 0 ? true : undefined));
    await eventually('the Applications\' Pods, Services and Ingresses are gone', async () =>
      (await podsOf('app.oam.dev/name')).length + (await kube.list('v1', 'Service', ns)).length + (await kube.list('networking.k8s.io/v1', 'Ingress', ns)).length === 0 ? true : undefined,
    );
    for (const name of ['hpa-trait', 'bizworks-ingress', 'stateful-component', 'stateless-component']) await disableAddon(kube, name, { namespace: VELA_SYSTEM });
    await eventually('the addons\' definitions are collected', async () => {
      const left = [
        ...(await kube.list('core.oam.dev/v1beta1', 'ComponentDefinition', VELA_SYSTEM)),
        ...(await kube.list('core.oam.dev/v1beta1', 'TraitDefinition', VELA_SYSTEM)),
      ].filter((d) => ADDONS.includes(d.metadata.name));
      return left.length === 0 ? true : undefined;
    });
    for (const name of ADDONS) assert.equal(await kube.get({ apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: `addon-${name}`, namespace: VELA_SYSTEM } }), undefined);
  });
});

/**
 * Contribute upstream, end to end against real control planes: the bizworks-ingress and
 * hpa-trait definitions hand-applied as plain CRs on cluster A (beside one an addon owns),
 * adopted into an addon, published to a real registry, enabled on cluster B; then the
 * definitions read back from A and from B render the same objects as the addons/ sources.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import type { RenderContext } from '../../core/cue/context.ts';
import { CueEvaluator, type RenderResult } from '../../core/cue/evaluator.ts';
import { CuePool } from '../../core/cue/pool.ts';
import { adoptDefinitions, type AdoptResult } from '../../core/package/adopt.ts';
import { packFiles } from '../../core/package/archive.ts';
import { crToDefinitionCue, definitionToCR, type DefinitionCR } from '../../core/package/definition-cr.ts';
import { textOf } from '../../core/package/files.ts';
import { unownedDefinitions } from '../../installer/adopt.ts';
import { enableAddons } from '../../installer/enable.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { RegistryClient } from '../../registry/client.ts';
import { startServer, type RunningServer } from '../../registry/server.ts';
import { testClusters } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { rejectsCode } from '../support/errors.ts';

/** Everything here is bounded: CUE in WASM on a busy machine is slow, but never unbounded. */
const suite = { timeout: 600_000 };

const addonsRoot = new URL('../../addons/', import.meta.url);
const names = ['bizworks-ingress', 'hpa-trait'] as const;
type Name = (typeof names)[number];

const cue = new CueEvaluator(new CuePool({ size: 2, timeoutMs: 120_000 }));
const sources = new Map<Name, string>();
let kubeA: Kube;
let kubeB: Kube;
let nsA: string;
let nsB: string;
let registry: RunningServer;
let dataDir: string;
const adminToken = `vh_admin_${randomBytes(16).toString('hex')}`;

const velaApi = 'core.oam.dev/v1beta1';

before(async () => {
  const [a, b] = await testClusters(2);
  kubeA = new Kube(a!);
  kubeB = new Kube(b!);
  nsA = uniqueNamespace('adopt-src');
  nsB = uniqueNamespace('adopt-dst');
  await Promise.all([ensureNamespace(a!, nsA), ensureNamespace(b!, nsB)]);

  // The platform's own definitions, applied by hand: plain CRs as `vela def apply` makes them
  // (hpa-trait also carrying the annotation `kubectl apply` leaves behind).
  for (const name of names) {
    const source = await readFile(new URL(`${name}/definitions/${name}.cue`, addonsRoot), 'utf8');
    sources.set(name, source);
    const inspected = await cue.inspect(source, `addons/${name}/definitions/${name}.cue`);
    const cr = definitionToCR(inspected.header, inspected.template, nsA);
    if (name === 'hpa-trait') cr.metadata.annotations = { ...cr.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"TraitDefinition"}' };
    await kubeA.apply(cr as unknown as KubeObject);
  }

  // One definition enabled with an addon: owned by Application addon-x.
  const app = await kubeA.apply({ apiVersion: velaApi, kind: 'Application', metadata: { name: 'addon-x', namespace: nsA }, spec: { components: [] } });
  assert.ok(app.metadata.uid, 'the API server gave addon-x a uid');
  const owned = definitionToCR({ name: 'x-trait', type: 'trait', description: 'Belongs to addon x', annotations: {}, labels: {}, attributes: { podDisruptive: false } }, 'patch: metadata: labels: parameter\nparameter: [string]: string\n', nsA);
  owned.metadata.ownerReferences = [{ apiVersion: velaApi, kind: 'Application', name: 'addon-x', uid: app.metadata.uid, controller: true, blockOwnerDeletion: true }];
  await kubeA.apply(owned as unknown as KubeObject);

  dataDir = await mkdtemp(join(tmpdir(), 'velahub-adopt-registry-'));
  registry = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminToken, logger: pino({ level: 'silent' }), say: () => {} });
}, { timeout: 300_000 });

after(async () => {
  await registry?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await cue.close();
});

/** The definition CUE of a Definition CR read back from a cluster. */
async function definitionFromCluster(kube: Kube, namespace: string, name: Name): Promise<{ cue: string; live: KubeObject }> {
  const live = await kube.get({ apiVersion: velaApi, kind: 'TraitDefinition', metadata: { name, namespace } });
  assert.ok(live, `${kube.context}: TraitDefinition ${namespace}/${name} is missing`);
  return { cue: crToDefinitionCue(stringify(live), `${kube.context}/${name}.yaml`).cue, live };
}

/** Kubernetes 1.<minor> as the template sees it. */
const onMinor = (minor: number): Partial<RenderContext> => ({ clusterVersion: { major: 1, minor, gitVersion: `v1.${minor}.0` } });

type Obj = Record<string, any>;

/** Parameter sets, each with what its render must show (so that equal renders are not trivially equal). */
const cases: Array<{ name: Name; title: string; parameters: Record<string, unknown>; context?: Partial<RenderContext>; check: (r: RenderResult) => void }> = [
  {
    name: 'bizworks-ingress',
    title: 'one route, Service only',
    parameters: { route: [{ port: 8080 }] },
    check: (r) => assert.deepEqual(Object.keys(r.outputs), ['service-example']),
  },
  {
    name: 'bizworks-ingress',
    title: 'multi-route, HTTPS, shared Ingress, annotations, class in spec',
    parameters: {
      route: [
        { port: 8080, ingressName: 'shop', domain: 'shop.example.com', path: '/', ingressProtocolType: 'HTTPS', secretName: 'shop-tls' },
        { port: 9090, serviceName: 'shop-api', servicePort: 80, ingressName: 'shop', domain: 'shop.example.com', path: '/api', ingressProtocolType: 'HTTPS', secretName: 'shop-tls', annotations: [{ name: 'nginx.ingress.kubernetes.io/rewrite-target', value: '/' }] },
        { port: 8081, ingressName: 'admin', domain: 'admin.example.com', class: 'internal', classInSpec: true },
      ],
    },
    check: (r) => {
      assert.deepEqual(Object.keys(r.outputs).sort(), ['ingress-admin', 'ingress-shop', 'service-example', 'service-shop-api']);
      const shop = r.outputs['ingress-shop'] as Obj;
      assert.equal(shop.apiVersion, 'networking.k8s.io/v1');
      assert.deepEqual(shop.spec.tls, [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }]);
      assert.deepEqual(shop.spec.rules[0].http.paths.map((p: Obj) => p.path).sort(), ['/', '/api']);
      assert.equal((r.outputs['ingress-admin'] as Obj).spec.ingressClassName, 'internal');
    },
  },
  {
    name: 'bizworks-ingress',
    title: 'UDP NodePort Service',
    parameters: { route: [{ port: 5353, serviceName: 'dns', serviceType: 'NodePort', serviceProtocolType: 'UDP' }] },
    check: (r) => assert.deepEqual((r.outputs['service-dns'] as Obj).spec.ports, [{ name: 'port-5353-udp', port: 5353, targetPort: 5353, protocol: 'UDP' }]),
  },
  {
    name: 'hpa-trait',
    title: 'defaults',
    parameters: {},
    check: (r) => assert.deepEqual([(r.outputs.hpa as Obj).spec.minReplicas, (r.outputs.hpa as Obj).spec.maxReplicas], [1, 10]),
  },
  {
    name: 'hpa-trait',
    title: 'CPU and memory, scale-down window',
    parameters: { min: 2, max: 8, cpuUtilization: 60, memoryUtilization: 75, scaleDownStabilizationSeconds: 120 },
    check: (r) => {
      const hpa = r.outputs.hpa as Obj;
      assert.equal(hpa.apiVersion, 'autoscaling/v2');
      assert.deepEqual(hpa.spec.metrics.map((m: Obj) => `${m.resource.name}=${m.resource.target.averageUtilization}`), ['cpu=60', 'memory=75']);
      assert.equal(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds, 120);
    },
  },
  {
    name: 'hpa-trait',
    title: 'memory on a Kubernetes 1.22 cluster',
    parameters: { memoryUtilization: 70 },
    context: onMinor(22),
    check: (r) => assert.equal((r.outputs.hpa as Obj).apiVersion, 'autoscaling/v2beta2'),
  },
];

describe('adopt → publish → enable on a second cluster → render equality', suite, () => {
  let crs: DefinitionCR[];
  let adopted: AdoptResult;

  test('unownedDefinitions: the hand-applied definitions, cleaned, not the one addon-x owns', async () => {
    crs = await unownedDefinitions(kubeA, nsA);
    assert.deepEqual(crs.map((c) => `${c.kind}/${c.metadata.name}`), ['TraitDefinition/bizworks-ingress', 'TraitDefinition/hpa-trait']);
    const hpa = crs.find((c) => c.metadata.name === 'hpa-trait')!;
    assert.deepEqual(Object.keys(hpa.metadata.annotations ?? {}), ['definition.oam.dev/description'], 'kubectl\'s annotation is not part of the definition');
    for (const cr of crs) {
      assert.deepEqual(Object.keys(cr.metadata).sort(), cr.metadata.labels ? ['annotations', 'labels', 'name'] : ['annotations', 'name'], 'no namespace, uid, managedFields…');
    }
  });

  test('adoptDefinitions: lints clean, system.kubernetes >=1.19', async () => {
    assert.ok(crs, 'needs the previous test');
    adopted = await adoptDefinitions(crs, { name: 'bizworks-traits', version: '1.0.0', description: 'BizWorks traits, adopted from a cluster' }, cue);
    const errors = adopted.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors, [], JSON.stringify(adopted.diagnostics));
    const meta = parse(textOf(adopted.files, 'metadata.yaml')!) as { system?: { kubernetes?: string } };
    assert.equal(meta.system?.kubernetes, '>=1.19');
    assert.deepEqual([...adopted.files.keys()].sort(), ['README.md', 'definitions/bizworks-ingress.cue', 'definitions/hpa-trait.cue', 'metadata.yaml']);
  });

  test('publish to the registry, then enable on cluster B', async () => {
    assert.ok(adopted, 'needs the previous test');
    const archive = packFiles('bizworks-traits', adopted.files, { name: 'bizworks-traits', version: '1.0.0', description: 'BizWorks traits' });
    const client = new RegistryClient(registry.url.replace('localhost', '127.0.0.1'), adminToken);
    const published = await client.publish(archive.data);
    assert.deepEqual({ status: published.status, name: published.name, version: published.version, digest: published.digest }, { status: 'created', name: 'bizworks-traits', version: '1.0.0', digest: archive.digest });

    const results = await enableAddons({
      requested: [{ name: 'bizworks-traits' }],
      clusters: [kubeB],
      registries: [{ name: 'adopt-test', url: registry.url.replace('localhost', '127.0.0.1') }],
      cue,
      namespace: nsB,
      waitTimeoutMs: 30_000,
    });
    assert.deepEqual(results.map((r) => r.applied.map((s) => `${s.name}@${s.version}`)), [['bizworks-traits@1.0.0']]);
    for (const name of names) {
      const { live } = await definitionFromCluster(kubeB, nsB, name);
      assert.deepEqual(live.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['Application/addon-bizworks-traits'], `${name} on B belongs to the addon`);
    }
  });

  for (const c of cases) {
    test(`render equality, ${c.name}: ${c.title}`, async () => {
      const [fromA, fromB] = await Promise.all([definitionFromCluster(kubeA, nsA, c.name), definitionFromCluster(kubeB, nsB, c.name)]);
      assert.ok(fromB.live.metadata.ownerReferences?.length, 'cluster B holds the enabled (owned) copy');
      const opts = { parameters: c.parameters, context: c.context };
      const original = await cue.render(sources.get(c.name)!, `addons/${c.name}/definitions/${c.name}.cue`, opts);
      c.check(original);
      const [a, b] = await Promise.all([cue.render(fromA.cue, `${kubeA.context}/${c.name}`, opts), cue.render(fromB.cue, `${kubeB.context}/${c.name}`, opts)]);
      assert.deepEqual(a, original, `cluster A's ${c.name} renders like addons/${c.name}`);
      assert.deepEqual(b, original, `cluster B's ${c.name} renders like addons/${c.name}`);
    });
  }

  test('render equality for parameters the template rejects: all three refuse the same way', async () => {
    const parameters = { route: [{ port: 8080, ingressName: 'shop', ingressProtocolType: 'HTTPS' }] };
    const messages: string[] = [];
    for (const [file, text] of [
      ['original', sources.get('bizworks-ingress')!],
      ['A', (await definitionFromCluster(kubeA, nsA, 'bizworks-ingress')).cue],
      ['B', (await definitionFromCluster(kubeB, nsB, 'bizworks-ingress')).cue],
    ] as const) {
      const err = await rejectsCode(cue.render(text, 'bizworks-ingress.cue', { parameters }), 'ECUE');
      const diagnostics = (err.data as Array<{ message: string }> | undefined) ?? [];
      messages.push([err.message, ...diagnostics.map((d) => d.message)].join('\n'));
      assert.match(messages.at(-1)!, /secretName is required when ingressProtocolType is \\?"HTTPS\\?"/, `${file}: ${messages.at(-1)}`);
    }
  });
});

describe('unownedDefinitions --select', suite, () => {
  test('picks a subset, in name order', async () => {
    assert.deepEqual((await unownedDefinitions(kubeA, nsA, ['hpa-trait'])).map((c) => c.metadata.name), ['hpa-trait']);
    assert.deepEqual((await unownedDefinitions(kubeA, nsA, ['hpa-trait', 'bizworks-ingress'])).map((c) => c.metadata.name), ['bizworks-ingress', 'hpa-trait']);
  });

  test('a definition an addon owns → ENOT_FOUND naming it (and saying an addon has it)', async () => {
    await rejectsCode(unownedDefinitions(kubeA, nsA, ['x-trait']), 'ENOT_FOUND', 'x-trait', nsA, 'belong to an addon');
  });

  test('a definition that does not exist → ENOT_FOUND naming it and what is there', async () => {
    const err = await rejectsCode(unownedDefinitions(kubeA, nsA, ['hpa-trait', 'no-such-trait']), 'ENOT_FOUND', 'no-such-trait', 'bizworks-ingress, hpa-trait');
    assert.ok(!err.message.includes('belong to an addon'), err.message);
  });

  test('an empty namespace has nothing to adopt', async () => {
    assert.deepEqual(await unownedDefinitions(kubeB, uniqueNamespace('adopt-empty')), []);
  });
});

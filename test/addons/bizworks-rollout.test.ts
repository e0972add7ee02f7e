/**
 * addons/bizworks-rollout: the batch and canary release trait (Kruise Rollout), rendered through
 * the real CUE evaluator, its Rollout dry-run against a real API server serving Kruise Rollout
 * v0.6.1's CRDs, its status script evaluated on Rollout states, and every bad parameter refused
 * with the field named. The releases themselves run in test/kubevela/rollout.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addonUnderTest } from './cluster.ts';
import { ctx, dryRun, early, evalStatus, renderEach, renderFails, schemaAcceptsEach, schemaRejects, type Obj } from './support.ts';

const { cue, target, ns, def } = await addonUnderTest('bizworks-rollout', 'addon-rollout');

/** The component's Deployment as stateless-component renders it, with `replicas` Pods. */
const deployment = (replicas: number): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'shop', namespace: ns },
  spec: { replicas, selector: { matchLabels: { 'app.oam.dev/component': 'shop' } }, template: { spec: { containers: [{ name: 'shop', image: 'nginx:1.27' }] } } },
});
const helmRelease = (spec: Obj = {}): Obj => ({ apiVersion: 'helm.toolkit.fluxcd.io/v2beta1', kind: 'HelmRelease', metadata: { name: 'web-shop', namespace: ns }, spec: { chart: { spec: { chart: 'web-shop' } }, ...spec } });
const onDeployment = (replicas = 4) => ctx('shop', ns, { output: deployment(replicas) });

const params = {
  counted: { batches: [{ replicas: 1 }, { replicas: 1, duration: 60 }] },
  everyPod: { batches: [{ replicas: 1 }, { replicas: 3 }] },
  percent: { batches: [{ replicas: '20%' }, { replicas: '30%' }, { replicas: '50%' }] },
  none: { batches: [] },
  canary: { mode: 'canary', batches: [{ replicas: 1, weight: 20 }, { replicas: 1, weight: 50 }], traffic: { ingress: 'shop' } },
};

describe('bizworks-rollout renders one Rollout (rollouts.kruise.io/v1alpha1) for the component\'s Deployment', () => {
  const r = renderEach(def, params, onDeployment());

  test('every example parameter set is valid for the published schema', async () => {
    await schemaAcceptsEach(def, params);
  });

  test('batch mode: partition style; each batch counted from the previous, the rest released after the last', async () => {
    const rollout = (await r.counted).outputs.rollout!;
    assert.deepEqual(Object.keys((await r.counted).outputs), ['rollout']);
    assert.equal(rollout.metadata.name, 'shop');
    assert.equal(rollout.metadata.annotations['rollouts.kruise.io/rolling-style'], 'partition');
    assert.deepEqual(rollout.spec.objectRef, { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' } });
    assert.deepEqual(rollout.spec.strategy.canary.steps, [
      { replicas: 1, pause: {} },
      { replicas: 2, pause: { duration: 60 } },
      { replicas: '100%', pause: { duration: 0 } },
    ]);
    assert.equal(rollout.spec.strategy.canary.trafficRoutings, undefined);
  });

  test('batches that reach every Pod get no extra step; percentages add up as percentages', async () => {
    assert.deepEqual((await r.everyPod).outputs.rollout!.spec.strategy.canary.steps, [
      { replicas: 1, pause: {} },
      { replicas: 4, pause: {} },
    ]);
    assert.deepEqual(
      (await r.percent).outputs.rollout!.spec.strategy.canary.steps.map((s: Obj) => s.replicas),
      ['20%', '50%', '100%'],
    );
  });

  test('no batches: one step that releases everything at once', async () => {
    assert.deepEqual((await r.none).outputs.rollout!.spec.strategy.canary.steps, [{ replicas: '100%', pause: { duration: 0 } }]);
  });

  test('canary mode: no partition annotation, the weights per batch, traffic on the nginx Ingress and the component\'s Service', async () => {
    const rollout = (await r.canary).outputs.rollout!;
    assert.equal(rollout.metadata.annotations, undefined);
    // What the batches leave over goes with all the traffic.
    assert.deepEqual(rollout.spec.strategy.canary.steps, [
      { replicas: 1, weight: 20, pause: {} },
      { replicas: 2, weight: 50, pause: {} },
      { replicas: '100%', weight: 100, pause: { duration: 0 } },
    ]);
    assert.deepEqual(rollout.spec.strategy.canary.trafficRoutings, [{ service: 'shop', gracePeriodSeconds: 5, ingress: { name: 'shop', classType: 'nginx' } }]);
  });

  test('the API server with Kruise Rollout v0.6.1\'s CRDs accepts every Rollout (strict field validation)', async () => {
    const t = await target.ready;
    await dryRun(t, (await Promise.all(Object.values(r))).map((v) => v.outputs.rollout!));
  });
});

describe('bizworks-rollout on a helm-component: the chart\'s Deployment, named after the release', () => {
  test('by default the component name; releaseName when set; targetNamespace-component with a target namespace, the Rollout beside it', async () => {
    const batches = { batches: [{ replicas: '50%' }] };
    const plain = await def.render(batches, ctx('web-shop', ns, { output: helmRelease() }));
    assert.equal(plain.outputs.rollout!.spec.objectRef.workloadRef.name, 'web-shop');
    assert.equal(plain.outputs.rollout!.metadata.namespace, ns);
    const named = await def.render(batches, ctx('web-shop', ns, { output: helmRelease({ releaseName: 'shop-front' }) }));
    assert.equal(named.outputs.rollout!.spec.objectRef.workloadRef.name, 'shop-front');
    const elsewhere = await def.render(batches, ctx('web-shop', ns, { output: helmRelease({ targetNamespace: 'shops' }) }));
    assert.equal(elsewhere.outputs.rollout!.spec.objectRef.workloadRef.name, 'shops-web-shop');
    assert.equal(elsewhere.outputs.rollout!.metadata.namespace, 'shops');
    const given = await def.render({ ...batches, workload: { name: 'storefront' } }, ctx('web-shop', ns, { output: helmRelease() }));
    assert.equal(given.outputs.rollout!.spec.objectRef.workloadRef.name, 'storefront');
  });
});

describe('bizworks-rollout: bad parameters are refused when rendered, the field named', () => {
  const fails = (parameters: unknown, replicas = 4) => early(def.render(parameters, onDeployment(replicas)));

  test('batches that add up to more than 100 %', async () => {
    await renderFails(fails({ batches: [{ replicas: '60%' }, { replicas: '50%' }] }), 'parameter.batches adds up to 110%', '100% or less');
  });

  test('batches that add up to more Pods than the Deployment has', async () => {
    await renderFails(fails({ batches: [{ replicas: 3 }, { replicas: 2 }] }), 'parameter.batches adds up to 5 Pods, more than the 4 replicas');
  });

  test('numbers mixed with percentages', async () => {
    await renderFails(fails({ batches: [{ replicas: 1 }, { replicas: '50%' }] }), 'parameter.batches mixes numbers and percentages');
  });

  test('a batch of no Pods, a percentage outside 1-100 %, or not a percentage at all', async () => {
    await renderFails(fails({ batches: [{ replicas: 0 }] }), 'parameter.batches[0].replicas must be 1 or more');
    await renderFails(fails({ batches: [{ replicas: 1 }, { replicas: '120%' }] }), 'parameter.batches[1].replicas must be a number of Pods or a percentage', '120%');
    await renderFails(fails({ batches: [{ replicas: 'half' }] }), 'parameter.batches[0].replicas', 'half');
  });

  test('a weight outside 0-100 (the schema says so before CUE does)', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { mode: 'canary', batches: [{ replicas: 1, weight: 120 }], traffic: { ingress: 'shop' } }, 'batches[0].weight');
    schemaRejects(schema, { mode: 'canary', batches: [{ replicas: 1, weight: -1 }], traffic: { ingress: 'shop' } }, 'batches[0].weight');
    await renderFails(fails({ mode: 'canary', batches: [{ replicas: 1, weight: 120 }], traffic: { ingress: 'shop' } }), 'weight');
  });

  test('a weight without traffic, traffic outside canary mode, an unknown mode, a negative grace period', async () => {
    await renderFails(fails({ mode: 'canary', batches: [{ replicas: 1, weight: 20 }] }), 'parameter.batches[0].weight needs parameter.traffic');
    await renderFails(fails({ batches: [{ replicas: 1 }], traffic: { ingress: 'shop' } }), 'parameter.traffic needs mode: \\"canary\\"');
    schemaRejects(await def.schema(), { mode: 'blue-green', batches: [] }, 'mode');
    await renderFails(fails({ mode: 'canary', batches: [{ replicas: 1 }], traffic: { ingress: 'shop', gracePeriodSeconds: -5 } }), 'parameter.traffic.gracePeriodSeconds must be 0 or more');
  });

  test('the trait on a StatefulSet (not in appliesToWorkloads)', async () => {
    const sts = { ...deployment(3), kind: 'StatefulSet' };
    await renderFails(early(def.render({ batches: [{ replicas: 1 }] }, ctx('db', ns, { output: sts }))), 'not a StatefulSet', 'appliesToWorkloads');
    const attrs = (await def.info()).attributes as { appliesToWorkloads: string[] };
    assert.deepEqual(attrs.appliesToWorkloads, ['deployments.apps', 'helmreleases.helm.toolkit.fluxcd.io']);
  });
});

describe('bizworks-rollout status: which batch runs and what waits for approval', () => {
  const rollout = (status?: Obj, weights: Array<number | undefined> = [undefined, undefined, undefined]): Obj => ({
    metadata: { name: 'shop' },
    spec: { strategy: { canary: { steps: weights.map((w) => ({ replicas: 1, ...(w === undefined ? {} : { weight: w }) })) } } },
    ...(status ? { status } : {}),
  });
  const cases: Array<[string, Obj, string, boolean]> = [
    ['no controller yet', rollout(), 'waiting for Kruise Rollout to take up the Rollout shop', false],
    ['healthy', rollout({ phase: 'Healthy' }), 'released: 3 batch(es) configured, no release in progress', true],
    [
      'paused for approval',
      rollout({ phase: 'Progressing', canaryStatus: { currentStepIndex: 1, currentStepState: 'StepPaused', canaryReplicas: 1, canaryReadyReplicas: 1 } }),
      'batch 1/3 paused, waiting for approval: 1/1 Pods of the new revision ready',
      false,
    ],
    [
      'releasing, with traffic',
      rollout({ phase: 'Progressing', canaryStatus: { currentStepIndex: 2, currentStepState: 'StepUpgrade', canaryReplicas: 2, canaryReadyReplicas: 1 } }, [20, 50]),
      'batch 2/2 releasing: 1/2 Pods of the new revision ready, 50% of traffic',
      false,
    ],
    ['last step done', rollout({ phase: 'Progressing', canaryStatus: { currentStepIndex: 3, currentStepState: 'Completed' } }), 'batch 3/3 done, finishing the release', false],
    ['another phase', rollout({ phase: 'Terminating', message: 'Rollout is in terminating' }), 'Terminating: Rollout is in terminating', false],
  ];

  test('the message and health of each state', async () => {
    const status = (await def.info()).attributes as { status: { customStatus: string; healthPolicy: string } };
    const contexts = cases.map(([, r]) => ({ outputs: { rollout: r } }));
    const messages = await evalStatus(cue, status.status.customStatus, contexts);
    const health = await evalStatus(cue, status.status.healthPolicy, contexts);
    cases.forEach(([what, , message, healthy], i) => {
      assert.equal(messages[i]!.message, message, what);
      assert.equal(health[i]!.isHealth, healthy, what);
    });
  });
});

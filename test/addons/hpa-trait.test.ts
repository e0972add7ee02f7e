/**
 * addons/hpa-trait: a HorizontalPodAutoscaler for the component's workload, rendered through the
 * real CUE evaluator and dry-run against a real API server (autoscaling/v2; the v2beta2 branch
 * for clusters before 1.23 is checked for shape only: the 1.37 test API server no longer serves it).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sampleWorkload } from '../../core/cue/context.ts';
import { addonUnderTest } from './cluster.ts';
import { ctx, Definition, dryRun, early, evalStatus, objectsOf, renderFails, schemaAccepts, schemaRejects, withPatch, type Obj } from './support.ts';

const { cue, target, ns, def } = await addonUnderTest('hpa-trait', 'addon-hpa');

/** A StatefulSet the API server accepts, as the workload of a stateful component. */
const statefulSet: Obj = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: ns, labels: { 'app.oam.dev/component': 'db' } },
  spec: {
    replicas: 1,
    serviceName: 'db-headless',
    selector: { matchLabels: { 'app.oam.dev/component': 'db' } },
    template: {
      metadata: { labels: { 'app.oam.dev/component': 'db' } },
      spec: { containers: [{ name: 'db', image: 'postgres:16', resources: { requests: { cpu: '250m', memory: '256Mi' } } }] },
    },
  },
};

const every = { min: 2, max: 8, cpuUtilization: 70, memoryUtilization: 80, scaleDownStabilizationSeconds: 600 };

const cases = {
  defaults: { parameters: {}, context: ctx('web', ns) },
  every: { parameters: every, context: ctx('web', ns) },
  statefulSet: { parameters: { min: 3, max: 3, cpuUtilization: 50, scaleDownStabilizationSeconds: 0 }, context: ctx('db', ns, { output: statefulSet }) },
  v2beta2: { parameters: every, context: ctx('web', ns, { minor: 21 }) },
} as const;

const rendered = Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, early(def.render(c.parameters, c.context))])) as {
  [K in keyof typeof cases]: ReturnType<Definition['render']>;
};

const cpu = (averageUtilization: number): Obj => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });
const memory = (averageUtilization: number): Obj => ({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization } } });

describe('hpa-trait: rendering', () => {
  test('the parameter sets below are all valid for the published schema', async () => {
    const schema = await def.schema();
    for (const c of Object.values(cases)) schemaAccepts(schema, c.parameters);
  });

  test('defaults: autoscaling/v2, 1 to 10 replicas on 80% CPU, aimed at the Deployment; no patch', async () => {
    const r = await rendered.defaults;
    assert.equal(r.output, undefined);
    assert.equal(r.patch, undefined);
    assert.deepEqual(r.outputs, {
      hpa: {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 10,
          metrics: [cpu(80)],
        },
      },
    });
  });

  test('every option: min/max, CPU and memory targets, scale-down stabilization', async () => {
    const hpa = (await rendered.every).outputs.hpa!;
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 8,
      metrics: [cpu(70), memory(80)],
      behavior: { scaleDown: { stabilizationWindowSeconds: 600 } },
    });
  });

  test('on a StatefulSet: scaleTargetRef follows the workload; min = max and stabilization 0 are allowed', async () => {
    const hpa = (await rendered.statefulSet).outputs.hpa!;
    assert.deepEqual(hpa.metadata, { name: 'db' });
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' },
      minReplicas: 3,
      maxReplicas: 3,
      metrics: [cpu(50)],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
  });

  test('Kubernetes 1.21: autoscaling/v2beta2 with the same spec as v2', async () => {
    const [old, current] = await Promise.all([rendered.v2beta2, rendered.every]);
    const hpa = old.outputs.hpa!;
    assert.equal(hpa.apiVersion, 'autoscaling/v2beta2');
    assert.equal(hpa.kind, 'HorizontalPodAutoscaler');
    assert.deepEqual(hpa.metadata, { name: 'web' });
    assert.deepEqual(hpa.spec, current.outputs.hpa!.spec);
  });

  test('customStatus reports current and desired replicas against the bounds', async () => {
    const status = (await def.info()).attributes.status as { customStatus: string };
    const hpa = (await rendered.every).outputs.hpa!;
    const out = await evalStatus(cue, status.customStatus, [{ outputs: { hpa: { ...hpa, status: { currentReplicas: 3, desiredReplicas: 5 } } } }, { outputs: { hpa } }]);
    assert.deepEqual(out, [{ message: 'Replicas: 3 current, 5 desired (min 2, max 8)' }, { message: 'Replicas: 0 current, 0 desired (min 2, max 8)' }]);
  });
});

describe('hpa-trait: invalid parameters name the parameter', () => {
  const context = ctx('web', ns);
  const fails = (parameters: unknown) => early(def.render(parameters, context));

  test('max smaller than min', async () => {
    await renderFails(fails({ min: 5, max: 2 }), 'parameter.max', 'parameter.min');
  });

  test('wrong types: cpuUtilization as a string, min as a float', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { cpuUtilization: '80' }, 'cpuUtilization', 'parameter-type');
    schemaRejects(schema, { min: 1.5 }, 'min', 'parameter-type');
    await renderFails(fails({ cpuUtilization: '80' }), 'parameter.cpuUtilization');
  });

  test('out of range: min 0, memoryUtilization 0, stabilization over an hour', async () => {
    const schema = await def.schema();
    // A bound beside a default is checked by the render: KubeVela's schema generator cannot hold it.
    schemaAccepts(schema, { min: 0 });
    schemaRejects(schema, { memoryUtilization: 0 }, 'memoryUtilization', 'parameter-minimum');
    schemaRejects(schema, { scaleDownStabilizationSeconds: 3601 }, 'scaleDownStabilizationSeconds', 'parameter-maximum');
    await renderFails(fails({ min: 0 }), 'parameter.min');
    await renderFails(fails({ scaleDownStabilizationSeconds: 3601 }), 'parameter.scaleDownStabilizationSeconds');
  });

  test('an unknown parameter (the HPA field name instead of the trait one)', async () => {
    const d = schemaRejects(await def.schema(), { maxReplicas: 5 }, 'maxReplicas', 'parameter-additionalProperties');
    assert.match(d.message, /did you mean "max"\?|valid: /);
  });
});

describe('hpa-trait: the API server accepts every rendered object', () => {
  for (const key of ['defaults', 'every', 'statefulSet'] as const) {
    test(`${key}: the HPA and its workload (patch merged) dry-run cleanly`, async () => {
      const [t, r] = await Promise.all([target.ready, rendered[key]]);
      const workload = (cases[key].context.output as Obj | undefined) ?? sampleWorkload('web', ns);
      const objects = [...objectsOf(r), withPatch(workload, r.patch)];
      const [hpa] = await dryRun(t, objects);
      assert.deepEqual(hpa!.spec.metrics, r.outputs.hpa!.spec.metrics);
      assert.deepEqual(hpa!.spec.scaleTargetRef, r.outputs.hpa!.spec.scaleTargetRef);
    });
  }
});

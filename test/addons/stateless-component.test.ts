/**
 * addons/stateless-component: a Deployment plus a Service for the exposed ports, rendered through
 * the real CUE evaluator and dry-run against a real API server; its health policy and custom
 * status evaluated as KubeVela does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addonUnderTest } from './cluster.ts';
import { ctx, dryRun, dryRunRefusal, early, evalStatus, objectsOf, quoted, renderEach, renderFails, renderFailsRequired, schemaAcceptsEach, schemaRejects, withoutZeros, type Obj } from './support.ts';

const { cue, target, ns, def } = await addonUnderTest('stateless-component', 'addon-stateless');
const context = ctx('web', ns);

const every = {
  image: 'ghcr.io/stefanprodan/podinfo:6.7.0',
  imagePullPolicy: 'IfNotPresent',
  imagePullSecrets: ['registry-a', 'registry-b'],
  replicas: 3,
  ports: [
    { port: 9898, name: 'http', expose: true },
    { port: 9797, protocol: 'TCP' },
    { port: 5353, protocol: 'UDP', expose: true },
    { port: 3868, protocol: 'SCTP' },
  ],
  exposeType: 'NodePort',
  cmd: ['./podinfo'],
  args: ['--port=9898', '--level=info'],
  env: [
    { name: 'MESSAGE', value: 'hello' },
    { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'web-secrets', key: 'password' } } },
    { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'web-settings', key: 'color' } } },
  ],
  cpu: '100m',
  memory: '64Mi',
  limits: { cpu: '500m', memory: '128Mi' },
  livenessProbe: {
    httpGet: { path: '/healthz', port: 9898, scheme: 'HTTPS', httpHeaders: [{ name: 'X-Probe', value: 'liveness' }] },
    initialDelaySeconds: 5,
    periodSeconds: 15,
    timeoutSeconds: 2,
    successThreshold: 1,
    failureThreshold: 4,
  },
  readinessProbe: { tcpSocket: { port: 9898 }, successThreshold: 2 },
  volumes: [
    { name: 'scratch', type: 'emptyDir', mountPath: '/tmp', medium: 'Memory', sizeLimit: '64Mi' },
    { name: 'settings', type: 'configMap', sourceName: 'web-settings', mountPath: '/etc/web', readOnly: true, items: [{ key: 'app.yaml', path: 'config/app.yaml' }], defaultMode: 420 },
    { name: 'tls', type: 'secret', mountPath: '/etc/tls', subPath: 'certs', defaultMode: 256 },
    { name: 'data', type: 'pvc', sourceName: 'web-data', mountPath: '/data', readOnly: true },
  ],
  labels: { team: 'web', tier: 'frontend' },
  annotations: { 'prometheus.io/scrape': 'true' },
};

const params = {
  minimal: { image: 'nginx:1.27' },
  every,
  // Exposed ports with the default Service type, an exec probe, cpu without memory, one env var.
  exposed: {
    image: 'nginx:1.27',
    replicas: 0,
    ports: [{ port: 80, expose: true }],
    cpu: '250m',
    readinessProbe: { exec: { command: ['cat', '/tmp/ready'] } },
    volumes: [{ name: 'cache', mountPath: '/cache' }],
  },
} as const;

const rendered = renderEach(def, params, context);

const selector = { 'app.oam.dev/component': 'web' };

describe('stateless-component: rendering', () => {
  test('the parameter sets below are all valid for the published schema', () => schemaAcceptsEach(def, params));

  test('minimal: a one-replica Deployment running the image, nothing else', async () => {
    const r = await rendered.minimal;
    assert.deepEqual(r.outputs, {});
    assert.equal(r.patch, undefined);
    assert.deepEqual(r.output, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: { metadata: { labels: selector }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    });
  });

  test('every option: Deployment metadata, replicas and pull secrets', async () => {
    const d = (await rendered.every).output!;
    assert.deepEqual(d.metadata, { name: 'web', labels: every.labels, annotations: every.annotations });
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.selector, { matchLabels: selector });
    // Pods carry the user's labels and the selector label, and the annotations.
    assert.deepEqual(d.spec.template.metadata, { labels: { team: 'web', tier: 'frontend', ...selector }, annotations: every.annotations });
    assert.deepEqual(d.spec.template.spec.imagePullSecrets, [{ name: 'registry-a' }, { name: 'registry-b' }]);
    assert.deepEqual(Object.keys(d.spec.template.spec).sort(), ['containers', 'imagePullSecrets', 'volumes']);
  });

  test('every option: the container (image, command, ports, env, resources, probes, mounts)', async () => {
    const [c, ...others] = (await rendered.every).output!.spec.template.spec.containers;
    assert.equal(others.length, 0);
    assert.deepEqual(c, {
      name: 'web',
      image: every.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['./podinfo'],
      args: ['--port=9898', '--level=info'],
      ports: [
        { name: 'http', containerPort: 9898, protocol: 'TCP' },
        { name: 'port-9797', containerPort: 9797, protocol: 'TCP' },
        { name: 'port-5353-udp', containerPort: 5353, protocol: 'UDP' },
        { name: 'port-3868-sctp', containerPort: 3868, protocol: 'SCTP' },
      ],
      env: every.env,
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      livenessProbe: every.livenessProbe,
      // Defaults filled in.
      readinessProbe: { tcpSocket: { port: 9898 }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 2, failureThreshold: 3 },
      volumeMounts: [
        { name: 'scratch', mountPath: '/tmp', readOnly: false },
        { name: 'settings', mountPath: '/etc/web', readOnly: true },
        { name: 'tls', mountPath: '/etc/tls', subPath: 'certs', readOnly: false },
        { name: 'data', mountPath: '/data', readOnly: true },
      ],
    });
  });

  test('every option: emptyDir, configMap, secret and pvc volumes', async () => {
    assert.deepEqual((await rendered.every).output!.spec.template.spec.volumes, [
      { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'settings', configMap: { name: 'web-settings', items: [{ key: 'app.yaml', path: 'config/app.yaml' }], defaultMode: 420 } },
      // sourceName defaults to the volume name.
      { name: 'tls', secret: { secretName: 'tls', defaultMode: 256 } },
      { name: 'data', persistentVolumeClaim: { claimName: 'web-data', readOnly: true } },
    ]);
  });

  test('every option: a Service of exposeType with the exposed ports only', async () => {
    assert.deepEqual((await rendered.every).outputs, {
      service: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: {
          type: 'NodePort',
          selector,
          ports: [
            { name: 'http', port: 9898, targetPort: 9898, protocol: 'TCP' },
            { name: 'port-5353-udp', port: 5353, targetPort: 5353, protocol: 'UDP' },
          ],
        },
      },
    });
  });

  test('exposed port with defaults: ClusterIP Service, exec probe, cpu request only, emptyDir by default, 0 replicas', async () => {
    const r = await rendered.exposed;
    assert.deepEqual(r.outputs.service!.spec, { type: 'ClusterIP', selector, ports: [{ name: 'port-80', port: 80, targetPort: 80, protocol: 'TCP' }] });
    assert.equal(r.output!.spec.replicas, 0);
    const pod = r.output!.spec.template.spec;
    assert.deepEqual(pod.volumes, [{ name: 'cache', emptyDir: {} }]);
    assert.deepEqual(pod.containers[0], {
      name: 'web',
      image: 'nginx:1.27',
      ports: [{ name: 'port-80', containerPort: 80, protocol: 'TCP' }],
      resources: { requests: { cpu: '250m' } },
      readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
      volumeMounts: [{ name: 'cache', mountPath: '/cache', readOnly: false }],
    });
  });

  test('healthPolicy and customStatus: healthy only when every replica is ready and up to date', async () => {
    const { status } = (await def.info()).attributes as { status: { healthPolicy: string; customStatus: string } };
    const output = (replicas: number, st: Obj, generation = 2): Obj => ({ metadata: { generation }, spec: { replicas }, status: st });
    const ready = { readyReplicas: 3, updatedReplicas: 3, replicas: 3, observedGeneration: 2 };
    const [health, messages] = await Promise.all([
      evalStatus(cue, status.healthPolicy, [
        { output: output(3, ready) },
        { output: output(3, { ...ready, updatedReplicas: 2, replicas: 4 }) },
        { output: output(3, ready, 3) },
        { output: { metadata: { generation: 1 }, spec: { replicas: 1 } } },
        { output: output(0, { observedGeneration: 2 }) },
      ]),
      evalStatus(cue, status.customStatus, [{ output: output(3, { ...ready, readyReplicas: 1 }) }, { output: { spec: {} } }]),
    ]);
    // healthy, rolling out, stale generation, no status yet, scaled to zero
    assert.deepEqual(health.map((h) => h.isHealth), [true, false, false, false, true]);
    assert.deepEqual(messages, [{ message: 'Ready: 1/3' }, { message: 'Ready: 0/1' }]);
  });
});

describe('stateless-component: invalid parameters name the parameter', () => {
  const fails = (parameters: unknown) => early(def.render(parameters, context));

  test('missing required: image, and a port without its number', async () => {
    const schema = await def.schema();
    schemaRejects(schema, {}, 'image', 'parameter-required');
    schemaRejects(schema, { image: 'nginx', ports: [{ name: 'http' }] }, 'ports[0].port', 'parameter-required');
    await renderFailsRequired(fails({}), 'image');
    await renderFailsRequired(fails({ image: 'nginx', ports: [{ name: 'http' }] }), 'ports[0].port');
  });

  test('wrong types: replicas as a string, env as a map, labels with a number', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { image: 'nginx', replicas: 'two' }, 'replicas', 'parameter-type');
    schemaRejects(schema, { image: 'nginx', env: { A: 'b' } }, 'env', 'parameter-type');
    schemaRejects(schema, { image: 'nginx', labels: { team: 1 } }, 'labels.team', 'parameter-type');
    await renderFails(fails({ image: 'nginx', replicas: 'two' }), 'parameter.replicas');
  });

  test('out of range and not in the enum: port 70000, volume type hostPath, exposeType Ingress', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { image: 'nginx', ports: [{ port: 70000 }] }, 'ports[0].port', 'parameter-maximum');
    schemaRejects(schema, { image: 'nginx', volumes: [{ name: 'h', mountPath: '/h', type: 'hostPath' }] }, 'volumes[0].type', 'parameter-enum');
    schemaRejects(schema, { image: 'nginx', exposeType: 'Ingress' }, 'exposeType', 'parameter-enum');
    await renderFails(fails({ image: 'nginx', ports: [{ port: 70000 }] }), 'parameter.ports[0].port');
  });

  test('a misspelt parameter is caught by the schema, with a suggestion', async () => {
    const d = schemaRejects(await def.schema(), { image: 'nginx', replica: 2 }, 'replica', 'parameter-additionalProperties');
    assert.match(d.message, /did you mean "replicas"\?/);
  });

  test('a probe with two handlers, or none', async () => {
    await renderFails(fails({ image: 'nginx', livenessProbe: { httpGet: { port: 80 }, exec: { command: ['true'] } } }), 'parameter.livenessProbe', 'exactly one');
    await renderFails(fails({ image: 'nginx', readinessProbe: { periodSeconds: 5 } }), 'parameter.readinessProbe', 'exactly one');
  });

  test('a liveness probe with successThreshold other than 1', async () => {
    await renderFails(fails({ image: 'nginx', livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } }), 'parameter.livenessProbe.successThreshold');
  });

  test('two ports with one name, two volumes with one name', async () => {
    await renderFails(fails({ image: 'nginx', ports: [{ port: 80, name: 'web' }, { port: 81, name: 'web' }] }), 'parameter.ports', quoted('web'));
    await renderFails(
      fails({ image: 'nginx', volumes: [{ name: 'a', mountPath: '/a' }, { name: 'a', mountPath: '/b', type: 'secret' }] }),
      'parameter.volumes',
      quoted('a'),
    );
  });

  test('an env var with both value and valueFrom, or valueFrom with neither ref', async () => {
    await renderFails(
      fails({ image: 'nginx', env: [{ name: 'A', value: 'x' }, { name: 'B', value: 'y', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }),
      'parameter.env[1]',
      'value',
    );
    await renderFails(fails({ image: 'nginx', env: [{ name: 'A', valueFrom: {} }] }), 'parameter.env[0].valueFrom');
  });
});

describe('stateless-component: the API server accepts every rendered object', () => {
  for (const key of Object.keys(params) as Array<keyof typeof params>) {
    test(`${key}: Deployment and Service dry-run cleanly`, async () => {
      const [t, r] = await Promise.all([target.ready, rendered[key]]);
      const objects = objectsOf(r);
      const [deployment] = await dryRun(t, objects);
      // Nothing pruned on the way: the container comes back with every field sent.
      const sent = r.output!.spec.template.spec.containers[0];
      const kept = deployment!.spec.template.spec.containers[0];
      for (const [k, v] of Object.entries(sent as Obj)) assert.deepEqual(withoutZeros(kept[k]), withoutZeros(v), `container field ${k}`);
    });
  }

  test('the dry-run is real validation: a Deployment whose selector misses its pods is refused', async () => {
    const [t, r] = await Promise.all([target.ready, rendered.minimal]);
    const broken = structuredClone(r.output!);
    broken.spec.template.metadata.labels = { other: 'label' };
    assert.match(await dryRunRefusal(t, broken), /selector|labels/);
    const unknown = structuredClone(r.output!);
    unknown.spec.template.spec.containers[0].imagePullPolcy = 'Always';
    assert.match(await dryRunRefusal(t, unknown), /imagePullPolcy/);
  });
});

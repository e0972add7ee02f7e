/**
 * addons/stateful-component: a StatefulSet, its headless Service, volumeClaimTemplates and a
 * Service for exposed ports, rendered through the real CUE evaluator and dry-run against a real
 * API server; its health policy evaluated as KubeVela does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addonUnderTest } from './cluster.ts';
import { ctx, dryRun, early, evalStatus, objectsOf, quoted, renderEach, renderFails, renderFailsRequired, schemaAcceptsEach, schemaRejects, withoutZeros, type Obj } from './support.ts';

const { cue, target, ns, def } = await addonUnderTest('stateful-component', 'addon-stateful');
const context = ctx('db', ns);

const every = {
  image: 'postgres:16',
  imagePullPolicy: 'Always',
  imagePullSecrets: ['registry'],
  replicas: 3,
  ports: [
    { port: 5432, name: 'postgres', expose: true },
    { port: 8008, protocol: 'TCP' },
    { port: 5353, protocol: 'UDP', expose: true },
  ],
  exposeType: 'LoadBalancer',
  publishNotReadyAddresses: true,
  storage: [
    { name: 'data', mountPath: '/var/lib/postgresql/data', subPath: 'pgdata', size: '20Gi', storageClassName: 'fast-ssd', accessModes: ['ReadWriteOncePod'] },
    { name: 'wal', mountPath: '/wal' },
  ],
  podManagementPolicy: 'Parallel',
  updateStrategy: { type: 'RollingUpdate', partition: 2 },
  cmd: ['docker-entrypoint.sh'],
  args: ['postgres', '-c', 'max_connections=200'],
  env: [
    { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
    { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-auth', key: 'password' } } },
    { name: 'TUNING', valueFrom: { configMapKeyRef: { name: 'db-settings', key: 'tuning' } } },
  ],
  cpu: '500m',
  memory: '1Gi',
  limits: { memory: '2Gi' },
  livenessProbe: { tcpSocket: { port: 5432 }, initialDelaySeconds: 30, failureThreshold: 6 },
  readinessProbe: { exec: { command: ['pg_isready', '-U', 'postgres'] }, periodSeconds: 5 },
  volumes: [
    { name: 'shm', type: 'emptyDir', medium: 'Memory', mountPath: '/dev/shm' },
    { name: 'init', type: 'configMap', sourceName: 'db-init', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
    { name: 'certs', type: 'secret', mountPath: '/certs', items: [{ key: 'tls.crt', path: 'server.crt' }], defaultMode: 384 },
    { name: 'backups', type: 'pvc', mountPath: '/backups' },
  ],
  labels: { team: 'data' },
  annotations: { 'backup.example.com/schedule': 'daily' },
};

const params = {
  minimal: { image: 'redis:7.2' },
  every,
  onDelete: { image: 'redis:7.2', ports: [{ port: 6379 }], storage: [{ name: 'data', mountPath: '/data', size: '5Gi' }], updateStrategy: { type: 'OnDelete' } },
} as const;

const rendered = renderEach(def, params, context);

const selector = { 'app.oam.dev/component': 'db' };

describe('stateful-component: rendering', () => {
  test('the parameter sets below are all valid for the published schema', () => schemaAcceptsEach(def, params));

  test('minimal: a one-replica StatefulSet governed by a headless Service, no volumes, no client Service', async () => {
    const r = await rendered.minimal;
    assert.equal(r.patch, undefined);
    assert.deepEqual(r.output, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 1,
        serviceName: 'db-headless',
        podManagementPolicy: 'OrderedReady',
        selector: { matchLabels: selector },
        template: { metadata: { labels: selector }, spec: { containers: [{ name: 'db', image: 'redis:7.2' }] } },
      },
    });
    assert.deepEqual(r.outputs, {
      headless: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'db-headless' },
        spec: { clusterIP: 'None', publishNotReadyAddresses: false, selector },
      },
    });
  });

  test('every option: StatefulSet spec (replicas, pod management, partitioned rolling update, claim templates)', async () => {
    const s = (await rendered.every).output!;
    assert.deepEqual(s.metadata, { name: 'db', labels: { team: 'data' }, annotations: every.annotations });
    const { template, ...spec } = s.spec;
    assert.deepEqual(spec, {
      replicas: 3,
      serviceName: 'db-headless',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      selector: { matchLabels: selector },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOncePod'], storageClassName: 'fast-ssd', resources: { requests: { storage: '20Gi' } } },
        },
        // Defaults: 1Gi, ReadWriteOnce, the cluster's default StorageClass.
        { metadata: { name: 'wal' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    });
    assert.deepEqual(template.metadata, { labels: { team: 'data', ...selector }, annotations: every.annotations });
    assert.deepEqual(template.spec.imagePullSecrets, [{ name: 'registry' }]);
  });

  test('every option: the container, with claim templates and volumes mounted', async () => {
    const { containers, volumes } = (await rendered.every).output!.spec.template.spec;
    assert.equal(containers.length, 1);
    assert.deepEqual(containers[0], {
      name: 'db',
      image: 'postgres:16',
      imagePullPolicy: 'Always',
      command: ['docker-entrypoint.sh'],
      args: ['postgres', '-c', 'max_connections=200'],
      ports: [
        { name: 'postgres', containerPort: 5432, protocol: 'TCP' },
        { name: 'port-8008', containerPort: 8008, protocol: 'TCP' },
        { name: 'port-5353-udp', containerPort: 5353, protocol: 'UDP' },
      ],
      env: every.env,
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
      livenessProbe: { tcpSocket: { port: 5432 }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 6 },
      readinessProbe: { exec: { command: ['pg_isready', '-U', 'postgres'] }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
      volumeMounts: [
        { name: 'shm', mountPath: '/dev/shm', readOnly: false },
        { name: 'init', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
        { name: 'certs', mountPath: '/certs', readOnly: false },
        { name: 'backups', mountPath: '/backups', readOnly: false },
        { name: 'data', mountPath: '/var/lib/postgresql/data', subPath: 'pgdata' },
        { name: 'wal', mountPath: '/wal' },
      ],
    });
    assert.deepEqual(volumes, [
      { name: 'shm', emptyDir: { medium: 'Memory' } },
      { name: 'init', configMap: { name: 'db-init' } },
      { name: 'certs', secret: { secretName: 'certs', items: [{ key: 'tls.crt', path: 'server.crt' }], defaultMode: 384 } },
      { name: 'backups', persistentVolumeClaim: { claimName: 'backups', readOnly: false } },
    ]);
  });

  test('every option: headless Service lists every port; the client Service only the exposed ones', async () => {
    const { outputs } = await rendered.every;
    const port = (name: string, p: number, protocol = 'TCP'): Obj => ({ name, port: p, targetPort: p, protocol });
    assert.deepEqual(outputs, {
      headless: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'db-headless' },
        spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector, ports: [port('postgres', 5432), port('port-8008', 8008), port('port-5353-udp', 5353, 'UDP')] },
      },
      service: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'db' },
        spec: { type: 'LoadBalancer', selector, ports: [port('postgres', 5432), port('port-5353-udp', 5353, 'UDP')] },
      },
    });
  });

  test('OnDelete update strategy: no rollingUpdate block; a port and a claim template', async () => {
    const r = await rendered.onDelete;
    assert.deepEqual(r.output!.spec.updateStrategy, { type: 'OnDelete' });
    assert.deepEqual(r.output!.spec.volumeClaimTemplates, [
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } },
    ]);
    assert.deepEqual(r.output!.spec.template.spec.containers[0].volumeMounts, [{ name: 'data', mountPath: '/data' }]);
    assert.equal(r.output!.spec.template.spec.volumes, undefined);
    assert.deepEqual(Object.keys(r.outputs), ['headless']);
    assert.deepEqual(r.outputs.headless!.spec.ports, [{ name: 'port-6379', port: 6379, targetPort: 6379, protocol: 'TCP' }]);
  });

  test('healthPolicy: ready and rolled out, honouring the partition and OnDelete', async () => {
    const { status } = (await def.info()).attributes as { status: { healthPolicy: string; customStatus: string } };
    const sts = (replicas: number, st: Obj, updateStrategy?: Obj): Obj => ({ metadata: { generation: 1 }, spec: { replicas, ...(updateStrategy ? { updateStrategy } : {}) }, status: st });
    const all = { readyReplicas: 3, updatedReplicas: 3, observedGeneration: 1 };
    const cases: Array<[string, Obj, boolean]> = [
      ['all ready and updated', sts(3, all), true],
      ['one not ready', sts(3, { ...all, readyReplicas: 2 }), false],
      ['rolling out', sts(3, { ...all, updatedReplicas: 1 }), false],
      ['partition 2: one updated is done', sts(3, { ...all, updatedReplicas: 1 }, { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }), true],
      ['OnDelete: old pods are fine', sts(3, { ...all, updatedReplicas: 0 }, { type: 'OnDelete' }), true],
      ['not observed yet', { metadata: { generation: 2 }, spec: { replicas: 3 }, status: all }, false],
    ];
    const [health, messages] = await Promise.all([
      evalStatus(cue, status.healthPolicy, cases.map(([, output]) => ({ output }))),
      evalStatus(cue, status.customStatus, [{ output: sts(3, { readyReplicas: 2, updatedReplicas: 3 }) }]),
    ]);
    assert.deepEqual(
      cases.map(([name], i) => [name, health[i]!.isHealth]),
      cases.map(([name, , healthy]) => [name, healthy]),
    );
    assert.deepEqual(messages, [{ message: 'Ready: 2/3, updated: 3' }]);
  });
});

describe('stateful-component: invalid parameters name the parameter', () => {
  const fails = (parameters: unknown) => early(def.render(parameters, context));

  test('missing required: image, and a storage entry without mountPath', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { storage: [] }, 'image', 'parameter-required');
    schemaRejects(schema, { image: 'redis', storage: [{ name: 'data' }] }, 'storage[0].mountPath', 'parameter-required');
    await renderFailsRequired(fails({}), 'image');
    await renderFailsRequired(fails({ image: 'redis', storage: [{ name: 'data' }] }), 'storage[0].mountPath');
  });

  test('wrong types: size as a number, publishNotReadyAddresses as a string', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { image: 'redis', storage: [{ name: 'data', mountPath: '/d', size: 10 }] }, 'storage[0].size', 'parameter-type');
    schemaRejects(schema, { image: 'redis', publishNotReadyAddresses: 'yes' }, 'publishNotReadyAddresses', 'parameter-type');
    await renderFails(fails({ image: 'redis', storage: [{ name: 'data', mountPath: '/d', size: 10 }] }), 'parameter.storage[0].size');
  });

  test('not in the enum or pattern: access mode, pod management policy, claim name, relative mountPath', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { image: 'redis', storage: [{ name: 'data', mountPath: '/d', accessModes: ['ReadWriteAll'] }] }, 'storage[0].accessModes[0]', 'parameter-enum');
    schemaRejects(schema, { image: 'redis', podManagementPolicy: 'Ordered' }, 'podManagementPolicy', 'parameter-enum');
    schemaRejects(schema, { image: 'redis', storage: [{ name: 'Data_1', mountPath: '/d' }] }, 'storage[0].name', 'parameter-pattern');
    schemaRejects(schema, { image: 'redis', storage: [{ name: 'data', mountPath: 'data' }] }, 'storage[0].mountPath', 'parameter-pattern');
    await renderFails(fails({ image: 'redis', podManagementPolicy: 'Ordered' }), 'parameter.podManagementPolicy');
    await renderFails(fails({ image: 'redis', storage: [{ name: 'Data_1', mountPath: '/d' }] }), 'parameter.storage[0].name');
  });

  test('a partition with OnDelete', async () => {
    await renderFails(fails({ image: 'redis', updateStrategy: { type: 'OnDelete', partition: 1 } }), 'parameter.updateStrategy.partition');
  });

  test('a volume and a claim template with one name', async () => {
    await renderFails(
      fails({ image: 'redis', volumes: [{ name: 'data', mountPath: '/a' }], storage: [{ name: 'data', mountPath: '/b' }] }),
      'parameter.volumes',
      'parameter.storage',
      quoted('data'),
    );
  });

  test('a misspelt parameter is caught by the schema, with a suggestion', async () => {
    const d = schemaRejects(await def.schema(), { image: 'redis', storge: [] }, 'storge', 'parameter-additionalProperties');
    assert.match(d.message, /did you mean "storage"\?/);
  });
});

describe('stateful-component: the API server accepts every rendered object', () => {
  for (const key of Object.keys(params) as Array<keyof typeof params>) {
    test(`${key}: StatefulSet and Services dry-run cleanly`, async () => {
      const [t, r] = await Promise.all([target.ready, rendered[key]]);
      const [sts] = await dryRun(t, objectsOf(r));
      // Nothing pruned on the way: the claim templates and the container come back as sent.
      const sent = r.output!.spec;
      assert.deepEqual(
        (sts!.spec.volumeClaimTemplates ?? []).map((v: Obj) => ({ metadata: { name: v.metadata.name }, spec: { ...v.spec, volumeMode: undefined } })),
        (sent.volumeClaimTemplates ?? []).map((v: Obj) => ({ ...v, spec: { ...v.spec, volumeMode: undefined } })),
      );
      for (const [k, v] of Object.entries(sent.template.spec.containers[0] as Obj)) {
        assert.deepEqual(withoutZeros(sts!.spec.template.spec.containers[0][k]), withoutZeros(v), `container field ${k}`);
      }
    });
  }
});

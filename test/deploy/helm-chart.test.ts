/**
 * deploy/helm/velahub: checked by the real `helm` (lint, template) built from the Go module in
 * test/helm, every rendered object validated by the test API server (dryRun=All, strict field
 * validation) in a namespace of its own, and `helm install --dry-run=server` against it: with
 * default values (one replica on the embedded store) and with replicas on PostgreSQL and S3.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { testClusters } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { kubeRequest } from '../cluster/kube-http.ts';
import { ensureHelm } from '../helm/build.ts';

const chartDir = fileURLToPath(new URL('../../deploy/helm/velahub', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

let helm: string;
let work: string;
let helmEnv: NodeJS.ProcessEnv;

function runHelm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(helm, args, { env: helmEnv, cwd: work, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function render(set: string[]): Promise<Obj[]> {
  const r = await runHelm(['template', 'hub', chartDir, '--namespace', 'registry', ...set.flatMap((s) => ['--set', s])]);
  assert.equal(r.code, 0, r.stderr);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const byKind = (objs: Obj[], kind: string): Obj => {
  const found = objs.find((o) => o.kind === kind);
  assert.ok(found, `no ${kind} rendered`);
  return found;
};

before(async () => {
  helm = process.env.VELAHUB_HELM ?? (await ensureHelm());
  work = await mkdtemp(join(tmpdir(), 'velahub-chart-'));
  helmEnv = { PATH: process.env.PATH, HOME: work, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data'), KUBECONFIG: join(work, 'none') };
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('helm lint and template', () => {
  test('helm lint --strict passes with the default values and with replicas on a settings Secret', async () => {
    for (const set of [[], ['existingSecret=velahub-settings', 'replicaCount=3']]) {
      const r = await runHelm(['lint', chartDir, '--strict', ...set.flatMap((s) => ['--set', s])]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  test('default values: one replica on the embedded store, /data on a PersistentVolumeClaim kept on uninstall, Recreate, a kept token pepper, no PodDisruptionBudget', async () => {
    const objs = await render([]);
    assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['Deployment/hub-velahub', 'PersistentVolumeClaim/hub-velahub-data', 'Secret/hub-velahub-token-pepper', 'Service/hub-velahub', 'ServiceAccount/hub-velahub']);
    const d = byKind(objs, 'Deployment');
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
    const pod = d.spec.template.spec;
    assert.deepEqual(pod.volumes.find((v: Obj) => v.name === 'data'), { name: 'data', persistentVolumeClaim: { claimName: 'hub-velahub-data' } });
    const env = Object.fromEntries(pod.containers[0].env.map((e: Obj) => [e.name, e]));
    assert.deepEqual(Object.keys(env).sort(), ['VELAHUB_LOG_LEVEL', 'VELAHUB_TOKEN_PEPPER'], 'no database, bucket or keys');
    assert.deepEqual(env.VELAHUB_TOKEN_PEPPER.valueFrom.secretKeyRef, { name: 'hub-velahub-token-pepper', key: 'VELAHUB_TOKEN_PEPPER' });
    const pvc = byKind(objs, 'PersistentVolumeClaim');
    assert.deepEqual(pvc.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '8Gi' } } });
    assert.equal(pvc.metadata.annotations['helm.sh/resource-policy'], 'keep');
    const pepper = byKind(objs, 'Secret');
    assert.equal(pepper.metadata.annotations['helm.sh/resource-policy'], 'keep');
    assert.equal(Buffer.from(pepper.data.VELAHUB_TOKEN_PEPPER, 'base64').toString().length, 64);
  });

  test('more than one replica without a settings Secret fails and says what to set', async () => {
    const r = await runHelm(['template', 'hub', chartDir, '--set', 'replicaCount=2']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /replicaCount 2 needs a shared PostgreSQL and S3 bucket: set existingSecret .* or secret\.create=true/);
  });

  test('private=true passes --private; persistence.existingClaim uses that claim and creates none; tokenPepper.existingSecret creates no pepper Secret', async () => {
    const objs = await render(['private=true', 'persistence.existingClaim=registry-data', 'tokenPepper.existingSecret=my-pepper']);
    assert.deepEqual(objs.map((o) => o.kind).sort(), ['Deployment', 'Service', 'ServiceAccount']);
    const pod = byKind(objs, 'Deployment').spec.template.spec;
    assert.ok(pod.containers[0].args.includes('--private'));
    assert.equal(pod.volumes.find((v: Obj) => v.name === 'data').persistentVolumeClaim.claimName, 'registry-data');
    assert.equal(pod.containers[0].env.find((e: Obj) => e.name === 'VELAHUB_TOKEN_PEPPER').valueFrom.secretKeyRef.name, 'my-pepper');
  });

  test('secret.create with an empty DATABASE_URL fails naming the value', async () => {
    const r = await runHelm(['template', 'hub', chartDir, '--set', 'secret.create=true', '--set', 'secret.values.VELAHUB_BLOB_STORE=s3://b?region=r']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /secret\.values\.DATABASE_URL is empty/);
  });

  test('a Deployment of 2 replicas with probes, settings from the Secret, resources, non-root and read-only root', async () => {
    const objs = await render(['existingSecret=velahub-settings', 'replicaCount=2']);
    const d = byKind(objs, 'Deployment');
    assert.equal(d.spec.replicas, 2);
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.startupProbe.httpGet.path, '/healthz');
    const fromSecret = Object.fromEntries(c.env.filter((e: Obj) => e.valueFrom?.secretKeyRef).map((e: Obj) => [e.name, e.valueFrom.secretKeyRef.name]));
    assert.deepEqual(Object.keys(fromSecret).sort(), ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'DATABASE_URL', 'VELAHUB_ADMIN_TOKEN', 'VELAHUB_BLOB_STORE', 'VELAHUB_TOKEN_PEPPER']);
    assert.ok(Object.entries(fromSecret).every(([k, n]) => n === (k === 'VELAHUB_TOKEN_PEPPER' ? 'hub-velahub-token-pepper' : 'velahub-settings')));
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(pod.volumes.find((v: Obj) => v.name === 'data').emptyDir !== undefined, true, 'scratch only: the data is in PostgreSQL and S3');
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.args.slice(0, 3), ['serve', '--port=8080', '--data=/data']);
    // Selector, Service and PodDisruptionBudget all pick the same pods.
    const labels = d.spec.template.metadata.labels;
    assert.deepEqual(d.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'velahub', 'app.kubernetes.io/instance': 'hub' });
    const svc = byKind(objs, 'Service');
    for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(labels[k], v);
    assert.equal(svc.spec.ports[0].targetPort, 'http');
    const pdb = byKind(objs, 'PodDisruptionBudget');
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
    assert.deepEqual(objs.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name), ['hub-velahub-token-pepper'], 'the existing settings Secret is used, none created');
    assert.equal(objs.some((o) => o.kind === 'PersistentVolumeClaim'), false);
  });

  test('secret.create renders the Secret with only the values given; seed=false passes --no-seed; useKeysFromSecret=false drops the keys', async () => {
    const objs = await render(['secret.create=true', 'secret.values.DATABASE_URL=postgres://u:p@db:5432/velahub', 'secret.values.VELAHUB_BLOB_STORE=s3://hub/blobs?region=eu-west-1', 'seed=false', 'useKeysFromSecret=false']);
    const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name === 'hub-velahub')!;
    assert.deepEqual(Object.keys(secret.stringData).sort(), ['DATABASE_URL', 'VELAHUB_BLOB_STORE']);
    const c = byKind(objs, 'Deployment').spec.template.spec.containers[0];
    assert.ok(c.args.includes('--no-seed'));
    assert.ok(!c.env.some((e: Obj) => e.name.startsWith('AWS_')));
  });
});

describe('dry-run on the test API server', () => {
  test('every rendered object is accepted by kube-apiserver (dryRun=All, strict field validation)', async () => {
    const [kc] = await testClusters(1);
    const ns = uniqueNamespace('velahub-chart');
    await ensureNamespace(kc!, ns);
    const paths: Record<string, string> = {
      Secret: `/api/v1/namespaces/${ns}/secrets`,
      ServiceAccount: `/api/v1/namespaces/${ns}/serviceaccounts`,
      Service: `/api/v1/namespaces/${ns}/services`,
      Deployment: `/apis/apps/v1/namespaces/${ns}/deployments`,
      PodDisruptionBudget: `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`,
      PersistentVolumeClaim: `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
    };
    const external = await render(['replicaCount=2', 'secret.create=true', 'secret.values.DATABASE_URL=postgres://u:p@db:5432/velahub', 'secret.values.VELAHUB_BLOB_STORE=s3://hub/blobs?region=eu-west-1', 'secret.values.AWS_ACCESS_KEY_ID=AKIA', 'secret.values.AWS_SECRET_ACCESS_KEY=secret']);
    const embedded = await render([]);
    assert.deepEqual([...new Set([...external, ...embedded].map((o) => o.kind))].sort(), Object.keys(paths).sort());
    for (const o of [...external, ...embedded]) {
      const res = await kubeRequest(kc!, { method: 'POST', path: `${paths[o.kind]}?dryRun=All&fieldValidation=Strict`, body: { ...o, metadata: { ...o.metadata, namespace: ns } } });
      assert.equal(res.status, 201, `${o.kind}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
  });

  test('helm install --dry-run=server works with the default values and with replicas on a settings Secret', async () => {
    const [kc] = await testClusters(1);
    const ns = uniqueNamespace('velahub-install');
    await ensureNamespace(kc!, ns);
    const kubeconfig = join(work, 'kubeconfig');
    await writeFile(kubeconfig, kc!.exportConfig(), { mode: 0o600 });
    const install = (set: string[]) => runHelm(['install', 'hub', chartDir, '--dry-run=server', '--namespace', ns, '--kubeconfig', kubeconfig, ...set.flatMap((s) => ['--set', s])]);
    const defaults = await install([]);
    assert.equal(defaults.code, 0, defaults.stderr);
    assert.match(defaults.stdout, /STATUS: pending-install/);
    assert.match(defaults.stdout, /kind: PersistentVolumeClaim/);
    assert.match(defaults.stdout, /velahub 0\.1\.0: 1 replica\(s\) behind Service hub-velahub/);
    assert.match(defaults.stdout, /PersistentVolumeClaim hub-velahub-data \(kept on uninstall\)/);
    const replicas = await install(['replicaCount=3', 'existingSecret=velahub-settings', 'private=true']);
    assert.equal(replicas.code, 0, replicas.stderr);
    assert.match(replicas.stdout, /kind: PodDisruptionBudget/);
    assert.match(replicas.stdout, /3 replica\(s\) behind Service hub-velahub \(port 80\), private: every read needs a token/);
    assert.match(replicas.stdout, /--username velahub --password TOKEN/);
    const refused = await install(['replicaCount=2']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /replicaCount 2 needs a shared PostgreSQL and S3 bucket/);
  });
});

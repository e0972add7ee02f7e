/**
 * Makes a control plane run workloads: kube-controller-manager (garbage collector, namespace
 * deletion, Deployment → ReplicaSet → Pod, HPA, service accounts), kube-scheduler, and kwok with
 * one fake node on which Pods become Running without a container runtime. All three run as
 * processes of the plane, so they stop with it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Binaries } from './build.ts';
import type { ControlPlane } from './control-plane.ts';
import { TestEnvError } from './errors.ts';
import { applyRaw, kubeRequest } from './kube-http.ts';
import type { KwokTools } from './module-tools.ts';
import { loopbackOk } from './loopback-probe.ts';
import { freePorts } from '../support/free-ports.ts';

/** The fake node's name; every Pod of the tests is scheduled onto it. */
export const FAKE_NODE = 'kwok-node-0';

/**
 * Controllers kube-controller-manager runs: all of its defaults. The node lifecycle controller
 * among them lifts the `not-ready` taint the API server puts on a new node once kwok reports it
 * Ready, and watches the node's lease, which kwok renews.
 */
export const CONTROLLERS = '*';

/** Starts the controllers, the scheduler and kwok on `plane`, and waits for the fake node to be Ready and schedulable. */
export async function startWorkloads(plane: ControlPlane, tools: { binaries: Binaries; kwok: KwokTools }, opts: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const kc = plane.kubeconfigPath;
  const [kcmPort, schedulerPort] = await freePorts(2);
  // The same kubeconfig for delegated authentication/authorization spares a lookup of the
  // extension-apiserver-authentication ConfigMap and the warnings that come with it missing.
  const delegated = [`--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`];
  plane.attach('kube-controller-manager', tools.binaries.kubeControllerManager, [
    ...delegated,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${kcmPort}`,
    `--controllers=${CONTROLLERS}`,
    `--service-account-private-key-file=${plane.serviceAccountKeyFile}`,
    `--root-ca-file=${plane.caFile}`,
    '--use-service-account-credentials=false',
    // The HPA controller reads metrics every 15 s by default; 5 s keeps the tests' waits short.
    '--horizontal-pod-autoscaler-sync-period=5s',
  ]);
  plane.attach('kube-scheduler', tools.binaries.kubeScheduler, [...delegated, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${schedulerPort}`]);
  const stages = join(plane.dir, 'kwok-stages.yaml');
  await writeFile(stages, await stageDocuments(tools.kwok.stageDirs));
  plane.attach('kwok', tools.kwok.kwok, [`--kubeconfig=${kc}`, '--manage-all-nodes', `--config=${stages}`, `--node-lease-duration-seconds=${NODE_LEASE_SECONDS}`]);
  await applyRaw(plane.kubeconfig, `/api/v1/nodes/${FAKE_NODE}`, fakeNode(FAKE_NODE), { fieldManager: 'velahub-testenv' });

  const deadline = Date.now() + timeoutMs;
  await waitFor(plane, 'kube-controller-manager', deadline, () => loopbackOk(kcmPort!, '/healthz', { tls: true }));
  await waitFor(plane, 'kube-scheduler', deadline, () => loopbackOk(schedulerPort!, '/healthz', { tls: true }));
  await waitFor(plane, 'kwok', deadline, () => nodeReady(plane));
  await waitFor(plane, 'kube-controller-manager', deadline, () => nodeUntainted(plane));
}

/** How long kwok's node lease lasts; kwok renews it well before, as a kubelet does. */
const NODE_LEASE_SECONDS = 40;

/** True once the node lifecycle controller lifted the taints a new node starts with. */
async function nodeUntainted(plane: ControlPlane): Promise<boolean> {
  const res = await kubeRequest(plane.kubeconfig, { method: 'GET', path: `/api/v1/nodes/${FAKE_NODE}` });
  return res.status === 200 && ((res.body as { spec?: { taints?: unknown[] } }).spec?.taints ?? []).length === 0;
}

/** The Stage documents of kwok's "fast" node and pod stages, as one YAML stream (kwok exits without stages). */
async function stageDocuments(dirs: readonly string[]): Promise<string> {
  const docs: string[] = [];
  for (const dir of dirs) {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    for (const f of files) docs.push((await readFile(join(dir, f), 'utf8')).trim());
  }
  return docs.join('\n---\n') + '\n';
}

/** A node kwok manages (annotation kwok.x-k8s.io/node=fake), big enough for every test's Pods. */
function fakeNode(name: string): object {
  const resources = { cpu: '64', memory: '256Gi', pods: '500' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    spec: {},
    status: { allocatable: resources, capacity: resources },
  };
}

async function nodeReady(plane: ControlPlane): Promise<boolean> {
  const res = await kubeRequest(plane.kubeconfig, { method: 'GET', path: `/api/v1/nodes/${FAKE_NODE}` });
  const conds = (res.body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Polls `check` until true; fails with the process's log tail when it dies or the deadline passes. */
export async function waitFor(plane: ControlPlane, proc: string, deadline: number, check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new TestEnvError('TESTENV_NOT_READY', `${proc} of plane ${plane.name} not ready in time${plane.logTail(proc)}`, 'a loaded machine may need a longer timeout');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

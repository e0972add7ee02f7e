/**
 * What the tests install into a bare control plane: CRDs (KubeVela's come from its chart, in
 * kubevela.ts, as does vela-core's Deployment; Flux's in flux.ts) and namespaces.
 * Everything is server-side applied, so calling these again (runner, then a test file) is harmless.
 */
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CrdManifest } from './crds/schema.ts';
import { TestEnvError } from './errors.ts';
import { applyRaw, kubeRequest } from './kube-http.ts';

export type { CrdManifest } from './crds/schema.ts';

const FIELD_MANAGER = 'velahub-testenv';

/** Applies CRDs and waits until each is Established (served), bounded by `timeoutMs` (30 s). */
export async function installCrds(kc: KubeConfig, crds: readonly CrdManifest[], opts: { timeoutMs?: number } = {}): Promise<void> {
  for (const crd of crds) {
    await applyRaw(kc, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, crd, { fieldManager: FIELD_MANAGER });
  }
  await Promise.all(crds.map((crd) => waitForCrdEstablished(kc, crd.metadata.name, opts)));
}

/**
 * Polls a CRD until its Established condition is True. Objects of a kind applied before that
 * fail with 404, which is why every CRD install in the tests goes through here.
 */
export async function waitForCrdEstablished(kc: KubeConfig, name: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let seen = 'not read yet';
  while (Date.now() < deadline) {
    const res = await kubeRequest(kc, { method: 'GET', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` });
    const conds = (res.body as { status?: { conditions?: { type: string; status: string; message?: string }[] } }).status?.conditions ?? [];
    if (conds.some((c) => c.type === 'Established' && c.status === 'True')) return;
    seen = res.status === 200 ? JSON.stringify(conds) : `HTTP ${res.status}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new TestEnvError('TESTENV_NOT_READY', `CRD "${name}" not Established after ${timeoutMs / 1000}s; conditions: ${seen}`);
}

/** Creates the namespace unless it exists. */
export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  await applyRaw(kc, `/api/v1/namespaces/${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: FIELD_MANAGER });
}

/**
 * Deletes a namespace and finalizes it at once: with no namespace controller running, a deleted
 * namespace would otherwise stay Terminating forever. Objects inside are not deleted.
 */
export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  const del = await kubeRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${name}` });
  if (del.status === 404) return;
  if (del.status >= 300) throw new TestEnvError('TESTENV_COMMAND_FAILED', `delete namespace "${name}" answered HTTP ${del.status}`);
  const fin = await kubeRequest(kc, {
    method: 'PUT',
    path: `/api/v1/namespaces/${name}/finalize`,
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: [] } },
  });
  if (fin.status >= 300 && fin.status !== 404) {
    throw new TestEnvError('TESTENV_COMMAND_FAILED', `finalize namespace "${name}" answered HTTP ${fin.status}`);
  }
}

/**
 * A namespace name no other test (or earlier run on the same cluster) uses: deleted namespaces
 * never go away here, so reusing names would collide.
 */
export function uniqueNamespace(prefix = 'test'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'test';
  return `${clean}-${randomBytes(4).toString('hex')}`;
}

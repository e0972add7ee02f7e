/**
 * `velahub registry add --sync`: the helm-type entry lands in the cluster's vela-addon-registry
 * ConfigMap in the form `vela addon registry list` reads, next to the entries already there,
 * without credentials. Against a real API server.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { testClusters } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { Kube } from '../../installer/kube.ts';
import { syncVelaRegistry, velaRegistryConfigMap } from '../../installer/vela-registry.ts';
import { rejectsCode } from '../support/errors.ts';

describe('syncVelaRegistry', () => {
  let kube: Kube;
  let kc: KubeConfig;
  before(async () => {
    [kc] = (await testClusters(1)) as [KubeConfig];
    kube = new Kube(kc);
  });

  const configMap = async (ns: string) => (await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: velaRegistryConfigMap, namespace: ns } })) as { data?: Record<string, string> } | undefined;

  test('creates the ConfigMap with the helm entry vela reads', async () => {
    const ns = uniqueNamespace('velareg');
    await ensureNamespace(kc, ns);
    assert.deepEqual(await syncVelaRegistry(kube, ns, { name: 'velahub', url: 'http://registry.example:8080/' }), ['velahub']);
    assert.deepEqual(JSON.parse((await configMap(ns))!.data!.registries!), { velahub: { name: 'velahub', helm: { url: 'http://registry.example:8080' } } });
  });

  test("keeps the other registries (and the ConfigMap's other keys), and updates an entry in place", async () => {
    const ns = uniqueNamespace('velareg');
    await ensureNamespace(kc, ns);
    const existing = { KubeVela: { name: 'KubeVela', helm: { url: 'https://addons.kubevela.net' } } };
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: velaRegistryConfigMap, namespace: ns }, data: { registries: JSON.stringify(existing), note: 'kept' } });
    await syncVelaRegistry(kube, ns, { name: 'velahub', url: 'http://one:8080' });
    assert.deepEqual(await syncVelaRegistry(kube, ns, { name: 'velahub', url: 'http://two:8080' }), ['KubeVela', 'velahub']);
    const data = (await configMap(ns))!.data!;
    assert.equal(data.note, 'kept');
    assert.deepEqual(JSON.parse(data.registries!), { ...existing, velahub: { name: 'velahub', helm: { url: 'http://two:8080' } } });
  });

  test('refuses a ConfigMap whose registries key is not a JSON object, and leaves it as it was', async () => {
    const ns = uniqueNamespace('velareg');
    await ensureNamespace(kc, ns);
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: velaRegistryConfigMap, namespace: ns }, data: { registries: 'not json' } });
    await rejectsCode(syncVelaRegistry(kube, ns, { name: 'velahub', url: 'http://x' }), 'EINVALID', velaRegistryConfigMap);
    assert.equal((await configMap(ns))!.data!.registries, 'not json');
  });
});

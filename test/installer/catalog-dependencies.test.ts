/**
 * A dependency from the catalog on a real API server: the registry is seeded with addons/ (the
 * BizWorks addons) and the catalog's real fluxcd (CUE-rendered) is published into it. Enabling
 * bizworks-platform in a clean KubeVela namespace installs fluxcd first, then the BizWorks addons,
 * in one plan; disabling them in reverse order leaves the namespace as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { addonLabels } from '../../installer/addon-objects.ts';
import { disableAddon } from '../../installer/disable.ts';
import { enableAddons } from '../../installer/enable.ts';
import { Kube } from '../../installer/kube.ts';
import { catalogDir, packCatalogAddon } from '../support/catalog.ts';
import { snapshot, startInstallerEnv, type TestRegistry, type InstallerEnv } from './harness.ts';

describe('installer: bizworks-platform with fluxcd from the catalog', { skip: catalogDir ? false : 'no catalog snapshot on this machine (set VELAHUB_CATALOG)' }, () => {
  let kube: Kube;
  let registry: TestRegistry;
  let cue: CueEvaluator;
  let namespace: string;
  let env: InstallerEnv | undefined;

  before(async () => {
    env = await startInstallerEnv({ prefix: 'bizflux' });
    ({ kube, registry, cue } = env);
    await registry.publishArchive((await packCatalogAddon('fluxcd')).data);
    // KubeVela 1.10: fluxcd 3.0.2 asks for >=1.9.0-alpha.2.
    namespace = await env.velaNamespace({ velaVersion: '1.10.3' });
  });

  after(() => env?.close());

  test('enable installs fluxcd then the BizWorks addons in one plan; disable in reverse order restores the namespace', { timeout: 300_000 }, async () => {
    const before = [...(await snapshot(kube, namespace)).keys()].sort();
    const [result] = await enableAddons({ requested: [{ name: 'bizworks-platform' }], clusters: [kube], registries: [registry.source('catalog')], cue, namespace });
    const order = result!.applied.map((a) => a.name);
    assert.deepEqual(result!.plan.steps.map((s) => s.name).sort(), ['bizworks-ingress', 'bizworks-platform', 'fluxcd', 'helm-component', 'hpa-trait', 'stateful-component', 'stateless-component']);
    assert.ok(order.indexOf('fluxcd') < order.indexOf('helm-component'), `fluxcd before helm-component: ${order.join(', ')}`);
    assert.equal(order.at(-1), 'bizworks-platform');

    const enabled = await snapshot(kube, namespace);
    const flux = enabled.get('Application/addon-fluxcd');
    assert.ok(flux, 'the fluxcd Application exists');
    assert.equal(flux.metadata.labels?.[addonLabels.version], '3.0.2');
    const fluxComponents = (flux.spec as { components: Array<{ name: string; type: string }> }).components;
    assert.ok(fluxComponents.some((c) => c.type === 'k8s-objects'), 'fluxcd carries its CRDs');
    assert.ok(fluxComponents.length >= 5, `fluxcd's controllers are components: ${fluxComponents.map((c) => c.name).join(', ')}`);
    for (const def of ['TraitDefinition/kustomize-patch', 'ComponentDefinition/helm', 'ComponentDefinition/kustomize']) {
      const o = enabled.get(def);
      assert.ok(o, `${def} applied`);
      assert.equal(o.metadata.ownerReferences?.[0]?.name, 'addon-fluxcd');
    }
    assert.ok(enabled.get('ComponentDefinition/helm-component'), 'helm-component applied after its dependency');

    for (const name of [...order].reverse()) await disableAddon(kube, name, { namespace });
    assert.deepEqual([...(await snapshot(kube, namespace)).keys()].sort(), before);
  });
});

/**
 * bizworks-rollout on a KubeVela cluster where Kruise Rollout really runs: the catalog's
 * kruise-rollout addon enabled as the dependency, Kruise Rollout v0.6.1's controller (from its
 * module) out of cluster, Pods on kwok's node. Releases are driven with KubeVela's own tools, as
 * the addon's README says: `vela up -f` to change the image or to roll back, `kubectl patch
 * --subresource status` to approve a batch, `vela status` to read the trait's message.
 *
 * - batch mode: a stateless-component of 4 replicas with bizworks-ingress moves to a new image
 *   1 Pod, then 2, then 4, pausing for approval at each batch; a rollback during a batch returns
 *   every Pod to the old image;
 * - canary mode: the canary Ingress carries the configured weight while the batch runs and is
 *   gone at the end;
 * - a helm-component whose chart comes from velahub's template center, released in batches when
 *   the chart version changes (Flux 2.1, the catalog fluxcd addon's, out of cluster);
 * - bad parameters are refused by vela-core when it renders the Application, with the field named.
 *
 * The catalog's kruise-rollout addon installs the controller with a chart from
 * openkruise.github.io, which this machine cannot reach, so its Application never turns
 * healthy here: the addons are enabled with `--no-wait`, and the controller runs from here.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureRollouts, startRollouts, type RunningRollouts } from '../cluster/rollouts.ts';
import { startTestEnvironment, type TestEnvironment } from '../cluster/test-environment.ts';
import { VELA_SYSTEM } from '../cluster/kubevela.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { catalogDir } from '../support/catalog.ts';
import { eventually } from '../support/eventually.ts';
import { runStep, type StepRun } from '../support/walkthrough.ts';

const T = { timeout: 600_000 };
const NS = 'default';
const skip = catalogDir ? false : 'needs the KubeVela catalog snapshot for the kruise-rollout and fluxcd addons (set VELAHUB_CATALOG)';

type Obj = KubeObject & { spec?: any; status?: any };

/** The approval of the README: what `kubectl-kruise rollout approve` does. */
const approve = (rollout: string): string =>
  `kubectl patch rollout ${rollout} -n ${NS} --type merge --subresource status -p '{"status":{"canaryStatus":{"currentStepState":"StepReady"}}}'`;

describe('bizworks-rollout on a cluster running Kruise Rollout', { skip }, () => {
  let envt: TestEnvironment;
  let kube: Kube;
  let rollouts: RunningRollouts;
  let dir: string;

  const get = (apiVersion: string, kind: string, name: string, namespace = NS): Promise<Obj | undefined> => kube.get({ apiVersion, kind, metadata: { name, namespace } }) as Promise<Obj | undefined>;
  const rollout = (name: string) => get('rollouts.kruise.io/v1beta1', 'Rollout', name);
  const imageOf = (o: Obj | undefined): string | undefined => (o?.spec?.template?.spec ?? o?.spec)?.containers?.[0]?.image;

  /** Runs a script with bash in the environment of the test cluster (velahub, vela, kubectl, helm on PATH). */
  const sh = async (script: string): Promise<StepRun> => {
    const r = await runStep({ title: script.split('\n')[0]!, script }, envt.env);
    assert.equal(r.code, 0, `${script}\nexited ${r.code}:\n${r.output}\n--- Kruise Rollout ---\n${await rollouts?.logTail(20)}`);
    return r;
  };

  /** Images of the Running Pods of `selector`, e.g. { 'nginx:1.27': 3, 'nginx:1.28': 1 }; undefined while any Pod is not Running. */
  const podImages = async (selector: string): Promise<Record<string, number> | undefined> => {
    const pods = ((await kube.list('v1', 'Pod', NS, selector)) as Obj[]).filter((p) => !p.metadata.deletionTimestamp);
    if (pods.some((p) => p.status?.phase !== 'Running')) return undefined;
    const count: Record<string, number> = {};
    for (const p of pods) count[imageOf(p)!] = (count[imageOf(p)!] ?? 0) + 1;
    return count;
  };

  /** Waits until the Pods of `selector` run exactly the images counted in `want`. */
  const podsRun = (selector: string, want: Record<string, number>): Promise<Record<string, number>> =>
    eventually(`Pods ${selector} running ${JSON.stringify(want)}`, async () => {
      const got = await podImages(selector);
      return got && JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()) ? got : undefined;
    });

  /** Waits until the Rollout pauses at batch `step` (1-based) for approval. */
  const pausedAt = (name: string, step: number): Promise<Obj> =>
    eventually(`Rollout ${name} paused at step ${step}`, async () => {
      const r = await rollout(name);
      const c = r?.status?.canaryStatus;
      return r?.status?.phase === 'Progressing' && c?.currentStepIndex === step && c?.currentStepState === 'StepPaused' ? r : undefined;
    });

  /** Waits until the Rollout is Healthy (no release in progress) and the Application running. */
  const released = (name: string, app: string): Promise<Obj> =>
    eventually(`Rollout ${name} Healthy and Application ${app} running`, async () => {
      const r = await rollout(name);
      const a = await get('core.oam.dev/v1beta1', 'Application', app);
      return r?.status?.phase === 'Healthy' && a?.status?.status === 'running' ? r : undefined;
    });

  /** Waits until `vela status APP` says `what` (vela-core updates the status at its next reconcile of the Application). */
  const velaStatusSays = (app: string, what: RegExp): Promise<string> =>
    eventually(`vela status ${app} saying ${what}`, async () => {
      const out = (await sh(`vela status ${app} -n ${NS}`)).output;
      return what.test(out) ? out : undefined;
    }, 60_000);

  /** Writes an Application of one stateless-component with bizworks-ingress and bizworks-rollout, and applies it with `vela up -f`. */
  const upShop = async (app: string, image: string, rolloutProps: string): Promise<void> => {
    const file = join(dir, `${app}.yaml`);
    await writeFile(
      file,
      `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: ${app}
  namespace: ${NS}
spec:
  components:
    - name: ${app}
      type: stateless-component
      properties:
        image: ${image}
        replicas: 4
        ports:
          - port: 80
      traits:
        - type: bizworks-ingress
          properties:
            route:
              - port: 80
                ingressName: ${app}
                domain: ${app}.example.com
        - type: bizworks-rollout
          properties:
${rolloutProps.replace(/^/gm, '            ')}
`,
    );
    await sh(`vela up -f ${file}`);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'velahub-rollout-apps-'));
    envt = await startTestEnvironment({ name: 'velahub-rollout' });
    kube = new Kube(envt.kc);
    rollouts = await startRollouts(envt.kc, envt.kubeconfigPath, await ensureRollouts());
  });
  after(async () => {
    await rollouts?.stop();
    await envt?.stop();
  });

  test('velahub enables bizworks-rollout with the catalog\'s kruise-rollout as its dependency', T, async () => {
    await sh(`velahub publish "$KUBEVELA_CATALOG/fluxcd"
velahub publish "$KUBEVELA_CATALOG/kruise-rollout"
velahub enable bizworks-rollout stateless-component bizworks-ingress helm-component --no-wait`);
    for (const name of ['fluxcd', 'kruise-rollout', 'bizworks-rollout', 'stateless-component', 'bizworks-ingress', 'helm-component']) {
      assert.ok(await get('core.oam.dev/v1beta1', 'Application', `addon-${name}`, VELA_SYSTEM), `addon-${name} applied`);
    }
    const def = await get('core.oam.dev/v1beta1', 'TraitDefinition', 'bizworks-rollout', VELA_SYSTEM);
    assert.ok(def, 'the trait is defined');
    await eventually('addon-bizworks-rollout running', async () => ((await get('core.oam.dev/v1beta1', 'Application', 'addon-bizworks-rollout', VELA_SYSTEM))?.status?.status === 'running' ? true : undefined));
  });

  test('batch mode: a new image moves 1 Pod, then 2, then all 4, each batch waiting for approval', T, async () => {
    const props = 'batches:\n  - replicas: 1\n  - replicas: 1';
    await upShop('shop', 'nginx:1.27', props);
    await released('shop', 'shop');
    await podsRun('app.oam.dev/component=shop', { 'nginx:1.27': 4 });
    await velaStatusSays('shop', /released: 3 batch\(es\) configured, no release in progress/);

    await upShop('shop', 'nginx:1.28', props);
    await pausedAt('shop', 1);
    await podsRun('app.oam.dev/component=shop', { 'nginx:1.27': 3, 'nginx:1.28': 1 });
    await velaStatusSays('shop', /batch 1\/3 paused, waiting for approval: 1\/1 Pods of the new revision ready/);

    await sh(approve('shop'));
    await pausedAt('shop', 2);
    await podsRun('app.oam.dev/component=shop', { 'nginx:1.27': 2, 'nginx:1.28': 2 });
    await velaStatusSays('shop', /batch 2\/3 paused, waiting for approval: 2\/2 Pods/);

    await sh(approve('shop'));
    await released('shop', 'shop');
    await podsRun('app.oam.dev/component=shop', { 'nginx:1.28': 4 });
    assert.equal(imageOf(await get('apps/v1', 'Deployment', 'shop')), 'nginx:1.28');
  });

  test('batch mode: rolling back during a batch returns every Pod to the old image', T, async () => {
    const props = 'batches:\n  - replicas: 1\n  - replicas: 1';
    await upShop('shop', 'nginx:1.29', props);
    await pausedAt('shop', 1);
    await podsRun('app.oam.dev/component=shop', { 'nginx:1.28': 3, 'nginx:1.29': 1 });
    // The README's rollback: the previous spec applied again.
    await upShop('shop', 'nginx:1.28', props);
    await released('shop', 'shop');
    await podsRun('app.oam.dev/component=shop', { 'nginx:1.28': 4 });
  });

  test('canary mode: the canary Ingress carries the weight while the batch runs, and is gone at the end', T, async () => {
    const props = 'mode: canary\nbatches:\n  - replicas: 1\n    weight: 20\ntraffic:\n  ingress: market\n  gracePeriodSeconds: 1';
    await upShop('market', 'nginx:1.27', props);
    await released('market', 'market');
    await upShop('market', 'nginx:1.28', props);
    await pausedAt('market', 1);
    const canary = await get('networking.k8s.io/v1', 'Ingress', 'market-canary');
    assert.equal(canary?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'], 'true');
    assert.equal(canary?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'], '20');
    assert.deepEqual(JSON.parse(JSON.stringify(canary?.spec.rules[0].host)), 'market.example.com');
    // The canary Deployment runs the new image beside the 4 Pods of the old one.
    await podsRun('app.oam.dev/component=market', { 'nginx:1.27': 4, 'nginx:1.28': 1 });
    await velaStatusSays('market', /batch 1\/2 paused, waiting for approval: 1\/1 Pods of the new revision ready, 20% of traffic/);

    await sh(approve('market'));
    await released('market', 'market');
    await podsRun('app.oam.dev/component=market', { 'nginx:1.28': 4 });
    assert.equal(await get('networking.k8s.io/v1', 'Ingress', 'market-canary'), undefined);
    assert.equal(await get('v1', 'Service', 'market-canary'), undefined);
  });

  test('a helm-component whose chart comes from the template center moves to a new chart version in batches', T, async () => {
    await envt.startAddonFlux();
    await sh(`out=$(mktemp -d)
helm package examples/test-environment/web-shop --version 1.0.0 --destination "$out"
helm package examples/test-environment/web-shop --version 1.1.0 --app-version 1.28 --destination "$out"
velahub chart push "$out/web-shop-1.0.0.tgz"
velahub chart push "$out/web-shop-1.1.0.tgz"`);
    const app = async (version: string): Promise<void> => {
      const file = join(dir, 'charts.yaml');
      await writeFile(
        file,
        `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: charts
  namespace: ${NS}
spec:
  components:
    - name: web-shop
      type: helm-component
      properties:
        url: ${envt.env.VELAHUB_REGISTRY}/helm
        chart: web-shop
        version: ${version}
        interval: 1m
        values:
          replicaCount: 4
      traits:
        - type: bizworks-rollout
          properties:
            batches:
              - replicas: "50%"
`,
      );
      await sh(`vela up -f ${file}`);
    };
    await app('1.0.0');
    await released('web-shop', 'charts');
    await podsRun('app.kubernetes.io/instance=web-shop', { 'nginx:1.27': 4 });

    await sh('kubectl annotate helmrepository/web-shop-repo reconcile.fluxcd.io/requestedAt="$(date +%s)" --overwrite');
    await app('1.1.0');
    await pausedAt('web-shop', 1);
    await podsRun('app.kubernetes.io/instance=web-shop', { 'nginx:1.27': 2, 'nginx:1.28': 2 });
    await velaStatusSays('charts', /batch 1\/2 paused, waiting for approval: 2\/2 Pods/);

    await sh(approve('web-shop'));
    await released('web-shop', 'charts');
    await podsRun('app.kubernetes.io/instance=web-shop', { 'nginx:1.28': 4 });
  });

  test('bad parameters stop vela-core\'s render of the Application, the field named in its status', T, async () => {
    await upShop('overfull', 'nginx:1.27', 'batches:\n  - replicas: "60%"\n  - replicas: "50%"');
    const message = await eventually('Application overfull reports the render error', async () => {
      const a = await get('core.oam.dev/v1beta1', 'Application', 'overfull');
      const text = JSON.stringify(a?.status ?? {});
      return text.includes('parameter.batches adds up to 110%') ? text : undefined;
    });
    assert.match(message, /the batches must add up to 100% or less/);
    assert.equal(await get('apps/v1', 'Deployment', 'overfull'), undefined, 'nothing of it is deployed');
  });
});

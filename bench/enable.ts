/**
 * Enable benchmark: `bizworks-platform` (seven addons with the catalog's fluxcd) against a freshly
 * started control plane (etcd + kube-apiserver from test/cluster) and a freshly started registry
 * on 127.0.0.1 seeded with addons/.
 *
 *   cold   the first enable in a new process: registry index, downloads, sha256, CUE evaluation
 *          of every definition (the CUE worker starts here), server-side apply of every object
 *   fresh  enable into a new, empty KubeVela namespace with the CUE worker already warm
 *          (median/p95 over --runs namespaces)
 *   kubectl `kubectl apply --server-side` of the same objects into a new namespace, twice
 *   no-op  re-enable where everything is installed: index, cluster facts, plan, nothing written
 *          (median/p95 over --runs)
 *   vs vela  on KubeVela clusters that run workloads and the real vela-core (test/cluster's
 *          KubeVela cluster, a new one per enable), bizworks-platform enabled until every addon
 *          Application is `running`: `velahub enable` against `vela addon enable` (v1.10.9) from
 *          the same registry, alternating, --vela-runs each (default 3; 0 skips)
 *
 *   npx tsx bench/enable.ts [--runs 10] [--vela-runs 3]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { enableAddons, type InstallEvent } from '../installer/enable.ts';
import { Kube, type KubeObject } from '../installer/kube.ts';
import { ensureBinaries } from '../test/cluster/build.ts';
import { startControlPlane } from '../test/cluster/control-plane.ts';
import { prepareCluster } from '../test/cluster/prepare.ts';
import { ensureKubeVelaClusterTools, startKubeVelaCluster } from '../test/cluster/kubevela-cluster.ts';
import { KUBEVELA_VERSION } from '../test/cluster/module-tools.ts';
import { fluxcdStandIn, snapshot, startTestRegistry, velaNamespace, versionsOf } from '../test/installer/harness.ts';
import { catalogDir, packCatalogAddon } from '../test/support/catalog.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;
const velaRunsArg = process.argv.indexOf('--vela-runs');
const velaRuns = velaRunsArg > 0 ? Number(process.argv[velaRunsArg + 1]) : 3;

const ms = (t: number) => `${t.toFixed(0)} ms`;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

console.log(`Enable benchmark — bizworks-platform, Node ${process.version}, ${runs} runs for fresh/no-op`);
const [binaries, binMs] = await time(() => ensureBinaries());
const [[plane, registry], startMs] = await time(() => Promise.all([startControlPlane({ name: 'bench-enable', binaries }), startTestRegistry()]));
const cue = new CueEvaluator();
try {
  const [, prepMs] = await time(async () => {
    await prepareCluster(plane.kubeconfig);
    // The catalog's real fluxcd (CUE-rendered) when the snapshot is on this machine, else the stand-in.
    if (catalogDir) await registry.publishArchive((await packCatalogAddon('fluxcd')).data);
    else await registry.publish(fluxcdStandIn('2.0.0'));
  });
  console.log(`fluxcd: ${catalogDir ? `the catalog's (${catalogDir})` : 'a metadata-only stand-in (no catalog snapshot; set VELAHUB_CATALOG)'}`);
  console.log(`setup: binaries ${ms(binMs)}; control plane ${plane.version} + registry (seeded with addons/) started in ${ms(startMs)}; CRDs, vela-core stand-in, fluxcd published ${ms(prepMs)}\n`);
  const kube = new Kube(plane.kubeconfig);
  const source = registry.source('bench');
  const enable = (namespace: string, onEvent?: (e: InstallEvent) => void) => enableAddons({ requested: [{ name: 'bizworks-platform' }], clusters: [kube], registries: [source], cue, namespace, onEvent });

  // Cold: the first enable of this process, into vela-system.
  const marks: Array<[string, number]> = [];
  const t0 = performance.now();
  const [[cold], coldMs] = await time(() => enable('vela-system', (e) => marks.push([e.kind === 'apply' || e.kind === 'fetch' ? `${e.kind} ${e.name}` : e.kind, performance.now() - t0])));
  const objects = (await snapshot(kube, 'vela-system')).size;
  console.log(`cold   first enable: ${ms(coldMs)} — ${cold!.applied.length} addons, ${objects} objects`);
  let last = 0;
  for (const [what, at] of marks) {
    if (what === 'plan' || what.startsWith('apply') || what === 'registry') {
      console.log(`         ${what.padEnd(32)} at ${ms(at).padStart(8)}  (+${ms(at - last)})`);
      last = at;
    }
  }

  // The same objects with kubectl apply --server-side, into a new namespace: what the installer adds to a plain apply.
  {
    const objects = [...(await snapshot(kube, 'vela-system')).values()];
    const ns = await velaNamespace(plane.kubeconfig, { prefix: 'bench-kubectl' });
    const docs = objects.map((o) => {
      const { resourceVersion: _r, uid: _u, creationTimestamp: _c, generation: _g, managedFields: _m, ownerReferences: _o, ...metadata } = o.metadata;
      const { status: _s, ...rest } = o as KubeObject & { status?: unknown };
      return JSON.stringify({ ...rest, metadata: { ...metadata, namespace: ns } });
    });
    const dir = await mkdtemp(join(tmpdir(), 'velahub-bench-'));
    const file = join(dir, 'objects.json');
    await writeFile(file, `{"apiVersion":"v1","kind":"List","items":[${docs.join(',')}]}`);
    const kubectl = () => new Promise<void>((resolve, reject) => execFile('kubectl', ['--kubeconfig', plane.kubeconfigPath, 'apply', '--server-side', '--force-conflicts', '-f', file], (err) => (err ? reject(err) : resolve())));
    const [, applyMs] = await time(kubectl);
    const [, reapplyMs] = await time(kubectl);
    console.log(`kubectl apply --server-side of the same ${objects.length} objects: ${ms(applyMs)} (again: ${ms(reapplyMs)}); velahub cold above, re-enable below`);
    await rm(dir, { recursive: true, force: true });
  }

  // Fresh: a new namespace each run, CUE warm.
  const fresh: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ns = await velaNamespace(plane.kubeconfig, { prefix: 'bench' });
    fresh.push((await time(() => enable(ns)))[1]);
  }
  console.log(`fresh  enable into an empty namespace (CUE warm): median ${ms(quantile(fresh, 0.5))}, p95 ${ms(quantile(fresh, 0.95))}`);

  // No-op: everything installed.
  const before = versionsOf(await snapshot(kube, 'vela-system'));
  const noop: number[] = [];
  for (let i = 0; i < runs; i++) noop.push((await time(() => enable('vela-system')))[1]);
  const unchanged = JSON.stringify(versionsOf(await snapshot(kube, 'vela-system'))) === JSON.stringify(before);
  console.log(`no-op  re-enable, all installed: median ${ms(quantile(noop, 0.5))}, p95 ${ms(quantile(noop, 0.95))}; resourceVersions ${unchanged ? 'unchanged' : 'CHANGED'}`);
  console.log(`\ncold / no-op: ${(coldMs / quantile(noop, 0.5)).toFixed(1)}×; fresh / no-op: ${(quantile(fresh, 0.5) / quantile(noop, 0.5)).toFixed(1)}×`);
  if (velaRuns > 0) await velahubVersusVela(registry, cue, velaRuns);
} finally {
  await cue.close();
  await registry.close();
  await plane.stop();
}

/** Until every Application `addon-*` of the set is running, as both tools wait for it. */
async function allRunning(kube: Kube, names: readonly string[], timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const apps = await kube.list('core.oam.dev/v1beta1', 'Application', 'vela-system');
    const phase = (n: string) => (apps.find((a) => a.metadata.name === `addon-${n}`) as { status?: { status?: string } } | undefined)?.status?.status;
    if (names.every((n) => phase(n) === 'running')) return;
    if (Date.now() > deadline) throw new Error(`not running after ${timeoutMs / 1000}s: ${names.map((n) => `${n}=${phase(n) ?? 'absent'}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * bizworks-platform's set (with the catalog's fluxcd) enabled on a new KubeVela cluster each time,
 * by velahub and by the real vela, alternating so that neither always runs on a cooler machine.
 */
async function velahubVersusVela(registry: Awaited<ReturnType<typeof startTestRegistry>>, cue: CueEvaluator, n: number): Promise<void> {
  const tools = await ensureKubeVelaClusterTools();
  const set = ['bizworks-platform', 'stateless-component', 'stateful-component', 'helm-component', 'bizworks-ingress', 'hpa-trait', 'fluxcd'];
  const results: Record<'velahub' | 'vela', number[]> = { velahub: [], vela: [] };
  console.log(`
vs vela: bizworks-platform until running, a new KubeVela cluster (vela-core ${KUBEVELA_VERSION}, kwok nodes) per enable, ${n} each`);
  for (let i = 0; i < n; i++) {
    for (const tool of i % 2 === 0 ? (['velahub', 'vela'] as const) : (['vela', 'velahub'] as const)) {
      const cluster = await startKubeVelaCluster({ name: `bench-${tool}`, tools });
      try {
        const kube = new Kube(cluster.kubeconfig);
        const t = performance.now();
        if (tool === 'velahub') {
          await enableAddons({ requested: [{ name: 'bizworks-platform' }], clusters: [kube], registries: [registry.source('bench')], cue, namespace: 'vela-system', waitTimeoutMs: 600_000 });
        } else {
          const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath };
          const vela = (args: string[]) => new Promise<void>((resolve, reject) => execFile(cluster.vela, args, { env, timeout: 900_000 }, (err, _o, stderr) => (err ? reject(new Error(`vela ${args.join(' ')}: ${stderr}`)) : resolve())));
          await vela(['addon', 'registry', 'add', 'bench', '--type', 'helm', '--endpoint', registry.url]);
          // KubeVela v1.10.9 enables only the first missing dependency of an addon (checkDependency
          // returns after one): a vela user enables the set one by one, dependencies first.
          for (const addon of ['fluxcd', 'helm-component', 'stateless-component', 'stateful-component', 'bizworks-ingress', 'hpa-trait', 'bizworks-platform']) await vela(['addon', 'enable', addon, '--yes']);
        }
        await allRunning(kube, set);
        results[tool].push(performance.now() - t);
        console.log(`  ${tool.padEnd(8)} run ${i + 1}: ${ms(results[tool].at(-1)!)}`);
      } finally {
        await cluster.stop();
      }
    }
  }
  const velahub = quantile(results.velahub, 0.5);
  const vela = quantile(results.vela, 0.5);
  console.log(`velahub enable: median ${ms(velahub)}; vela addon enable: median ${ms(vela)}; velahub / vela = ${(velahub / vela).toFixed(2)}×`);
}

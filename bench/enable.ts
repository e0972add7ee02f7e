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
 *
 *   npx tsx bench/enable.ts [--runs 10]
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
import { fluxcdStandIn, snapshot, startTestRegistry, velaNamespace, versionsOf } from '../test/installer/harness.ts';
import { catalogDir, packCatalogAddon } from '../test/support/catalog.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;

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
} finally {
  await cue.close();
  await registry.close();
  await plane.stop();
}

/**
 * `npm test`: runs every test/**\/*.test.ts with node's test runner, in groups (test-groups.ts),
 * each as soon as what it needs exists, while the tools the later groups need go on building (cold:
 * about half an hour on 2 cores): `light` files need nothing built from Go; `api` files run once the
 * control-plane binaries and helm are built, against two API-only Kubernetes control planes with
 * KubeVela's CRDs; `s3` files once SeaweedFS is; `kubevela` files once KubeVela and kwok are, with
 * the KubeVela cluster (controllers, scheduler, kwok nodes, KubeVela's chart, the real vela-core)
 * up as well, but after the `flux` files, once Flux's controllers of both releases are (see
 * below; the walk-through file among them starts a clean KubeVela cluster of its own). Planes are
 * always torn down. Nothing is built for a group with no file selected.
 *
 *   npm test                         all test files
 *   npm test -- installer cluster    only files whose path contains "installer" or "cluster"
 *   npm test -- --test-name-pattern=apply   flags starting with "--" go to node --test
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeProgress, ensureBinaries, type Binaries } from './cluster/build.ts';
import { describeHelmProgress, ensureHelm } from './helm/build.ts';
import { describeConformanceProgress, ensureConformance } from './oci/build.ts';
import { describeSeaweedfsProgress, ensureSeaweedfs } from './s3/build.ts';
import { startControlPlane, writeKubeconfig, type ControlPlane } from './cluster/control-plane.ts';
import { CONTEXT_NAMES, KUBECONFIG_ENV, KUBECTL_ENV, KUBEVELA_KUBECONFIG_ENV, VELA_ENV, prepareCluster } from './cluster/prepare.ts';
import { startKubeVelaCluster } from './cluster/kubevela-cluster.ts';
import { FLUX_TOOLS } from './cluster/flux.ts';
import { describeModuleToolProgress, ensureKubeVela, ensureKwok, ensureModuleTool, type KubeVelaTools, type KwokTools } from './cluster/module-tools.ts';
import { TEST_GROUPS, testGroupOf, type TestGroup } from './test-groups.ts';

const PLANES = 2;
const testDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(testDir);

function findTestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : findTestFiles(path);
      return e.isFile() && e.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

function log(line: string): void {
  console.error(`[test] ${line}`);
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** The Go-built tools, each a promise settled when it is built (one build at a time: two cores). */
interface ToolChain {
  binaries: Promise<Binaries>;
  helm: Promise<string>;
  weed: Promise<string>;
  kubevela: Promise<KubeVelaTools>;
  kwok: Promise<KwokTools>;
  flux: Promise<void>;
  /** The OCI conformance suite and oras (the api group's OCI files wait for them through their build locks). */
  oci: Promise<void>;
}

/**
 * Starts building what the selected groups need, in the order the groups run: the control plane
 * and helm, the OCI conformance suite and oras, SeaweedFS, KubeVela and kwok, Flux's controllers
 * and Kruise Rollout's. The builds run one after another (two Go builds at once would only
 * compete for the two cores) while the tests that need none of the rest run; a tool no selected
 * group needs is not built.
 */
function startToolChain(groups: Set<TestGroup>): ToolChain {
  const none = new Promise<never>(() => undefined);
  const needs = (...g: TestGroup[]): boolean => g.some((x) => groups.has(x));
  let previous: Promise<unknown> = Promise.resolve();
  const next = <T>(needed: boolean, build: () => Promise<T>): Promise<T> => {
    if (!needed) return none;
    const p = previous.then(build);
    previous = p;
    return p;
  };
  const binaries = next(needs('api', 's3', 'kubevela', 'flux'), () => ensureBinaries({ onProgress: (p) => log(describeProgress(p)) }));
  const helm = next(needs('api', 's3', 'kubevela', 'flux'), () => ensureHelm({ onProgress: (p) => log(`helm: ${describeHelmProgress(p)}`) }));
  // The OCI files (test/oci/) build these themselves when missing; built here, a cold build shows its progress.
  const oci = next(needs('api'), async () => {
    await ensureConformance({ onProgress: (p) => log(`oci: ${describeConformanceProgress(p)}`) });
    await ensureModuleTool('oras', { onProgress: (p) => log(describeModuleToolProgress('oras', p)) });
  });
  const weed = next(needs('s3'), () => ensureSeaweedfs({ onProgress: (p) => log(`s3: ${describeSeaweedfsProgress(p)}`) }));
  const kubevela = next(needs('kubevela', 'flux'), () => ensureKubeVela({ onProgress: (p) => log(describeModuleToolProgress('kubevela', p)) }));
  const kwok = next(needs('kubevela', 'flux'), () => ensureKwok({ onProgress: (p) => log(describeModuleToolProgress('kwok', p)) }));
  // Flux's source- and helm-controller of both releases, and Kruise Rollout's controller, for the
  // flux files, which start them themselves: built here so a cold build shows its progress.
  const flux = next(needs('flux'), async () => {
    for (const tool of [...Object.values(FLUX_TOOLS).flat(), 'rollouts' as const]) await ensureModuleTool(tool, { onProgress: (p) => log(describeModuleToolProgress(tool, p)) });
  });
  // Awaited later (or never, when an earlier group fails): no unhandled rejection meanwhile.
  for (const p of [binaries, helm, oci, weed, kubevela, kwok, flux]) p.catch(() => undefined);
  return { binaries, helm, weed, kubevela, kwok, flux, oci };
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const args = process.argv.slice(2);
  const nodeFlags = args.filter((a) => a.startsWith('--'));
  const filters = args.filter((a) => !a.startsWith('--'));
  const files = findTestFiles(testDir)
    .map((f) => relative(repoRoot, f))
    .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)));
  if (files.length === 0) {
    log(`no test file under test/ matches ${filters.map((f) => `"${f}"`).join(', ')}`);
    return 1;
  }
  const byGroup = new Map<TestGroup, string[]>(TEST_GROUPS.map((g) => [g, []]));
  for (const f of files) byGroup.get(testGroupOf(repoRoot, f))!.push(f);
  const selected = new Set(TEST_GROUPS.filter((g) => byGroup.get(g)!.length > 0));
  log(`${files.length} test file(s): ${TEST_GROUPS.map((g) => `${byGroup.get(g)!.length} ${g}`).join(', ')}`);

  const planes: ControlPlane[] = [];
  let child: ChildProcess | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping tests and control planes`);
    child?.kill(signal);
    void Promise.allSettled(planes.map((p) => p.stop())).then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  /** Runs one group's files in a node --test process with `env`; resolves with its exit code. */
  const runGroup = async (group: TestGroup, env: NodeJS.ProcessEnv): Promise<number> => {
    const groupFiles = byGroup.get(group)!;
    const started = Date.now();
    log(`running the ${groupFiles.length} ${group} test file(s)`);
    child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...nodeFlags, ...groupFiles], { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env } });
    const running = child;
    const code = await new Promise<number>((resolve) => {
      running.on('error', (err) => {
        log(`could not start node --test: ${err.message}`);
        resolve(1);
      });
      running.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? constants.signals[sig] : 0)));
    });
    log(`${group} test files finished with exit code ${code} in ${secs(Date.now() - started)}`);
    return code;
  };

  const chain = startToolChain(selected);
  const codes: number[] = [];
  try {
    if (selected.has('light')) codes.push(await runGroup('light', {}));
    if (interrupted) return 130;

    const env: NodeJS.ProcessEnv = {};
    if (selected.size > (selected.has('light') ? 1 : 0)) {
      const [bins, helm] = await Promise.all([chain.binaries, chain.helm]);
      const tStart = Date.now();
      const apiOnly = await startAll(bins);
      planes.push(...apiOnly);
      const kubeconfigPath = join(dirname(apiOnly[0]!.kubeconfigPath), 'all-clusters.kubeconfig');
      await writeKubeconfig(kubeconfigPath, apiOnly);
      await Promise.all(apiOnly.map((p) => prepareCluster(p.kubeconfig)));
      log(`${PLANES} API-only control planes (${apiOnly[0]?.version}) up with KubeVela's CRDs and vela-system in ${secs(Date.now() - tStart)}: ${apiOnly.map((p) => `${p.name} ${p.server}`).join(', ')}; ${KUBECONFIG_ENV}=${kubeconfigPath}`);
      Object.assign(env, { VELAHUB_HELM: process.env.VELAHUB_HELM ?? helm, [KUBECONFIG_ENV]: kubeconfigPath, [KUBECTL_ENV]: bins.kubectl });
      if (interrupted) return 130;
      if (selected.has('api')) codes.push(await runGroup('api', env));
      if (interrupted) return 130;
    }

    if (selected.has('s3')) {
      Object.assign(env, { VELAHUB_WEED: process.env.VELAHUB_WEED ?? (await chain.weed) });
      codes.push(await runGroup('s3', env));
      if (interrupted) return 130;
    }

    if (selected.has('kubevela') || selected.has('flux')) {
      const [bins, helm, kubevela, kwok] = await Promise.all([chain.binaries, chain.helm, chain.kubevela, chain.kwok]);
      const tStart = Date.now();
      const kv = await startKubeVelaCluster({ tools: { binaries: bins, helm, kubevela, kwok } });
      planes.push(kv);
      log(`the KubeVela cluster up in ${secs(Date.now() - tStart)}: ${kv.name} ${kv.server}`);
      Object.assign(env, { [KUBEVELA_KUBECONFIG_ENV]: kv.kubeconfigPath, [VELA_ENV]: kubevela.vela });
      if (interrupted) return 130;
      // Flux first: the kubevela tests enable the catalog's fluxcd addon, whose older Flux CRDs
      // (v2beta1 stored) the apiserver then will not let Flux's own CRDs replace.
      if (selected.has('flux')) {
        await chain.flux;
        codes.push(await runGroup('flux', env));
      }
      if (interrupted) return 130;
      if (selected.has('kubevela')) codes.push(await runGroup('kubevela', env));
    }
    const code = codes.find((c) => c !== 0) ?? 0;
    log(`tests finished with exit code ${code} after ${secs(Date.now() - t0)} in total`);
    return interrupted ? 130 : code;
  } finally {
    const tStop = Date.now();
    await Promise.allSettled(planes.map((p) => p.stop()));
    if (planes.length) log(`control planes stopped in ${secs(Date.now() - tStop)}`);
  }
}

async function startAll(binaries: Binaries): Promise<ControlPlane[]> {
  const results = await Promise.allSettled(CONTEXT_NAMES.slice(0, PLANES).map((name) => startControlPlane({ name, binaries })));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(started.map((p) => p.stop()));
    throw failed.reason;
  }
  return started;
}


main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);

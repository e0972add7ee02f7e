/**
 * `npm test`: builds (or finds cached) the Go tools of the tests, starts two API-only Kubernetes
 * control planes with KubeVela's CRDs and one KubeVela cluster (controllers, scheduler, kwok
 * nodes, KubeVela's chart, the real vela-core), runs every test/**\/*.test.ts with node's test
 * runner against them, and always tears them down.
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
import { describeProgress, ensureBinaries } from './cluster/build.ts';
import { describeHelmProgress, ensureHelm } from './helm/build.ts';
import { describeSeaweedfsProgress, ensureSeaweedfs } from './s3/build.ts';
import { startControlPlane, writeKubeconfig, type ControlPlane } from './cluster/control-plane.ts';
import { CONTEXT_NAMES, KUBECONFIG_ENV, KUBECTL_ENV, KUBEVELA_KUBECONFIG_ENV, VELA_ENV, prepareCluster } from './cluster/prepare.ts';
import { startKubeVelaCluster } from './cluster/kubevela-cluster.ts';
import { describeModuleToolProgress, ensureKubeVela, ensureKwok, ensureModuleTool } from './cluster/module-tools.ts';

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

  let planes: ControlPlane[] = [];
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

  try {
    const bins = await ensureBinaries({ onProgress: (p) => log(describeProgress(p)) });
    // helm for the Helm compatibility test, built here (after the control plane, not beside it:
    // two Go builds at once would only compete for the two cores) so its cold build shows progress.
    const helm = await ensureHelm({ onProgress: (p) => log(`helm: ${describeHelmProgress(p)}`) });
    // SeaweedFS, the real S3 server of the blob-store and replica tests: built here, after the
    // others, for the same reason.
    const weed = await ensureSeaweedfs({ onProgress: (p) => log(`s3: ${describeSeaweedfsProgress(p)}`) });
    // KubeVela (vela-core, vela) and kwok, from their own modules, for the KubeVela cluster.
    const kubevela = await ensureKubeVela({ onProgress: (p) => log(describeModuleToolProgress('kubevela', p)) });
    const kwok = await ensureKwok({ onProgress: (p) => log(describeModuleToolProgress('kwok', p)) });
    // Flux's source- and helm-controller for the template-center test (test/kubevela/flux.test.ts),
    // which starts them itself: built here so a cold build shows its progress.
    for (const tool of ['source-controller', 'helm-controller'] as const) await ensureModuleTool(tool, { onProgress: (p) => log(describeModuleToolProgress(tool, p)) });
    const tStart = Date.now();
    const [apiOnly, kv] = await Promise.all([
      startAll(bins).then((started) => (planes.push(...started), started)),
      startKubeVelaCluster({ tools: { binaries: bins, helm, kubevela, kwok } }).then((plane) => (planes.push(plane), plane)),
    ]);
    log(`${PLANES} API-only control planes (${apiOnly[0]?.version}) and the KubeVela cluster up in ${secs(Date.now() - tStart)}: ${[...apiOnly, kv].map((p) => `${p.name} ${p.server}`).join(', ')}`);

    const kubeconfigPath = join(dirname(planes[0]!.kubeconfigPath), 'all-clusters.kubeconfig');
    await writeKubeconfig(kubeconfigPath, apiOnly);
    const tPrep = Date.now();
    await Promise.all(apiOnly.map((p) => prepareCluster(p.kubeconfig)));
    log(`KubeVela CRDs and vela-system installed in ${secs(Date.now() - tPrep)}; ${KUBECONFIG_ENV}=${kubeconfigPath}`);
    if (interrupted) return 130;

    log(`running ${files.length} test file(s)`);
    child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...nodeFlags, ...files], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: {
        VELAHUB_HELM: helm,
        VELAHUB_WEED: weed,
        ...process.env,
        [KUBECONFIG_ENV]: kubeconfigPath,
        [KUBEVELA_KUBECONFIG_ENV]: kv.kubeconfigPath,
        [VELA_ENV]: kubevela.vela,
        [KUBECTL_ENV]: bins.kubectl,
      },
    });
    const running = child;
    const code = await new Promise<number>((resolve) => {
      running.on('error', (err) => {
        log(`could not start node --test: ${err.message}`);
        resolve(1);
      });
      running.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? constants.signals[sig] : 0)));
    });
    log(`tests finished with exit code ${code} after ${secs(Date.now() - t0)} in total`);
    return interrupted ? 130 : code;
  } finally {
    const tStop = Date.now();
    await Promise.allSettled(planes.map((p) => p.stop()));
    if (planes.length) log(`control planes stopped in ${secs(Date.now() - tStop)}`);
  }
}

async function startAll(binaries: Awaited<ReturnType<typeof ensureBinaries>>): Promise<ControlPlane[]> {
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

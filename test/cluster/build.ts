/**
 * Builds (once) and caches the binaries of the test control plane: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kubectl, compiled from the Go modules pinned in
 * this folder's go.mod/go.sum (one k8s.io/kubernetes module, so they share most packages).
 *
 * Run as a script (`tsx test/cluster/build.ts`) to warm the cache and print where it is.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheRoot, ensureGoBuild, goSumKey, type GoBuildOptions, type GoBuildProgress, type GoBuildSpec } from '../support/go-build.ts';

/** Kubernetes version the binaries are built from; must match the require in go.mod. */
export const KUBERNETES_VERSION = 'v1.37.2';

/** The Go module that wraps k8s.io/kubernetes and etcd (this folder). */
export const GO_MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/** Paths of the control plane's binaries in the cache. */
export interface Binaries {
  dir: string;
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  kubeControllerManager: string;
  kubeScheduler: string;
}

/** One step of `ensureBinaries`, for a caller that wants to show progress. */
export type BuildProgress = GoBuildProgress;

/** Options of `ensureBinaries`: those of the shared Go build, and where the cache lives. */
export interface EnsureBinariesOptions extends GoBuildOptions {
  /** Defaults to ~/.cache/velahub-testenv (or $VELAHUB_TESTENV_CACHE). */
  cacheRoot?: string;
}

function versionLdflags(version: string): string {
  const [major = '', minor = ''] = version.replace(/^v/, '').split('.');
  // Without these, /version and `kubectl version` say v0.0.0-master, and version checks lie.
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ])
    .join(' ');
}

const SPEC: Omit<GoBuildSpec, 'cacheRoot'> = {
  moduleDir: GO_MODULE_DIR,
  targets: [
    { binary: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
    { binary: 'etcd', pkg: './cmd/etcd' },
    { binary: 'kubectl', pkg: 'k8s.io/kubernetes/cmd/kubectl' },
    { binary: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
    { binary: 'kube-scheduler', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler' },
  ],
  buildFlags: ['-pgo=off', '-ldflags', `-s -w ${versionLdflags(KUBERNETES_VERSION)}`],
  verify: {
    binary: 'kube-apiserver',
    args: ['--version'],
    expected: KUBERNETES_VERSION,
    accepts: (out) => out.includes(KUBERNETES_VERSION),
  },
  buildInfo: () => `kubernetes ${KUBERNETES_VERSION}\nbuilt ${new Date().toISOString()}\n`,
  purpose: 'the test control plane',
};

/** Cache key: the short sha256 of go.sum, which changes whenever any module version changes. */
export function cacheKey(moduleDir = GO_MODULE_DIR): Promise<string> {
  return goSumKey(moduleDir);
}

/** Where the binaries for the current go.sum live (or will live). */
export async function binariesDir(cacheRoot = cacheRootOf()): Promise<string> {
  return join(cacheRoot, await cacheKey());
}

function cacheRootOf(): string {
  return defaultCacheRoot('VELAHUB_TESTENV_CACHE', 'velahub-testenv');
}

/**
 * Returns the cached binaries, building them first when the cache for this go.sum is empty.
 * A cold build takes 10–15 minutes on two cores; concurrent callers wait for one build.
 */
export async function ensureBinaries(opts: EnsureBinariesOptions = {}): Promise<Binaries> {
  const { cacheRoot = cacheRootOf(), ...rest } = opts;
  const dir = await ensureGoBuild({ ...SPEC, cacheRoot }, rest);
  return {
    dir,
    kubeApiserver: join(dir, 'kube-apiserver'),
    etcd: join(dir, 'etcd'),
    kubectl: join(dir, 'kubectl'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubeScheduler: join(dir, 'kube-scheduler'),
  };
}

/** Human wording of a progress step, shared by the script, the test runner and the cluster CLI. */
export function describeProgress(p: BuildProgress): string {
  const secs = (ms: number): string => `${Math.round(ms / 1000)}s`;
  switch (p.kind) {
    case 'cached':
      return `control-plane binaries cached in ${p.dir}`;
    case 'waiting':
      return `waiting for the build in process ${p.lockOwnerPid} (${secs(p.elapsedMs)})`;
    case 'downloading':
      return `downloading ${p.module}, ${secs(p.elapsedMs)} elapsed`;
    case 'building':
      return `building ${p.binary} (${p.index}/${p.total}), ${secs(p.elapsedMs)} elapsed; a cold build takes 10-15 min`;
    case 'built':
      return `built ${p.binary} in ${secs(p.tookMs)}`;
    case 'done':
      return `control-plane binaries built in ${secs(p.elapsedMs)} into ${p.dir}`;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bins = await ensureBinaries({ onProgress: (p) => console.error(describeProgress(p)) });
  console.log(JSON.stringify(bins, null, 2));
}

/**
 * Flux on a test cluster, from Flux's own modules: the CRDs of Flux 2.7 (source-controller
 * v1.7.0 and helm-controller v1.4.0, their `config/crd/bases`), and the two controllers of a Flux
 * release (see FLUX_RELEASES) running out of cluster as processes of the calling test.
 * source-controller serves the artifacts it fetched on a loopback port, which helm-controller
 * reads. Each call starts its own pair; `stop()` ends them. Flux 2.1 is the one the catalog's
 * fluxcd addon deploys: its CRDs come from the addon, as `velahub enable` installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { CrdManifest } from './crds/schema.ts';
import { TestEnvError } from './errors.ts';
import { ensureNamespace, installCrds } from './fixtures.ts';
import { ensureModuleTool, FLUX_RELEASES, type EnsureModuleToolOptions, type FluxRelease, type ModuleToolName } from './module-tools.ts';
import { loopbackOk } from './loopback-probe.ts';
import { moduleSourceDir } from '../support/go-build.ts';
import { freePorts } from '../support/free-ports.ts';

/** Where Flux's controllers record events and look for their own namespace. */
export const FLUX_SYSTEM = 'flux-system';

/** The built controllers. */
export interface FluxTools {
  sourceController: string;
  helmController: string;
}

/** The module tools (source-controller, helm-controller) of each Flux release. */
export const FLUX_TOOLS: Record<FluxRelease, readonly [ModuleToolName, ModuleToolName]> = {
  '2.7': ['source-controller', 'helm-controller'],
  '2.1': ['source-controller-2.1', 'helm-controller-2.1'],
};

/** Builds (once; 10-20 min cold on 2 cores) and returns the source- and helm-controller of a Flux release. */
export async function ensureFlux(release: FluxRelease = '2.7', opts: EnsureModuleToolOptions = {}): Promise<FluxTools> {
  const [sourceTool, helmTool] = FLUX_TOOLS[release];
  const source = await ensureModuleTool(sourceTool, opts);
  const helm = await ensureModuleTool(helmTool, opts);
  return {
    sourceController: join(source, 'source-controller'),
    helmController: join(helm, 'helm-controller'),
  };
}

/**
 * Flux's CRDs as its modules ship them (`config/crd/bases` of source-controller and
 * helm-controller): only downloaded, so tests that need the CRDs and no controller (dry runs of
 * helm-component) do not wait for a build.
 */
export async function fluxCrdManifests(): Promise<CrdManifest[]> {
  const out: CrdManifest[] = [];
  const modules: Array<[string, string]> = [
    ['github.com/fluxcd/source-controller', FLUX_RELEASES['2.7'].sourceController],
    ['github.com/fluxcd/helm-controller', FLUX_RELEASES['2.7'].helmController],
  ];
  for (const [module, version] of modules) {
    const dir = join(await moduleSourceDir(module, version), 'config/crd/bases');
    for (const f of (await readdir(dir)).filter((x) => x.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
        const crd = doc.toJS() as CrdManifest | null;
        if (crd?.kind === 'CustomResourceDefinition') out.push(crd);
      }
    }
  }
  return out;
}

/** Applies Flux's CRDs (see {@link fluxCrdManifests}) and waits until they are served. */
export async function installFluxCrds(kc: KubeConfig): Promise<void> {
  await installCrds(kc, await fluxCrdManifests());
}

/** Running Flux controllers. */
export interface RunningFlux {
  /** The last lines of a controller's log, for a failing test's message. */
  logTail(controller: 'source-controller' | 'helm-controller', lines?: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Installs Flux 2.7's CRDs on the cluster of `kubeconfigPath` (unless `crds: false`: the
 * catalog's fluxcd addon installed its own) and starts both controllers against it, waiting until
 * each answers its health check.
 */
export async function startFlux(kc: KubeConfig, kubeconfigPath: string, tools: FluxTools, opts: { timeoutMs?: number; crds?: boolean } = {}): Promise<RunningFlux> {
  if (opts.crds !== false) await installFluxCrds(kc);
  await ensureNamespace(kc, FLUX_SYSTEM);
  const dir = await mkdtemp(join(tmpdir(), 'velahub-flux-'));
  // source-controller refuses a storage path that does not exist yet.
  await mkdir(join(dir, 'artifacts'));
  const [storage, sourceMetrics, sourceHealth, helmMetrics, helmHealth] = await freePorts(5);
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, RUNTIME_NAMESPACE: FLUX_SYSTEM };
  const children: ChildProcess[] = [];
  const run = (name: string, binary: string, args: string[]): void => {
    const log = createWriteStream(join(dir, `${name}.log`));
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    children.push(child);
  };
  const common = ['--enable-leader-election=false', '--log-encoding=console'];
  run('source-controller', tools.sourceController, [
    ...common,
    `--storage-path=${join(dir, 'artifacts')}`,
    `--storage-addr=127.0.0.1:${storage}`,
    `--storage-adv-addr=127.0.0.1:${storage}`,
    `--metrics-addr=127.0.0.1:${sourceMetrics}`,
    `--health-addr=127.0.0.1:${sourceHealth}`,
  ]);
  run('helm-controller', tools.helmController, [...common, `--metrics-addr=127.0.0.1:${helmMetrics}`, `--health-addr=127.0.0.1:${helmHealth}`]);
  const logTail = async (name: string, lines = 30): Promise<string> =>
    (await readFile(join(dir, `${name}.log`), 'utf8').catch(() => '')).split('\n').slice(-lines).join('\n');
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 5_000).unref();
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (const [name, port] of [['source-controller', sourceHealth], ['helm-controller', helmHealth]] as const) {
    for (;;) {
      const child = children[name === 'source-controller' ? 0 : 1]!;
      if (child.exitCode !== null) {
        const tail = await logTail(name);
        await stop();
        throw new TestEnvError('TESTENV_PROCESS_EXITED', `${name} exited with code ${child.exitCode}:\n${tail}`);
      }
      if (await loopbackOk(port!, '/readyz')) break;
      if (Date.now() > deadline) {
        const tail = await logTail(name);
        await stop();
        throw new TestEnvError('TESTENV_NOT_READY', `${name} did not answer /readyz on 127.0.0.1:${port} within ${opts.timeoutMs ?? 60_000} ms:\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { logTail, stop };
}

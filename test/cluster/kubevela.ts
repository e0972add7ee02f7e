/**
 * KubeVela on a test plane, from KubeVela's own module: the CRDs of `charts/vela-core/crds`,
 * the rest of the chart (built-in definitions, velaql views, RBAC, the vela-core Deployment)
 * rendered by the real `helm template`, and the real vela-core controller running out of cluster
 * as a process of the plane (the chart's Deployment runs on a kwok node, as on a real cluster,
 * where `vela` and velahub read KubeVela's version from it).
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { ControlPlane } from './control-plane.ts';
import type { CrdManifest } from './crds/schema.ts';
import { TestEnvError } from './errors.ts';
import { ensureNamespace, installCrds } from './fixtures.ts';
import { applyRaw } from './kube-http.ts';
import { KUBEVELA_VERSION, kubeVelaChart, type KubeVelaTools } from './module-tools.ts';
import { ensureHelm } from '../helm/build.ts';
import { waitFor } from './workloads.ts';
import { loopbackOk } from './loopback-probe.ts';
import { freePorts } from '../support/free-ports.ts';

const run = promisify(execFile);

/** KubeVela's system namespace, where the chart installs and addons live. */
export const VELA_SYSTEM = 'vela-system';

/** The chart's values for one cluster without webhooks or cluster-gateway (one cluster, out-of-cluster controller). */
export const CHART_VALUES = ['multicluster.enabled=false', 'admissionWebhooks.enabled=false', `image.tag=${KUBEVELA_VERSION}`, 'image.pullPolicy=IfNotPresent'];

/** The CRDs of KubeVela's chart (`charts/vela-core/crds/*.yaml`), as KubeVela ships them. */
export async function kubeVelaCrdManifests(chart: string): Promise<CrdManifest[]> {
  const dir = join(chart, 'crds');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const out: CrdManifest[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
      const crd = doc.toJS() as CrdManifest | null;
      if (crd?.kind === 'CustomResourceDefinition') out.push(crd);
    }
  }
  return out;
}

/** Applies KubeVela's CRDs (from its module: the built one's, or only downloaded) to a cluster and waits until they are served. */
export async function installKubeVelaCrds(kc: KubeConfig, tools?: KubeVelaTools): Promise<void> {
  await installCrds(kc, await kubeVelaCrdManifests(tools?.chart ?? (await kubeVelaChart())));
}

/**
 * Renders the chart with `helm template` (hooks and the chart's test left out: Helm runs those,
 * not an apply) and applies it server-side with the plane's kubectl. The YAML goes to kubectl as
 * helm wrote it: KubeVela's templates hold quoted scalars continued at their key's indentation,
 * which Go's YAML reads and the `yaml` package does not.
 */
export async function installKubeVelaChart(plane: ControlPlane, tools: { helm: string; kubectl: string; kubevela: KubeVelaTools }): Promise<void> {
  await installKubeVelaCrds(plane.kubeconfig, tools.kubevela);
  await ensureNamespace(plane.kubeconfig, VELA_SYSTEM);
  const { stdout } = await run(
    tools.helm,
    ['template', 'kubevela', tools.kubevela.chart, '--namespace', VELA_SYSTEM, '--skip-tests', '--no-hooks', ...CHART_VALUES.flatMap((v) => ['--set', v])],
    { maxBuffer: 64 << 20 },
  ).catch((err: Error & { stderr?: string }) => {
    throw new TestEnvError('TESTENV_COMMAND_FAILED', `helm template of ${tools.kubevela.chart} failed: ${err.stderr ?? err.message}`);
  });
  const file = join(plane.dir, 'kubevela-chart.yaml');
  // The chart's one addon registry is the public catalog, which this machine cannot reach: left
  // out, `vela addon list` lists only the registries a test adds instead of failing on that one.
  await writeFile(file, stdout.replace(/"KubeVela":\{[^}]*\{[^}]*\}\s*\}/, ''));
  await run(tools.kubectl, ['--kubeconfig', plane.kubeconfigPath, 'apply', '--server-side', '--force-conflicts', '--field-manager=helm', '-n', VELA_SYSTEM, '-f', file], { maxBuffer: 16 << 20 }).catch(
    (err: Error & { stderr?: string }) => {
      throw new TestEnvError('TESTENV_COMMAND_FAILED', `applying KubeVela's chart failed: ${err.stderr ?? err.message}`);
    },
  );
}

/** The chart's template that holds vela-core's Deployment (with its RBAC and Service). */
const CONTROLLER_TEMPLATE = 'templates/kubevela-controller.yaml';

const renderedDeployments = new Map<string, Promise<Record<string, unknown>>>();

/**
 * KubeVela's own vela-core Deployment, as `helm template` of its chart renders it into
 * `namespace` with image tag `version`: what `vela` and velahub read KubeVela's version from.
 * Memoised per namespace and version, as the installer tests make one per test namespace.
 */
function velaCoreDeployment(namespace: string, version: string, tools?: { helm: string; kubevela: KubeVelaTools }): Promise<Record<string, unknown>> {
  const tag = version.startsWith('v') ? version : `v${version}`;
  const key = `${namespace}\n${tag}`;
  let rendered = renderedDeployments.get(key);
  if (!rendered) {
    rendered = renderVelaCoreDeployment(namespace, tag, tools);
    rendered.catch(() => renderedDeployments.delete(key));
    renderedDeployments.set(key, rendered);
  }
  return rendered;
}

async function renderVelaCoreDeployment(namespace: string, tag: string, tools?: { helm: string; kubevela: KubeVelaTools }): Promise<Record<string, unknown>> {
  const helm = tools?.helm ?? (await ensureHelm());
  const chart = tools?.kubevela.chart ?? (await kubeVelaChart());
  const values = CHART_VALUES.map((v) => (v.startsWith('image.tag=') ? `image.tag=${tag}` : v));
  const { stdout } = await run(helm, ['template', 'kubevela', chart, '--namespace', namespace, '--show-only', CONTROLLER_TEMPLATE, ...values.flatMap((v) => ['--set', v])], {
    maxBuffer: 16 << 20,
  }).catch((err: Error & { stderr?: string }) => {
    throw new TestEnvError('TESTENV_COMMAND_FAILED', `helm template --show-only ${CONTROLLER_TEMPLATE} of ${chart} failed: ${err.stderr ?? err.message}`);
  });
  // Only the Deployment is parsed: other documents of this template hold scalars only Go's YAML reads.
  const doc = stdout
    .split(/^---\s*$/m)
    .find((d) => /^kind: Deployment$/m.test(d));
  if (!doc) throw new TestEnvError('TESTENV_COMMAND_FAILED', `${CONTROLLER_TEMPLATE} of ${chart} rendered no Deployment`);
  return parseAllDocuments(doc)[0]!.toJS() as Record<string, unknown>;
}

/**
 * Applies KubeVela's vela-core Deployment (see {@link velaCoreDeployment}) to `namespace`. On an
 * API-only plane nothing runs it: it is the record version checks read, as on a real cluster.
 */
export async function installVelaCoreDeployment(kc: KubeConfig, namespace: string, version: string, tools?: { helm: string; kubevela: KubeVelaTools }): Promise<void> {
  const deployment = await velaCoreDeployment(namespace, version, tools);
  const name = (deployment.metadata as { name: string }).name;
  await ensureNamespace(kc, namespace);
  await applyRaw(kc, `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, deployment, { fieldManager: 'helm' });
}

/** Starts the real vela-core against `plane` (out of cluster) and waits for its health endpoint. */
export async function startVelaCore(plane: ControlPlane, tools: KubeVelaTools, opts: { timeoutMs?: number } = {}): Promise<void> {
  const [metrics, health] = await freePorts(2);
  plane.attach(
    'vela-core',
    tools.velaCore,
    [`--metrics-addr=127.0.0.1:${metrics}`, `--health-addr=127.0.0.1:${health}`, `--system-definition-namespace=${VELA_SYSTEM}`, '--enable-leader-election=false', '--use-webhook=false'],
    { KUBECONFIG: plane.kubeconfigPath },
  );
  await waitFor(plane, 'vela-core', Date.now() + (opts.timeoutMs ?? 60_000), () => loopbackOk(health!, '/healthz'));
}

/**
 * Kruise Rollout on a test cluster, from its own module (github.com/openkruise/rollouts): its
 * CRDs (`config/crd/bases`, with the conversion webhook its kustomization patches in), its
 * webhook configurations (`config/webhook`, with the object selectors of its patch), and the
 * controller running out of cluster as a process of the calling test.
 *
 * In a cluster the controller runs as a Pod behind a Service; here the kube-apiserver calls its
 * webhooks on loopback. The controller does that itself when WEBHOOK_HOST is set: it writes its
 * own serving certificate to a folder and puts `https://127.0.0.1:PORT/...` and the CA into the
 * webhook configurations and the CRDs' conversion settings. It reads its Lua scripts (traffic
 * routing for nginx Ingresses among them) from `lua_configuration/` under its working folder,
 * which is why it runs in the tool's cache folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { CrdManifest } from './crds/schema.ts';
import { TestEnvError } from './errors.ts';
import { ensureNamespace, installCrds } from './fixtures.ts';
import { applyRaw, kubeRequest } from './kube-http.ts';
import { ensureModuleTool, ROLLOUTS_VERSION, type EnsureModuleToolOptions } from './module-tools.ts';
import { loopbackOk } from './loopback-probe.ts';
import { moduleSourceDir } from '../support/go-build.ts';
import { freePorts } from '../support/free-ports.ts';

/** The namespace the controller believes it runs in (its default, as its chart installs it). */
export const ROLLOUTS_NAMESPACE = 'kruise-rollout';

/** The feature gates the controller runs with, as a platform that releases Deployments in batches sets them. */
export const ROLLOUTS_FEATURE_GATES = 'AdvancedDeployment=true';

/** The names the controller looks its webhook configurations up by. */
const WEBHOOK_CONFIGURATIONS = {
  MutatingWebhookConfiguration: 'kruise-rollout-mutating-webhook-configuration',
  ValidatingWebhookConfiguration: 'kruise-rollout-validating-webhook-configuration',
} as const;

/** CRDs whose versions convert through the controller's webhook (the module's `config/crd/patches/webhook_in_*`). */
const CONVERTED_CRDS = ['rollouts.rollouts.kruise.io', 'batchreleases.rollouts.kruise.io'];

/** The built controller and the folder it runs in. */
export interface RolloutsTools {
  controller: string;
  dir: string;
}

/** Builds (once; a few minutes cold on 2 cores) and returns Kruise Rollout's controller. */
export async function ensureRollouts(opts: EnsureModuleToolOptions = {}): Promise<RolloutsTools> {
  const dir = await ensureModuleTool('rollouts', opts);
  return { controller: join(dir, 'rollouts'), dir };
}

async function yamlDocuments(file: string): Promise<Record<string, unknown>[]> {
  return parseAllDocuments(await readFile(file, 'utf8'))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null);
}

/**
 * The module's CRDs (only downloaded: no build needed), with the conversion webhook of its
 * kustomization on Rollout and BatchRelease when `webhookPort` is given: both serve v1alpha1 and
 * v1beta1, whose fields differ, so without the webhook a v1alpha1 Rollout (what traits write)
 * reads wrong as v1beta1 (what the controller reads). Without a controller (an API-only plane
 * checking what a trait renders), the CRDs go without it: v1alpha1 is stored as written.
 * The webhook's address here is a placeholder the controller replaces.
 */
export async function rolloutsCrdManifests(webhookPort?: number): Promise<CrdManifest[]> {
  const dir = join(await moduleSourceDir('github.com/openkruise/rollouts', ROLLOUTS_VERSION), 'config/crd/bases');
  const out: CrdManifest[] = [];
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.yaml')).sort()) {
    for (const doc of await yamlDocuments(join(dir, f))) {
      if (doc.kind !== 'CustomResourceDefinition') continue;
      const crd = doc as unknown as CrdManifest & { spec: Record<string, unknown> };
      if (webhookPort !== undefined && CONVERTED_CRDS.includes(crd.metadata.name)) {
        crd.spec.conversion = {
          strategy: 'Webhook',
          webhook: { clientConfig: { url: `https://127.0.0.1:${webhookPort}/convert` }, conversionReviewVersions: ['v1', 'v1beta1'] },
        };
      }
      out.push(crd);
    }
  }
  return out;
}

/**
 * The module's webhook configurations (`config/webhook/manifests.yaml`) under the names the
 * controller looks for, each webhook with the `objectSelector` of `patch_manifests.yaml`: only
 * workloads a Rollout has labelled `rollouts.kruise.io/workload-type` reach the webhook.
 */
export async function rolloutsWebhookConfigurations(tools: RolloutsTools, webhookPort: number): Promise<Record<string, unknown>[]> {
  const dir = join(tools.dir, 'config/webhook');
  const selectors = new Map<string, unknown>();
  for (const patch of await yamlDocuments(join(dir, 'patch_manifests.yaml'))) {
    for (const wh of (patch.webhooks as { name: string; objectSelector?: unknown }[]) ?? []) if (wh.objectSelector) selectors.set(wh.name, wh.objectSelector);
  }
  const out: Record<string, unknown>[] = [];
  for (const doc of await yamlDocuments(join(dir, 'manifests.yaml'))) {
    const kind = doc.kind as keyof typeof WEBHOOK_CONFIGURATIONS;
    if (!(kind in WEBHOOK_CONFIGURATIONS)) continue;
    const webhooks = (doc.webhooks as { name: string; clientConfig: { service?: { path?: string } } }[]).map((wh) => ({
      ...wh,
      ...(selectors.has(wh.name) ? { objectSelector: selectors.get(wh.name) } : {}),
      // The controller keeps the path and replaces the address; the API server needs a valid one meanwhile.
      clientConfig: { url: `https://127.0.0.1:${webhookPort}${wh.clientConfig.service?.path ?? '/'}` },
    }));
    out.push({ apiVersion: doc.apiVersion, kind, metadata: { name: WEBHOOK_CONFIGURATIONS[kind] }, webhooks });
  }
  return out;
}

/** A running Kruise Rollout controller. */
export interface RunningRollouts {
  /** The last lines of the controller's log, for a failing test's message. */
  logTail(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Installs Kruise Rollout's CRDs and webhook configurations on the cluster of `kubeconfigPath`
 * and starts the controller against it, waiting until it answers /readyz and has put its CA
 * into the webhook configurations (before that, a Deployment update would fail the webhook call).
 */
export async function startRollouts(kc: KubeConfig, kubeconfigPath: string, tools: RolloutsTools, opts: { timeoutMs?: number } = {}): Promise<RunningRollouts> {
  const [webhook, metrics, health] = (await freePorts(3)) as [number, number, number];
  await installCrds(kc, await rolloutsCrdManifests(webhook));
  await ensureNamespace(kc, ROLLOUTS_NAMESPACE);
  for (const conf of await rolloutsWebhookConfigurations(tools, webhook)) {
    const name = (conf.metadata as { name: string }).name;
    const resource = conf.kind === 'MutatingWebhookConfiguration' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
    await applyRaw(kc, `/apis/admissionregistration.k8s.io/v1/${resource}/${name}`, conf);
  }
  const dir = await mkdtemp(join(tmpdir(), 'velahub-rollouts-'));
  const log = createWriteStream(join(dir, 'rollouts.log'));
  const child: ChildProcess = spawn(
    tools.controller,
    [
      '--leader-elect=false',
      `--metrics-bind-address=127.0.0.1:${metrics}`,
      `--health-probe-bind-address=127.0.0.1:${health}`,
      // Batches of a Deployment replaced in place (rolling style "partition") are the work of
      // its advanced Deployment controller, which is off unless this gate is on.
      `--feature-gates=${ROLLOUTS_FEATURE_GATES}`,
    ],
    {
      cwd: tools.dir,
      env: {
        ...process.env,
        KUBECONFIG: kubeconfigPath,
        POD_NAMESPACE: ROLLOUTS_NAMESPACE,
        WEBHOOK_HOST: '127.0.0.1',
        WEBHOOK_PORT: String(webhook),
        WEBHOOK_CERT_DIR: join(dir, 'certs'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const logTail = async (lines = 40): Promise<string> => (await readFile(join(dir, 'rollouts.log'), 'utf8').catch(() => '')).split('\n').slice(-lines).join('\n');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      const tail = await logTail();
      await stop();
      throw new TestEnvError('TESTENV_PROCESS_EXITED', `Kruise Rollout's controller exited with code ${child.exitCode}:\n${tail}`);
    }
    if ((await loopbackOk(health, '/readyz')) && (await webhooksCarryCa(kc))) break;
    if (Date.now() > deadline) {
      const tail = await logTail();
      await stop();
      throw new TestEnvError('TESTENV_NOT_READY', `Kruise Rollout's controller was not ready (/readyz on 127.0.0.1:${health}, its CA in the webhook configurations) within ${timeoutMs} ms:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { logTail, stop };
}

async function webhooksCarryCa(kc: KubeConfig): Promise<boolean> {
  const res = await kubeRequest(kc, { method: 'GET', path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${WEBHOOK_CONFIGURATIONS.MutatingWebhookConfiguration}` });
  const webhooks = (res.body as { webhooks?: { clientConfig: { caBundle?: string } }[] }).webhooks ?? [];
  return res.status === 200 && webhooks.length > 0 && webhooks.every((w) => Boolean(w.clientConfig.caBundle));
}

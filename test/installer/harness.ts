/**
 * What the installer tests share: a real registry server on 127.0.0.1 seeded with the bundled
 * addons, fixture addons built in code and published through the registry's own publish path, a
 * KubeVela namespace of their own per test (with KubeVela's chart's vela-core Deployment in it), and
 * snapshots of every object the installer could touch there.
 *
 * No controller runs in the test clusters: no garbage collection, and Applications never get a
 * status unless a test writes it the way vela-core would ({@link setApplicationPhase}).
 *
 * Imports test/cluster/env.ts, which registers a node:test hook: import it from test files only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { enableAddons, type EnableOptions } from '../../installer/enable.ts';
import { applyRaw, kubeRequest } from '../cluster/kube-http.ts';
import { testClusters } from '../cluster/env.ts';
import { deleteNamespace, ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { installVelaCoreDeployment } from '../cluster/kubevela.ts';
import { definitionCue, deploymentOutput, deploymentWorkload, traitAttributes } from '../support/definitions.ts';

export { startTestRegistry, type TestRegistry, type Tree } from '../support/installer-registry.ts';
import { startTestRegistry, type TestRegistry, type Tree } from '../support/installer-registry.ts';

/** One test cluster and a registry, as an installer test file starts them, and its namespaces. */
export interface InstallerEnv {
  kc: KubeConfig;
  kube: Kube;
  registry: TestRegistry;
  /** The registry's own evaluator: the installer and the registry compile definitions once. */
  cue: CueEvaluator;
  /** A fresh KubeVela namespace ({@link velaNamespace}), deleted by `close`. */
  velaNamespace(opts?: { velaVersion?: string }): Promise<string>;
  /** Enables into `ns` on this cluster from this registry (named "test"); `extra` overrides any option. */
  enable(ns: string, requested: EnableOptions['requested'], extra?: Partial<EnableOptions>): ReturnType<typeof enableAddons>;
  /** Deletes `ns` too on `close` (e.g. a namespace for user Applications). */
  track(ns: string): void;
  /** Deletes every namespace made or tracked, then closes the registry. */
  close(): Promise<void>;
}

/**
 * Starts a test cluster and a registry side by side (seeded with the bundled addons unless `seed`
 * is false); its KubeVela namespaces are named `<prefix>-…`.
 */
export async function startInstallerEnv(opts: { prefix: string; seed?: boolean }): Promise<InstallerEnv> {
  const [[kc], registry] = await Promise.all([testClusters(1), startTestRegistry({ seed: opts.seed })]);
  const namespaces: string[] = [];
  const kube = new Kube(kc!);
  const cue = registry.server.registry.cue;
  return {
    kc: kc!,
    kube,
    registry,
    cue,
    enable: (ns, requested, extra = {}) => enableAddons({ requested, clusters: [kube], registries: [registry.source()], cue, namespace: ns, ...extra }),
    async velaNamespace(o = {}) {
      const ns = await velaNamespace(kc!, { prefix: opts.prefix, velaVersion: o.velaVersion });
      namespaces.push(ns);
      return ns;
    },
    track: (ns) => void namespaces.push(ns),
    async close() {
      await Promise.allSettled(namespaces.map((ns) => deleteNamespace(kc!, ns)));
      await registry.close();
    },
  };
}

/** metadata.yaml text: name, version, optional dependencies ({name: range}) and system ranges. */
export function metadata(name: string, version: string, opts: { deps?: Record<string, string | undefined>; vela?: string; kubernetes?: string } = {}): string {
  const lines = [`name: ${name}`, `version: ${version}`, `description: The ${name} fixture addon`];
  const deps = Object.entries(opts.deps ?? {});
  if (deps.length) {
    lines.push('dependencies:');
    for (const [dep, range] of deps) lines.push(`  - name: ${dep}`, ...(range ? [`    version: "${range}"`] : []));
  }
  if (opts.vela || opts.kubernetes) {
    lines.push('system:');
    if (opts.vela) lines.push(`  vela: "${opts.vela}"`);
    if (opts.kubernetes) lines.push(`  kubernetes: "${opts.kubernetes}"`);
  }
  return lines.join('\n') + '\n';
}

/** A trait definition in the definition CUE format; `params` is the body of `parameter`. */
export function traitCue(name: string, params = '// +usage=Labels to add\n\t\tlabels: [string]: string'): string {
  return definitionCue({
    name,
    type: 'trait',
    emptyMaps: true,
    description: `The ${name} trait`,
    attributes: traitAttributes(false),
    template: '\tpatch: metadata: labels: {}\n',
    parameter: params,
  });
}

/** A component definition in the definition CUE format; `params` is the body of `parameter`. */
export function componentCue(name: string, params = '// +usage=Container image\n\t\timage: string'): string {
  return definitionCue({
    name,
    type: 'component',
    emptyMaps: true,
    description: `The ${name} component`,
    attributes: deploymentWorkload,
    template: deploymentOutput('template: spec: containers: [{name: context.name, image: parameter.image}]'),
    parameter: params,
  });
}

/** The stand-in `fluxcd` addon helm-component depends on: metadata only. */
export function fluxcdStandIn(version = '2.0.0', opts: { vela?: string } = {}): Tree {
  return { 'metadata.yaml': metadata('fluxcd', version, { vela: opts.vela }), 'README.md': '# fluxcd\n\nStand-in for the community addon: metadata only.\n' };
}

/**
 * A KubeVela namespace of the test's own, the same name on every cluster given: created, with
 * KubeVela's chart's vela-core Deployment in it whose `kubevela` image tag is `velaVersion` (what
 * `vela` reads as KubeVela's version).
 */
export async function velaNamespace(kcs: KubeConfig | KubeConfig[], opts: { prefix?: string; velaVersion?: string } = {}): Promise<string> {
  const ns = uniqueNamespace(opts.prefix ?? 'inst');
  for (const kc of Array.isArray(kcs) ? kcs : [kcs]) {
    await ensureNamespace(kc, ns);
    await installVelaCoreDeployment(kc, ns, opts.velaVersion ?? '1.10.3');
  }
  return ns;
}

/**
 * Marks vela-core's Deployment as running (status.readyReplicas = 1), as the kubelet and the
 * Deployment controller would on a cluster that runs workloads (this plane runs none): the
 * installer then waits for each addon's Application to run.
 */
export async function markVelaCoreReady(kc: KubeConfig, ns: string): Promise<void> {
  const res = await kubeRequest(kc, {
    method: 'PATCH',
    path: `/apis/apps/v1/namespaces/${ns}/deployments/kubevela-vela-core/status`,
    body: { status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 } },
    contentType: 'application/merge-patch+json',
  });
  if (res.status >= 300) throw new Error(`patching vela-core status answered HTTP ${res.status}: ${JSON.stringify(res.body)}`);
}

/** The kinds an enable can write in the KubeVela namespace. */
export const watchedKinds: Array<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application' },
  { apiVersion: 'core.oam.dev/v1beta1', kind: 'ComponentDefinition' },
  { apiVersion: 'core.oam.dev/v1beta1', kind: 'TraitDefinition' },
  { apiVersion: 'core.oam.dev/v1beta1', kind: 'PolicyDefinition' },
  { apiVersion: 'core.oam.dev/v1beta1', kind: 'WorkflowStepDefinition' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
];

/** Every object of {@link watchedKinds} in `ns`, keyed `Kind/name` (kube-root-ca.crt left out). */
export async function snapshot(kube: Kube, ns: string): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  for (const k of watchedKinds) {
    for (const o of await kube.list(k.apiVersion, k.kind, ns)) {
      if (k.kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt') continue;
      out.set(`${k.kind}/${o.metadata.name}`, { ...o, kind: k.kind, apiVersion: k.apiVersion });
    }
  }
  return out;
}

/** `Kind/name` → resourceVersion: equal maps mean nothing was written. */
export function versionsOf(snap: Map<string, KubeObject>): Record<string, string> {
  return Object.fromEntries([...snap].sort(([a], [b]) => a.localeCompare(b)).map(([k, o]) => [k, o.metadata.resourceVersion ?? '']));
}

/**
 * An object's content without what the API server stamps on every write (resourceVersion,
 * generation, managedFields): equal content means the object is as it was.
 */
export function contentOf(o: KubeObject): unknown {
  const { resourceVersion: _r, generation: _g, managedFields: _m, ...metadata } = o.metadata;
  return { ...o, metadata };
}

/** Content of every object of a snapshot, keyed `Kind/name`. */
export function contentsOf(snap: Map<string, KubeObject>): Record<string, unknown> {
  return Object.fromEntries([...snap].sort(([a], [b]) => a.localeCompare(b)).map(([k, o]) => [k, contentOf(o)]));
}

/**
 * Writes an Application's phase the way vela-core does (`status.status` and
 * `status.observedGeneration`, the current generation unless given, through the status
 * subresource): no controller runs in the test clusters, so nothing else ever will.
 */
export async function setApplicationPhase(kc: KubeConfig, ns: string, name: string, phase: string, observedGeneration?: number): Promise<void> {
  const current = await kubeRequest(kc, { method: 'GET', path: `/apis/core.oam.dev/v1beta1/namespaces/${ns}/applications/${name}` });
  const generation = (current.body as { metadata?: { generation?: number } } | undefined)?.metadata?.generation ?? 1;
  const res = await kubeRequest(kc, {
    method: 'PATCH',
    path: `/apis/core.oam.dev/v1beta1/namespaces/${ns}/applications/${name}/status`,
    body: { status: { status: phase, observedGeneration: observedGeneration ?? generation } },
    contentType: 'application/merge-patch+json',
  });
  if (res.status >= 300) throw new Error(`patching ${ns}/${name} status answered HTTP ${res.status}: ${JSON.stringify(res.body)}`);
}

/** Creates a user Application (not an addon) in `ns` using the given component and trait types. */
export async function userApplication(kc: KubeConfig, ns: string, name: string, uses: { component: string; traits?: string[] }): Promise<void> {
  await applyRaw(kc, `/apis/core.oam.dev/v1beta1/namespaces/${ns}/applications/${name}`, {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name, namespace: ns },
    spec: { components: [{ name: 'main', type: uses.component, properties: { image: 'nginx' }, traits: (uses.traits ?? []).map((type) => ({ type, properties: {} })) }] },
  });
}

/** A Kube client for a test cluster. */
export function kubeFor(kc: KubeConfig): Kube {
  return new Kube(kc);
}

/** A tiny HTTP server answering every GET with `body(path)`. */
export async function serve(body: (path: string) => Promise<Buffer>): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    body(req.url ?? '/').then(
      (data) => res.writeHead(200, { 'content-length': data.length }).end(data),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

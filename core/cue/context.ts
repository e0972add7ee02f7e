/** The `context` value KubeVela gives a template; velahub supplies one to evaluate offline. */
export interface RenderContext {
  name: string;
  appName: string;
  namespace: string;
  appRevision: string;
  appRevisionNum: number;
  revision: number;
  clusterVersion: { major: number; minor: number; gitVersion: string };
  /** For traits: the workload the trait is attached to. */
  output?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A Deployment standing in for the workload a trait is attached to. */
export function sampleWorkload(name: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { 'app.oam.dev/component': name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'app.oam.dev/component': name } },
      template: {
        metadata: { labels: { 'app.oam.dev/component': name } },
        spec: { containers: [{ name, image: 'nginx:1.27' }] },
      },
    },
  };
}

/**
 * The minimum context upstream templates need (kubevela-contract.md), with the
 * given fields overriding the defaults. `clusterVersion` defaults to 1.29.
 */
export function sampleContext(overrides: Partial<RenderContext> = {}): RenderContext {
  const name = overrides.name ?? 'example';
  const appName = overrides.appName ?? `${name}-app`;
  const namespace = overrides.namespace ?? 'default';
  return {
    name,
    appName,
    namespace,
    appRevision: `${appName}-v1`,
    appRevisionNum: 1,
    revision: 1,
    clusterVersion: { major: 1, minor: 29, gitVersion: 'v1.29.0' },
    output: sampleWorkload(name, namespace),
    ...overrides,
  };
}

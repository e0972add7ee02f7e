/**
 * The annotation keys of an index.yaml entry: what the registry writes at publish
 * (registry/index-yaml.ts) and the installer reads (installer/registry-index.ts).
 * Helm's strict index parser allows only ChartVersion's keys, so everything beyond
 * them travels as string annotations; the `velahub.dev/*` values are JSON.
 */
export const indexAnnotations = {
  /** The addon's dependencies (`[{name, version}]`, always present, even `[]`): marks a velahub registry. */
  dependencies: 'velahub.dev/dependencies',
  /** The definitions the version provides (`[{name, type}]`), when it has any. */
  definitions: 'velahub.dev/definitions',
  /** Why the version is deprecated, beside Helm's `deprecated: true`. */
  deprecation: 'velahub.dev/deprecation',
  /** KubeVela's own: the vela versions the addon needs (metadata.yaml `system.vela`). */
  systemVela: 'system.vela',
  /** KubeVela's own: the Kubernetes versions the addon needs (metadata.yaml `system.kubernetes`). */
  systemKubernetes: 'system.kubernetes',
} as const;

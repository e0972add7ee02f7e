/**
 * Builders for wire-format OpenAPI v3 schemas and CRD manifests, so the CRD fixtures read like
 * the YAML they stand for. Keys are spelled as the API server expects them
 * (`x-kubernetes-preserve-unknown-fields`), not as client-node's models do.
 */

/** A structural schema node, in wire format. */
export type Schema = { [key: string]: unknown };

/** A CustomResourceDefinition manifest, in wire format. */
export interface CrdManifest {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: Schema[];
  };
}

/** A string, optionally with extra keywords (enum, pattern, default...). */
export const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...desc(description), ...extra });
/** A boolean. */
export const bool = (description?: string, extra: Schema = {}): Schema => ({ type: 'boolean', ...desc(description), ...extra });
/** An integer. */
export const int = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', ...desc(description), ...extra });
/** An array of `items`. */
export const arr = (items: Schema, description?: string): Schema => ({ type: 'array', items, ...desc(description) });
/** A string list. */
export const strings = (description?: string): Schema => arr(str(), description);
/** A string-to-string map (labels, annotations, matchLabels). */
export const stringMap = (description?: string): Schema => ({ type: 'object', additionalProperties: { type: 'string' }, ...desc(description) });
/** An object with known properties; unknown ones are pruned, as for a typed Go struct. */
export const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  ...extra,
});
/** An object whose content is free-form (runtime.RawExtension, user values). */
export const open = (description?: string): Schema => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...desc(description) });

function desc(description?: string): Schema {
  return description ? { description } : {};
}

/** Conditions as metav1.Condition / crossplane's condition, shared by the status blocks. */
export const conditions = arr(
  obj(
    {
      type: str(),
      status: str(),
      reason: str(),
      message: str(),
      lastTransitionTime: str(undefined, { format: 'date-time' }),
      observedGeneration: int(undefined, { format: 'int64' }),
    },
    ['type', 'status'],
  ),
);

/** One served + storage version with a status subresource. */
export function version(name: string, spec: Schema, status: Schema, extra: Schema = {}): Schema {
  return {
    name,
    served: true,
    storage: true,
    subresources: { status: {} },
    schema: {
      openAPIV3Schema: obj({ apiVersion: str(), kind: str(), metadata: { type: 'object' }, spec, status }),
    },
    ...extra,
  };
}

/** A namespaced CRD with one version. */
export function crd(input: {
  group: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  categories?: string[];
  versions: Schema[];
}): CrdManifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${input.plural}.${input.group}` },
    spec: {
      group: input.group,
      names: {
        kind: input.kind,
        listKind: `${input.kind}List`,
        plural: input.plural,
        singular: input.kind.toLowerCase(),
        ...(input.shortNames ? { shortNames: input.shortNames } : {}),
        ...(input.categories ? { categories: input.categories } : {}),
      },
      scope: 'Namespaced',
      versions: input.versions,
    },
  };
}

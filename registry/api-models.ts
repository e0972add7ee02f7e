import type { AddonManifest, DefinitionInfo } from '../core/package/inspect.ts';
import { docsOf } from '../core/params/derive.ts';
import { diffManifests, type SchemaChange } from '../core/params/diff.ts';
import type { VersionRecord } from './store/records.ts';
import { archivePath } from './index-yaml.ts';

/**
 * The JSON shapes of the API's version, definition and diff responses, built in
 * one place for the API routes and the docs pages alike.
 */

/** A version as GET /api/v1/addons/:name/versions/:version returns it. */
export function versionDetail(v: VersionRecord) {
  return {
    name: v.name,
    version: v.version,
    digest: v.digest,
    size: v.size,
    createdAt: v.createdAt,
    deprecated: v.deprecated,
    yanked: v.yanked,
    yankReason: v.yankReason,
    metadata: v.metadata,
    readme: v.readme,
    dependencies: v.metadata.dependencies ?? [],
    system: v.metadata.system ?? {},
    definitions: v.manifest.definitions.map((d) => ({ name: d.name, type: d.type, description: d.description, schematic: d.schematic, attributes: d.attributes })),
    parameterSchema: v.manifest.parameterSchema ?? null,
    warnings: v.warnings,
    archive: `/${archivePath(v.name, v.version)}`,
  };
}
/** See {@link versionDetail}. */
export type VersionDetail = ReturnType<typeof versionDetail>;

/** A version's stored manifest as GET /api/v1/addons/:name/versions/:version/manifest returns it. */
export interface StoredManifest {
  name: string;
  version: string;
  /** `sha256:<hex>` of the archive the manifest was derived from. */
  digest: string;
  manifest: AddonManifest;
}

/** The manifest derived at publish, with the digest of the archive it came from. */
export function storedManifest(v: VersionRecord): StoredManifest {
  return { name: v.name, version: v.version, digest: v.digest, manifest: v.manifest };
}

/** A definition as GET /api/v1/addons/:name/versions/:version/definitions/:def returns it; its parameter tables as derived at publish. */
export function definitionDetail(v: VersionRecord, def: DefinitionInfo) {
  return { addon: v.name, version: v.version, name: def.name, type: def.type, description: def.description, attributes: def.attributes, schema: def.schema, parameters: docsOf(v.derived, def).parameters, cue: def.cue };
}
/** See {@link definitionDetail}. */
export type DefinitionDetail = ReturnType<typeof definitionDetail>;

/** One definition's changes between two versions, as GET /api/v1/addons/:name/diff returns them. */
export interface DefinitionDiff {
  definition: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  breaking?: boolean;
  changes: SchemaChange[];
}

/**
 * The parameter diff of two versions, as GET /api/v1/addons/:name/diff returns it: the one
 * stored at publish when `a` is the version `b` was compared with then, else computed.
 */
export function versionDiff(name: string, a: VersionRecord, b: VersionRecord) {
  const stored = b.derived.previous?.from === a.version ? b.derived.previous.definitions : undefined;
  const definitions: DefinitionDiff[] = (stored ?? diffManifests(a.manifest, b.manifest)).map(({ definition, status, breaking, changes }) =>
    // An added definition carries no `breaking` field in the API (it never breaks anything).
    status === 'added' ? { definition, status, changes } : { definition, status, breaking, changes });
  return { name, from: a.version, to: b.version, breaking: definitions.some((d) => d.breaking), definitions, readme: { from: a.readme, to: b.readme } };
}
/** See {@link versionDiff}. */
export type VersionDiff = ReturnType<typeof versionDiff>;


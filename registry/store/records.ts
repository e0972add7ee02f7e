import type { AddonMetadata } from '../../core/package/metadata.ts';
import type { AddonManifest } from '../../core/package/inspect.ts';
import type { Diagnostic } from '../../core/diagnostics.ts';
import type { JsonSchema } from '../../core/params/schema.ts';
import type { VersionDocs } from '../../core/params/derive.ts';

/** What every stored version of either kind (addon or chart) has: who it is and its archive. */
export interface StoredArchive {
  name: string;
  version: string;
  /** `sha256:<hex>` of the archive: its identity in the blob store. */
  digest: string;
  size: number;
  createdAt: string;
}

/** The kinds of package the registry hosts; each has its own tables, index.yaml and pages. */
export type PackageKind = 'addon' | 'chart';

/** A published version as the store keeps it. */
export interface VersionRecord extends StoredArchive {
  metadata: AddonMetadata;
  readme: string;
  manifest: AddonManifest;
  warnings: Diagnostic[];
  /** This version's entry in index.yaml, precomputed at publish. */
  indexEntry: string;
  /** Parameter tables, examples, search paths and the diff against the version below, computed at publish. */
  derived: VersionDocs;
  deprecated: string | null;
  yanked: boolean;
  yankReason: string | null;
  publishedBy: string | null;
}

/** A version without its heavy fields, for lists. */
export type VersionSummary = Pick<VersionRecord, 'name' | 'version' | 'digest' | 'size' | 'createdAt' | 'deprecated' | 'yanked'>;

/** One addon in a listing. */
export interface AddonSummary {
  name: string;
  description: string;
  tags: string[];
  latest: string | null;
  definitionTypes: string[];
  updatedAt: string;
}

/** One definition in a listing. */
export interface DefinitionSummary {
  addon: string;
  version: string;
  name: string;
  type: string;
  description: string;
}

/** A definition found by search; with `parameters` when the search asked which parameters matched. */
export interface DefinitionMatch extends DefinitionSummary {
  /** Paths of parameters named like a searched word (e.g. `route.domain`). */
  parameters?: string[];
}

/** How many listed addons carry each tag and each definition type. */
export interface Facets {
  tags: Map<string, number>;
  types: Map<string, number>;
}

/** One definition with its schema. */
export interface DefinitionRecord extends DefinitionSummary {
  schema: JsonSchema;
}

/** Token scopes: read-only, publish (to a name or `prefix-*`), admin (everything). */
export type TokenScope = 'read' | 'publish' | 'admin';

/** A token as stored: only its hash is kept. */
export interface TokenRecord {
  id: string;
  description: string;
  scope: TokenScope;
  /** For publish tokens: the addon name or `prefix-*` pattern allowed. */
  pattern: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** A page of results. */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

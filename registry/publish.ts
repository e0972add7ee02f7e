import semver from 'semver';
import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import { errorsOf, refusal, type Diagnostic } from '../core/diagnostics.ts';
import { unpackArchive, sha256 } from '../core/package/archive.ts';
import { defaultLimits, textOf, type PackageFiles, type PackageLimits } from '../core/package/files.ts';
import { inspectAddon, type AddonManifest } from '../core/package/inspect.ts';
import { parseMetadata } from '../core/package/metadata.ts';
import { sizeProblems } from '../core/package/text-limits.ts';
import { deriveVersionDocs } from '../core/params/derive.ts';
import { breakingChanges, diffManifests, type SchemaChange } from '../core/params/diff.ts';
import type { BlobStore } from './store/blob-store.ts';
import type { MetadataStore } from './store/metadata-store.ts';
import type { TokenRecord, VersionRecord } from './store/records.ts';
import { versionBelow } from './store/version-order.ts';
import { indexEntry } from './index-yaml.ts';
import { mayPublish } from './tokens.ts';

/** What publishing needs. */
export interface PublishDeps {
  store: MetadataStore;
  blobs: BlobStore;
  cue: CueEvaluator;
  limits?: PackageLimits;
  now?: () => Date;
  /** Rebuilds index.yaml after a new version is committed (the index is built on publish, not on reads). */
  refreshIndex?: () => Promise<void>;
}

/** The outcome of a publish. */
export interface PublishResult {
  /** `created` (201) or `unchanged` (identical bytes already published: 200). */
  status: 'created' | 'unchanged';
  name: string;
  version: string;
  digest: string;
  size: number;
  warnings: Diagnostic[];
}

/** A breaking change of one definition, for the refusal message. */
export interface BreakingChange extends SchemaChange {
  definition: string;
}

/**
 * Publishes an archive: unpacks it under the safety limits, checks the token's
 * scope, validates it for real (metadata, layout, CUE), refuses changes to an
 * existing version (409) and breaking parameter changes within a major, then
 * inserts the version row, writes the blob durably and commits. Losing a race
 * writes no blob; a crash before the commit leaves an unreferenced blob (which
 * `velahub gc` collects) and no version — never a half-published one.
 */
export async function publishArchive(deps: PublishDeps, archive: Uint8Array, token: TokenRecord | undefined): Promise<PublishResult> {
  // Anonymous callers are refused before any unpacking work is done for them.
  if (!token) throw new VelahubError('EUNAUTHORIZED', 'publishing needs a token: send Authorization: Bearer <token>', { hint: 'create one with `velahub token create --scope publish --pattern NAME`' });
  const limits = deps.limits ?? defaultLimits;
  if (archive.length > limits.maxTotalBytes) {
    throw new VelahubError('EPACKAGE_TOO_LARGE', `archive of ${archive.length} bytes exceeds the ${limits.maxTotalBytes}-byte limit`);
  }
  const { top, files } = await unpackArchive(archive, limits);
  const metaText = textOf(files, 'metadata.yaml');
  if (metaText === undefined) {
    throw new VelahubError('EINVALID', `${top}/metadata.yaml is missing: an addon archive holds one folder with metadata.yaml`, { path: 'metadata.yaml' });
  }
  // Checked before parsing: a huge metadata.yaml costs the parser before it costs the store.
  const tooLarge = sizeProblems(files).find((d) => d.file === 'metadata.yaml');
  if (tooLarge) throw new VelahubError('EINVALID', `${top}/${tooLarge.message}`, { data: [tooLarge], path: 'metadata.yaml' });
  const meta = parseMetadata(metaText);
  if (!meta.metadata) {
    throw new VelahubError('EINVALID', `metadata.yaml: ${errorsOf(meta.diagnostics).map((d) => d.message).join('; ')}`, { data: meta.diagnostics, path: 'metadata.yaml' });
  }
  const { name, version } = meta.metadata;
  if (!mayPublish(token, name)) {
    throw new VelahubError('EFORBIDDEN', token.revokedAt ? 'the token was revoked' : `token ${token.id} (${token.scope}${token.pattern ? ` ${token.pattern}` : ''}) may not publish "${name}"`, { hint: 'use a token whose pattern covers this name' });
  }
  if (top !== name) {
    throw new VelahubError('EINVALID', `the archive's top folder "${top}" must be named like the addon "${name}"`, { path: top });
  }

  const digest = sha256(archive);
  const existing = await deps.store.getVersion(name, version);
  const published = { name, version, digest, size: archive.length };
  if (existing) {
    // `vela addon push` packs a folder anew each time, with new timestamps: the same files under
    // the same version are what the user meant to publish, and get the answer identical bytes get.
    if (existing.digest !== digest && existing.version === version && (await sameFilesAsStored(deps.blobs, existing.digest, top, files, limits))) {
      return { status: 'unchanged', name, version, digest: existing.digest, size: existing.size, warnings: existing.warnings };
    }
    return sameOrConflict({ existing: { digest: existing.digest, version: existing.version }, published, warnings: existing.warnings });
  }

  // The token is the evaluator's fair-share group: its uploads never queue ahead of another token's.
  const result = await inspectAddon(files, deps.cue, { group: token.id });
  if (!result.manifest) {
    throw refusal(`${name}@${version}`, result.diagnostics);
  }
  const manifest = result.manifest;
  const neighbours = await neighboursOf(deps.store, name, version);
  // Checked here to fail fast, and again inside the insert transaction (which locks the addon)
  // so two concurrent publishes in one major cannot both pass against an older base.
  refuseBreaking(name, version, breakingAgainstNeighbours({ version, manifest, ...neighbours }));

  const createdAt = (deps.now?.() ?? new Date()).toISOString();
  const outcome = await deps.store.insertVersion({
    name,
    version,
    digest,
    size: archive.length,
    createdAt,
    metadata: manifest.metadata,
    readme: manifest.readme,
    manifest,
    warnings: manifest.warnings,
    indexEntry: indexEntry({ metadata: manifest.metadata, manifest, digest, createdAt, deprecated: null }),
    // Everything the docs pages and search show of this version, computed once, here.
    derived: deriveVersionDocs(manifest, neighbours.below),
    deprecated: null,
    yanked: false,
    yankReason: null,
    publishedBy: token.id,
  }, ({ previous, next }) => {
    refuseBreaking(name, version, breakingAgainstNeighbours({ version, manifest, previous }));
    refuseBreaking(name, version, breakingAgainstNeighbours({ version, manifest, next }));
  }, async () => {
    // Written while the row is inserted but not committed: a publish that loses a race never
    // writes its blob, and a crash here leaves at most a blob `velahub gc` collects.
    await deps.blobs.put(archive);
  });
  if (!outcome.created) return sameOrConflict({ existing: { digest: outcome.existingDigest, version: outcome.existingVersion }, published, warnings: manifest.warnings });
  await deps.refreshIndex?.();
  return { status: 'created', name, version, digest, size: archive.length, warnings: manifest.warnings };
}

function refuseBreaking(name: string, version: string, breaking: BreakingChange[]): void {
  if (breaking.length === 0) return;
  throw new VelahubError(
    'EBREAKING_CHANGE',
    `${name}@${version} makes ${breaking.length} breaking change(s) to its parameters within major ${semver.major(version)}: ${breaking.map((c) => `${c.definition}: ${c.message}`).join('; ')}`,
    { data: breaking, hint: `publish it as ${semver.major(version) + 1}.0.0, or keep the parameters compatible` },
  );
}

/**
 * True when the stored archive holds exactly these files (same top folder, paths and bytes):
 * archives differing only in tar headers (timestamps, owners, modes, order) or gzip framing.
 */
async function sameFilesAsStored(blobs: BlobStore, storedDigest: string, top: string, files: PackageFiles, limits: PackageLimits): Promise<boolean> {
  const stored = await blobs.get(storedDigest);
  if (!stored) return false;
  const unpacked = await unpackArchive(stored, limits).catch(() => undefined);
  if (!unpacked || unpacked.top !== top || unpacked.files.size !== files.size) return false;
  for (const [path, data] of files) {
    const other = unpacked.files.get(path);
    if (!other || !Buffer.from(other).equals(Buffer.from(data))) return false;
  }
  return true;
}

/** Identical bytes under the same version are a success; anything else under that version a conflict. */
function sameOrConflict(input: { existing: { digest: string; version: string }; published: { name: string; version: string; digest: string; size: number }; warnings: Diagnostic[] }): PublishResult {
  const { existing, warnings } = input;
  const { name, version, digest, size } = input.published;
  const existingDigest = existing.digest;
  if (existingDigest === digest && existing.version === version) return { status: 'unchanged', name, version, digest, size, warnings };
  if (existing.version !== version) {
    throw new VelahubError(
      'ECONFLICT',
      `${name}@${version} is the same version as the published ${existing.version}: versions are compared without a leading "v" and build metadata (as Helm does), and published versions are immutable`,
      { hint: 'bump the version', data: { existingDigest, existingVersion: existing.version, digest } },
    );
  }
  throw new VelahubError('ECONFLICT', `${name}@${version} is already published with different content (${existingDigest}); published versions are immutable`, {
    hint: 'bump the version',
    data: { existingDigest, digest },
  });
}

/** A stored version as publish compares with it. */
type Neighbour = Pick<VersionRecord, 'version' | 'manifest'>;

/**
 * The stored versions a new one is checked and diffed against: the highest below it in its
 * major (`previous`) and the lowest above it there (`next`), and the highest below it in any
 * major (`below`, what its stored diff compares with). Yanked versions count: Applications
 * may still use them.
 */
async function neighboursOf(store: MetadataStore, name: string, version: string): Promise<{ previous?: Neighbour; next?: Neighbour; below?: Neighbour }> {
  const major = semver.major(version);
  const all = (await store.listVersions(name)).map((v) => v.version).filter((v) => semver.compare(v, version) !== 0);
  const same = all.filter((v) => semver.major(v) === major);
  const load = async (v: string | undefined) => (v === undefined ? undefined : store.getVersion(name, v));
  const below = await load(versionBelow(all, version));
  const previousVersion = versionBelow(same, version);
  const previous = previousVersion === below?.version ? below : await load(previousVersion);
  const next = await load([...same].reverse().find((v) => semver.gt(v, version)));
  return { previous, next, below };
}

/**
 * The breaking changes of a new version against its neighbours in the same major: from the
 * one below to it, and from it to the one above (upgrading from the new version to that one
 * must not break either).
 */
function breakingAgainstNeighbours(input: { version: string; manifest: AddonManifest; previous?: Neighbour; next?: Neighbour }): BreakingChange[] {
  const { version, manifest, previous, next } = input;
  const out: BreakingChange[] = [];
  if (previous) out.push(...breakingBetween(previous.version, previous.manifest, manifest));
  if (next) out.push(...breakingBetween(version, manifest, next.manifest).map((c) => ({ ...c, message: `${next.version} would break upgrades from it: ${c.message}` })));
  return out;
}

/** The breaking changes from one version's definitions to another's (removed definitions included). */
export function breakingBetween(previousVersion: string, previous: AddonManifest, next: AddonManifest): BreakingChange[] {
  return diffManifests(previous, next).flatMap((d): BreakingChange[] => {
    const label = `${d.type} ${d.name}`;
    if (d.status === 'removed') return [{ definition: label, path: '(definition)', kind: 'removed', breaking: true, message: `the ${d.type} was removed (it was in ${previousVersion})` }];
    return breakingChanges(d.changes).map((c) => ({ ...c, definition: label }));
  });
}

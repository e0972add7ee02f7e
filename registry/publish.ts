import semver from 'semver';
import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import { unpackArchive, sha256 } from '../core/package/archive.ts';
import { defaultLimits, textOf, type PackageLimits } from '../core/package/files.ts';
import { inspectAddon, type AddonManifest } from '../core/package/inspect.ts';
import { parseMetadata } from '../core/package/metadata.ts';
import { sizeProblems } from '../core/package/text-limits.ts';
import { breakingChanges, diffManifests, type SchemaChange } from '../core/params/diff.ts';
import type { BlobStore } from './store/blob-store.ts';
import type { MetadataStore } from './store/metadata-store.ts';
import type { TokenRecord } from './store/records.ts';
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
  /** Test hook: runs after the blob is durable and before the row is committed (throwing rolls back). */
  afterBlobWrite?: () => Promise<void> | void;
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
    const errors = meta.diagnostics.filter((d) => d.severity === 'error');
    throw new VelahubError('EINVALID', `metadata.yaml: ${errors.map((d) => d.message).join('; ')}`, { data: meta.diagnostics, path: 'metadata.yaml' });
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
  if (existing) return sameOrConflict({ digest: existing.digest, version: existing.version }, digest, name, version, archive.length, existing.warnings);

  const result = await inspectAddon(files, deps.cue);
  if (!result.manifest) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new VelahubError('EINVALID', `${name}@${version} was refused: ${errors.length} error(s): ${errors.map((d) => `${d.file}${d.line ? `:${d.line}` : ''}: ${d.message}`).join('; ')}`, { data: result.diagnostics });
  }
  const manifest = result.manifest;
  // Checked here to fail fast, and again inside the insert transaction (which locks the addon)
  // so two concurrent publishes in one major cannot both pass against an older base.
  refuseBreaking(name, version, await breakingAgainstPrevious(deps.store, name, version, manifest));

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
    deprecated: null,
    yanked: false,
    yankReason: null,
    publishedBy: token.id,
  }, ({ previous, next }) => {
    if (previous) refuseBreaking(name, version, breakingBetween(previous.version, previous.manifest, manifest));
    if (next) refuseBreaking(name, version, upgradeBreaks(version, manifest, next.version, next.manifest));
  }, async () => {
    // Written while the row is inserted but not committed: a publish that loses a race never
    // writes its blob, and a crash here leaves at most a blob `velahub gc` collects.
    await deps.blobs.put(archive);
    await deps.afterBlobWrite?.();
  });
  if (!outcome.created) return sameOrConflict({ digest: outcome.existingDigest, version: outcome.existingVersion }, digest, name, version, archive.length, manifest.warnings);
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

function sameOrConflict(existing: { digest: string; version: string }, digest: string, name: string, version: string, size: number, warnings: Diagnostic[]): PublishResult {
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

/**
 * The breaking changes of a new version against its neighbours in the same
 * major: the highest version below it, and the lowest above it (upgrading from
 * the new version to that one must not break either). Yanked versions count:
 * Applications may still use them.
 */
export async function breakingAgainstPrevious(store: MetadataStore, name: string, version: string, manifest: AddonManifest): Promise<BreakingChange[]> {
  const major = semver.major(version);
  const same = (await store.listVersions(name)).filter((v) => semver.major(v.version) === major && semver.compare(v.version, version) !== 0);
  const previous = same.find((v) => semver.lt(v.version, version));
  const next = [...same].reverse().find((v) => semver.gt(v.version, version));
  const out: BreakingChange[] = [];
  const prev = previous && (await store.getVersion(name, previous.version));
  if (prev) out.push(...breakingBetween(prev.version, prev.manifest, manifest));
  const after = next && (await store.getVersion(name, next.version));
  if (after) out.push(...upgradeBreaks(version, manifest, after.version, after.manifest));
  return out;
}

/** What would break when upgrading from a new version to the existing one above it. */
function upgradeBreaks(version: string, manifest: AddonManifest, nextVersion: string, nextManifest: AddonManifest): BreakingChange[] {
  return breakingBetween(version, manifest, nextManifest).map((c) => ({ ...c, message: `${nextVersion} would break upgrades from it: ${c.message}` }));
}

/** The breaking changes from one version's definitions to another's (removed definitions included). */
export function breakingBetween(previousVersion: string, previous: AddonManifest, next: AddonManifest): BreakingChange[] {
  return diffManifests(previous, next).flatMap((d): BreakingChange[] => {
    const label = `${d.type} ${d.name}`;
    if (d.status === 'removed') return [{ definition: label, path: '(definition)', kind: 'removed', breaking: true, message: `the ${d.type} was removed (it was in ${previousVersion})` }];
    return breakingChanges(d.changes).map((c) => ({ ...c, definition: label }));
  });
}

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
import { breakingChanges, definitionChanges, diffManifests, type SchemaChange } from '../core/params/diff.ts';
import type { BlobStore } from './store/blob-store.ts';
import type { MetadataStore } from './store/metadata-store.ts';
import type { StoredArchive, TokenRecord, VersionRecord } from './store/records.ts';
import { versionBelow } from './store/version-order.ts';
import { indexEntry } from './index-yaml.ts';
import { mayPublish } from './tokens.ts';

/**
 * The one publish pipeline, for every kind of package (addon | chart): a publish unpacks the
 * archive under the safety limits, checks the token's scope against the package's name, lets
 * the kind validate it, answers identical bytes under a stored version as a no-op and other
 * bytes as a conflict, then inserts the version's row and writes its blob inside the insert's
 * transaction. Losing a race writes no blob; a crash before the commit leaves an unreferenced
 * blob (which `velahub gc` collects) and no version — never a half-published one.
 */

/** The words a kind's answers use, so each kind's users read about their own packages. */
export interface PublishWords {
  /** The refusal without a token. */
  needsToken: string;
  /** What the size refusal calls the upload (`archive`, `chart archive`). */
  archive: string;
  /** What a token may not do to the name (`publish`, `upload chart`). */
  act: string;
  /** A version as messages name it (`edge@1.0.0`, `chart web@1.0.0`). */
  subject(name: string, version: string): string;
  /** How a stored version came (`published`, `uploaded`). */
  arrived: string;
  /** The rule a conflict breaks. */
  immutable: string;
  /** The hint of a conflict. */
  bump: string;
}

/** The version stored under a name and version (or its canonical form), as a publish compares with it. */
export interface StoredTwin {
  digest: string;
  /** As written when it was stored (`v1.0.0` for a publish of `1.0.0`). */
  version: string;
  deletedAt: string | null;
}

/** What inserting a version's row did: created, or the version already stored under it. */
export type PackageInsertOutcome = { created: true } | { created: false; existing: StoredTwin };

/** Who a package is and what it weighs: the fields of every publish result. */
export type Published = Pick<StoredArchive, 'name' | 'version' | 'digest' | 'size'>;

/** The outcome of a publish: `created` (201) or `unchanged` (identical bytes already stored: 200), with the kind's fields. */
export type PackageResult<X = object> = { status: 'created' | 'unchanged' } & Published & X;

/** A package read from its archive, before the token was checked. */
export interface ReadPackage {
  /** Its name when it could be read: the token is checked against it before the package's other problems are told. */
  name?: string;
  /** Refuses what is wrong with the package so far, or answers its name and version. */
  identity(): { name: string; version: string };
}

/** A package validated and ready to store. */
export interface PreparedPackage<X> {
  /** The kind's result fields (an addon's warnings). */
  extra: X;
  /** Inserts the version's row; `beforeCommit` runs inside its transaction, only when the row was inserted. */
  insert(beforeCommit: () => Promise<void>): Promise<PackageInsertOutcome>;
}

/** What one kind of package brings to the publish pipeline. */
export interface PublishKind<R extends ReadPackage, X> {
  words: PublishWords;
  /** Rewords an unpacking error for this kind (the unpacker speaks of addons). */
  unpackError?(err: unknown): unknown;
  read(top: string, files: PackageFiles): R;
  /** The version already stored under this name and version, with the result fields it was stored with. */
  stored(name: string, version: string): Promise<{ twin: StoredTwin; extra: X } | undefined>;
  /** Validates the package for real and builds its row (`publishedBy` is the token's id). */
  prepare(read: R, published: Published & { publishedBy: string }): Promise<PreparedPackage<X>>;
  /** Runs after a new version was committed. */
  created?(): Promise<void>;
}

/** Publishes an archive of one kind (see above). */
export async function publishPackage<R extends ReadPackage, X>(kind: PublishKind<R, X>, deps: { blobs: BlobStore; limits?: PackageLimits }, archive: Uint8Array, token: TokenRecord | undefined): Promise<PackageResult<X>> {
  const { words } = kind;
  // Anonymous callers are refused before any unpacking work is done for them.
  if (!token) throw new VelahubError('EUNAUTHORIZED', words.needsToken, { hint: 'create one with `velahub token create --scope publish --pattern NAME`' });
  const limits = deps.limits ?? defaultLimits;
  if (archive.length > limits.maxTotalBytes) {
    throw new VelahubError('EPACKAGE_TOO_LARGE', `${words.archive} of ${archive.length} bytes exceeds the ${limits.maxTotalBytes}-byte limit`);
  }
  const { top, files } = await unpackArchive(archive, limits).catch((err: unknown) => {
    throw kind.unpackError ? kind.unpackError(err) : err;
  });
  const read = kind.read(top, files);
  // The name decides who may publish: a token that does not cover it is refused before the package's problems are listed.
  if (read.name !== undefined && !mayPublish(token, read.name)) {
    throw new VelahubError('EFORBIDDEN', token.revokedAt ? 'the token was revoked' : `token ${token.id} (${token.scope}${token.pattern ? ` ${token.pattern}` : ''}) may not ${words.act} "${read.name}"`, { hint: 'use a token whose pattern covers this name' });
  }
  const { name, version } = read.identity();
  const published: Published = { name, version, digest: sha256(archive), size: archive.length };
  const stored = await kind.stored(name, version);
  if (stored) {
    // `vela addon push` and `helm package` pack a folder anew each time, with new timestamps: the
    // same files under the same version are what the user meant, and get the answer identical bytes get.
    const same = stored.twin.digest !== published.digest && stored.twin.version === version && !stored.twin.deletedAt ? await sameFilesAsStored(deps.blobs, stored.twin.digest, top, files, limits) : undefined;
    if (same) return { status: 'unchanged', ...published, digest: stored.twin.digest, size: same.size, ...stored.extra };
    return sameOrConflict(words, stored.twin, published, stored.extra);
  }
  const prepared = await kind.prepare(read, { ...published, publishedBy: token.id });
  // Written while the row is inserted but not committed: a publish that loses a race never
  // writes its blob, and a crash here leaves at most a blob `velahub gc` collects.
  const outcome = await prepared.insert(async () => void (await deps.blobs.put(archive)));
  if (!outcome.created) return sameOrConflict(words, outcome.existing, published, prepared.extra);
  await kind.created?.();
  return { status: 'created', ...published, ...prepared.extra };
}

/**
 * The stored archive's size when it holds exactly these files (same top folder, paths and bytes):
 * archives that differ only in tar headers (timestamps, owners, modes, order) or gzip framing.
 */
async function sameFilesAsStored(blobs: BlobStore, storedDigest: string, top: string, files: PackageFiles, limits: PackageLimits): Promise<{ size: number } | undefined> {
  const stored = await blobs.get(storedDigest);
  if (!stored) return undefined;
  const unpacked = await unpackArchive(stored, limits).catch(() => undefined);
  if (!unpacked || unpacked.top !== top || unpacked.files.size !== files.size) return undefined;
  for (const [path, data] of files) {
    const other = unpacked.files.get(path);
    if (!other || !Buffer.from(other).equals(Buffer.from(data))) return undefined;
  }
  return { size: stored.length };
}

/** Identical bytes under the same version are a success; anything else under that version a conflict. */
function sameOrConflict<X>(words: PublishWords, twin: StoredTwin, published: Published, extra: X): PackageResult<X> {
  const { name, version, digest } = published;
  const subject = words.subject(name, version);
  const existingDigest = twin.digest;
  if (twin.deletedAt) {
    throw new VelahubError('ECONFLICT', `${subject} was deleted at ${twin.deletedAt}; a deleted version's number is never reused, so clusters that pinned it cannot get other content under it`, { hint: words.bump, data: { existingDigest, digest } });
  }
  if (existingDigest === digest && twin.version === version) return { status: 'unchanged', ...published, ...extra };
  if (twin.version !== version) {
    throw new VelahubError(
      'ECONFLICT',
      `${subject} is the same version as the ${words.arrived} ${twin.version}: versions are compared without a leading "v" and build metadata (as Helm does), and ${words.immutable}`,
      { hint: words.bump, data: { existingDigest, existingVersion: twin.version, digest } },
    );
  }
  throw new VelahubError('ECONFLICT', `${subject} is already ${words.arrived} with different content (${existingDigest}); ${words.immutable}`, { hint: words.bump, data: { existingDigest, digest } });
}

/** What publishing an addon needs. */
export interface PublishDeps {
  store: MetadataStore;
  blobs: BlobStore;
  cue: CueEvaluator;
  limits?: PackageLimits;
  now?: () => Date;
  /** Rebuilds index.yaml after a new version is committed (the index is built on publish, not on reads). */
  refreshIndex?: () => Promise<void>;
}

/** The outcome of an addon publish: a package result with the addon's warnings. */
export type PublishResult = PackageResult<{ warnings: Diagnostic[] }>;

/** A breaking change of one definition, for the refusal message. */
export interface BreakingChange extends SchemaChange {
  definition: string;
}

const addonWords: PublishWords = {
  needsToken: 'publishing needs a token: send Authorization: Bearer <token>',
  archive: 'archive',
  act: 'publish',
  subject: (name, version) => `${name}@${version}`,
  arrived: 'published',
  immutable: 'published versions are immutable',
  bump: 'bump the version',
};

/** An addon read from its archive: its metadata, checked before the token. */
interface ReadAddon extends ReadPackage {
  name: string;
  files: PackageFiles;
}

/**
 * The addon kind: metadata.yaml names it; a version is validated for real (layout, CUE) and
 * refused when it breaks parameters within its major, against its neighbours read before and
 * again inside the insert transaction (which locks the addon).
 */
function addonKind(deps: PublishDeps): PublishKind<ReadAddon, { warnings: Diagnostic[] }> {
  return {
    words: addonWords,
    read(top, files) {
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
      return {
        name,
        files,
        identity() {
          if (top !== name) throw new VelahubError('EINVALID', `the archive's top folder "${top}" must be named like the addon "${name}"`, { path: top });
          return { name, version };
        },
      };
    },
    async stored(name, version) {
      const existing = await deps.store.getVersion(name, version);
      return existing && { twin: { digest: existing.digest, version: existing.version, deletedAt: null }, extra: { warnings: existing.warnings } };
    },
    async prepare(read, published) {
      const { name, version, digest, size, publishedBy } = published;
      const result = await inspectAddon(read.files, deps.cue, { group: publishedBy });
      if (!result.manifest) throw refusal(`${name}@${version}`, result.diagnostics);
      const manifest = result.manifest;
      const neighbours = await neighboursOf(deps.store, name, version);
      // Checked here to fail fast, and again inside the insert transaction (which locks the addon)
      // so two concurrent publishes in one major cannot both pass against an older base.
      refuseBreaking(name, version, breakingAgainstNeighbours({ version, manifest, ...neighbours }));
      const createdAt = (deps.now?.() ?? new Date()).toISOString();
      const record: VersionRecord = {
        name,
        version,
        digest,
        size,
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
        publishedBy,
      };
      return {
        extra: { warnings: manifest.warnings },
        async insert(beforeCommit) {
          const outcome = await deps.store.insertVersion(record, ({ previous, next }) => {
            refuseBreaking(name, version, breakingAgainstNeighbours({ version, manifest, previous }));
            refuseBreaking(name, version, breakingAgainstNeighbours({ version, manifest, next }));
          }, beforeCommit);
          return outcome.created ? outcome : { created: false, existing: { digest: outcome.existingDigest, version: outcome.existingVersion, deletedAt: null } };
        },
      };
    },
    created: deps.refreshIndex,
  };
}

/**
 * Publishes an addon archive: the one pipeline (see {@link publishPackage}) with the addon kind:
 * metadata, layout and CUE validated for real, 409 for changes to an existing version, and
 * breaking parameter changes within a major refused.
 */
export async function publishArchive(deps: PublishDeps, archive: Uint8Array, token: TokenRecord | undefined): Promise<PublishResult> {
  return publishPackage(addonKind(deps), deps, archive, token);
}

function refuseBreaking(name: string, version: string, breaking: BreakingChange[]): void {
  if (breaking.length === 0) return;
  throw new VelahubError(
    'EBREAKING_CHANGE',
    `${name}@${version} makes ${breaking.length} breaking change(s) to its parameters within major ${semver.major(version)}: ${breaking.map((c) => `${c.definition}: ${c.message}`).join('; ')}`,
    { data: breaking, hint: `publish it as ${semver.major(version) + 1}.0.0, or keep the parameters compatible` },
  );
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
    return breakingChanges(definitionChanges(d, `the ${d.type} was removed (it was in ${previousVersion})`)).map((c) => ({ ...c, definition: label }));
  });
}

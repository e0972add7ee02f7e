import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { MetadataStore } from './store/metadata-store.ts';
import { FileBlobStore, type BlobStore } from './store/blob-store.ts';
import { migrate } from './store/migrations.ts';
import { loadTokenPepper } from './pepper.ts';
import { ensurePrivateDir } from './store/private-dir.ts';
import { openPglite } from './store/pglite-client.ts';
import { openPostgres } from './store/pg-client.ts';
import { assembleIndex } from './index-yaml.ts';
import type { SqlClient } from './store/sql-client.ts';
import type { PackageLimits } from '../core/package/files.ts';

/** Everything the server and its actions share. */
export interface Registry {
  store: MetadataStore;
  blobs: BlobStore;
  cue: CueEvaluator;
  /** Bounds on published packages; default: defaultLimits. */
  limits?: PackageLimits;
  /** index.yaml text and its revision, rebuilt only when the catalog changed. */
  /**
   * index.yaml for the current catalog revision: its text, a gzipped copy and a
   * strong ETag, built once per revision and shared by every read.
   */
  indexYaml(): Promise<IndexDocument>;
  /** Rebuilds index.yaml now (after a write), so no reader pays for it. */
  refreshIndex(): Promise<void>;
  close(): Promise<void>;
}

/** index.yaml as served. */
export interface IndexDocument {
  text: string;
  gzip: Buffer;
  etag: string;
  revision: number;
}

/** How long a read trusts the last catalog revision it saw (other replicas may publish). */
const revisionTtlMs = 1000;

/** Where the registry keeps its data. */
export interface RegistryOptions {
  /** Data folder: blobs, and the embedded database unless a URL is given. */
  dataDir: string;
  /** PostgreSQL URL; default: PGlite under `<dataDir>/db`. */
  databaseUrl?: string;
  /** An in-memory PGlite (tests). */
  memory?: boolean;
  cue?: CueEvaluator;
  /** Bounds on published packages (tests use small ones); default: defaultLimits. */
  limits?: PackageLimits;
  /** The token-hash pepper; default: loadTokenPepper() (random for an in-memory store). */
  tokenPepper?: Uint8Array;
}

/** Opens the database (migrating it), the blob store and the evaluator. */
export async function openRegistry(options: RegistryOptions): Promise<Registry> {
  // Private: it holds the database (token hashes included) and the blobs.
  await ensurePrivateDir(options.dataDir);
  let db: SqlClient;
  if (options.databaseUrl) db = await openPostgres(options.databaseUrl);
  else if (options.memory) db = await openPglite();
  else db = await openPglite(join(options.dataDir, 'db'));
  await migrate(db);
  // An in-memory store dies with the process, and so may its pepper.
  const pepper = options.tokenPepper ?? (options.memory ? randomBytes(32) : await loadTokenPepper());
  const store = new MetadataStore(db, pepper);
  await store.migrateTokenHashes();
  const cue = options.cue ?? new CueEvaluator();
  let cached: IndexDocument | undefined;
  let checkedAt = 0;
  let building: Promise<IndexDocument> | undefined;
  const build = async (revision: number): Promise<IndexDocument> => {
    const text = assembleIndex(await store.indexEntries(), new Date().toISOString());
    const gzip = gzipSync(text);
    return { text, gzip, etag: `"${createHash('sha256').update(text).digest('base64url')}"`, revision };
  };
  const current = async (force: boolean): Promise<IndexDocument> => {
    if (cached && !force && Date.now() - checkedAt < revisionTtlMs) return cached;
    const revision = await store.catalogRevision();
    checkedAt = Date.now();
    if (cached && cached.revision === revision) return cached;
    // One build per revision even when many readers arrive together.
    building ??= build(revision).finally(() => (building = undefined));
    cached = await building;
    return cached;
  };
  return {
    store,
    blobs: new FileBlobStore(join(options.dataDir, 'blobs')),
    cue,
    limits: options.limits,
    indexYaml: () => current(false),
    async refreshIndex() {
      await current(true);
    },
    async close() {
      if (!options.cue) await cue.close();
      await db.close();
    },
  };
}

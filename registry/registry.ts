import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { CuePool, type CuePoolOptions } from '../core/cue/pool.ts';
import { deriveVersionDocs, derivedFormat } from '../core/params/derive.ts';
import { MetadataStore } from './store/metadata-store.ts';
import type { BlobStore } from './store/blob-store.ts';
import { defaultBlobStoreUrl, openBlobStore } from './store/blob-store-url.ts';
import { migrate } from './store/migrations.ts';
import { loadTokenPepper } from './pepper.ts';
import { ensurePrivateDir } from './store/private-dir.ts';
import { openPglite } from './store/pglite-client.ts';
import { openPostgres } from './store/pg-client.ts';
import { buildIndexDocument, type IndexDocument } from './index-document.ts';
import { CatalogWatch } from './store/catalog-watch.ts';
import { withStartupLock } from './store/startup-lock.ts';
import type { SqlClient } from './store/sql-client.ts';
import type { PackageLimits } from '../core/package/files.ts';

/**
 * The server's CUE workers: one kept free for renders from the docs pages, and one per
 * publishing token at a time (each publish evaluates as its token's group), so a token whose
 * definitions are slow holds one worker while a second token's publish runs on another. More
 * tokens than that wait their turn by the worker time they have used, never behind one token's
 * queue. The workers start with the server, and a worker stopped by a slow definition is
 * replaced at once, so no publish waits for a worker's start-up.
 */
export const serverCuePool: CuePoolOptions = { size: 3, reservedForInteractive: 1, maxPerGroup: 1, prestart: true };

/** Everything the server and its actions share. */
export interface Registry {
  store: MetadataStore;
  blobs: BlobStore;
  /** Where the blobs are, for logs: a file: URL or s3://bucket/prefix (never credentials). */
  blobStore: string;
  cue: CueEvaluator;
  /** Bounds on published packages; default: defaultLimits. */
  limits?: PackageLimits;
  /** The catalog revision, pushed by the database on every replica's writes; caches key on it. */
  catalog: CatalogWatch;
  /**
   * index.yaml for the current catalog revision: its text, a gzipped copy and a
   * strong ETag, built once per revision and shared by every read.
   */
  indexYaml(): Promise<IndexDocument>;
  /** Reads the revision and rebuilds index.yaml now (after a local write), so no reader pays for it or sees it stale. */
  refreshIndex(): Promise<void>;
  close(): Promise<void>;
}

/** index.yaml as served (kept here too for the modules that import it from the registry). */
export type { IndexDocument } from './index-document.ts';

/** Where the registry keeps its data. */
export interface RegistryOptions {
  /** Data folder: blobs, and the embedded database unless a URL is given. */
  dataDir: string;
  /** PostgreSQL URL; default: PGlite under `<dataDir>/db`. */
  databaseUrl?: string;
  /** An in-memory PGlite (tests). */
  memory?: boolean;
  /** `--blob-store` URL (file:///path or s3://bucket/prefix?…); default: file:// `<dataDir>/blobs`. */
  blobStore?: string;
  /** How often the catalog revision is read as a safety net besides LISTEN/NOTIFY (ms; default 5000). */
  catalogPollMs?: number;
  cue?: CueEvaluator;
  /** Start the evaluator's workers now (see {@link serverCuePool}): for a server that will publish, not for `velahub gc`. */
  prestartCue?: boolean;
  /** Bounds on published packages (tests use small ones); default: defaultLimits. */
  limits?: PackageLimits;
  /** The token-hash pepper; default: loadTokenPepper() (random for an in-memory store). */
  tokenPepper?: Uint8Array;
}

/** Opens the database (migrating it), the blob store and the evaluator. */
export async function openRegistry(options: RegistryOptions): Promise<Registry> {
  // Private: it holds the database (token hashes included) and the blobs.
  await ensurePrivateDir(options.dataDir);
  // Before the database: a wrong --blob-store is a usage error and should not cost a migration.
  const opened = await openBlobStore(options.blobStore ?? defaultBlobStoreUrl(options.dataDir));
  let db: SqlClient;
  try {
    if (options.databaseUrl) db = await openPostgres(options.databaseUrl);
    else if (options.memory) db = await openPglite();
    else db = await openPglite(join(options.dataDir, 'db'));
  } catch (err) {
    opened.close();
    throw err;
  }
  let catalog: CatalogWatch;
  let store: MetadataStore;
  try {
    // An in-memory store dies with the process, and so may its pepper.
    const pepper = options.tokenPepper ?? (options.memory ? randomBytes(32) : await loadTokenPepper());
    store = new MetadataStore(db, pepper);
    // Two replicas starting together: one migrates (schema, then token hashes), the other waits and finds nothing to do.
    await withStartupLock(options.databaseUrl, async () => {
      await migrate(db);
      await store.migrateTokenHashes();
      await store.refreshDerived({ format: derivedFormat, derive: deriveVersionDocs });
    });
    catalog = await CatalogWatch.open({ db, databaseUrl: options.databaseUrl, pollMs: options.catalogPollMs });
  } catch (err) {
    await db.close().catch(() => undefined);
    opened.close();
    throw err;
  }
  const cue = options.cue ?? new CueEvaluator(new CuePool({ ...serverCuePool, prestart: options.prestartCue ?? false }));
  let cached: IndexDocument | undefined;
  let building: Promise<IndexDocument> | undefined;
  const current = async (): Promise<IndexDocument> => {
    // The watch follows every replica's writes (LISTEN/NOTIFY): no query while nothing changed.
    while (!cached || cached.revision < catalog.revision) {
      // One build per revision even when many readers arrive together.
      building ??= buildIndexDocument(store).finally(() => (building = undefined));
      const doc = await building;
      catalog.observe(doc.revision);
      if (!cached || doc.revision > cached.revision) cached = doc;
    }
    return cached;
  };
  return {
    store,
    blobs: opened.blobs,
    blobStore: opened.describe,
    cue,
    limits: options.limits,
    catalog,
    indexYaml: current,
    async refreshIndex() {
      await catalog.check();
      await current();
    },
    async close() {
      if (!options.cue) await cue.close();
      await catalog.close();
      await db.close();
      opened.close();
    },
  };
}

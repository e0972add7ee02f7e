import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { CuePool, type CuePoolOptions } from '../core/cue/pool.ts';
import { poolEngineFor } from '../core/cue/engine-choice.ts';
import { deriveVersionDocs, derivedFormat } from '../core/params/derive.ts';
import { MetadataStore } from './store/metadata-store.ts';
import type { BlobStore } from './store/blob-store.ts';
import { defaultBlobStoreUrl, openBlobStore } from './store/blob-store-url.ts';
import { migrate } from './store/migrations.ts';
import { loadTokenPepper } from './pepper.ts';
import { ensurePrivateDir } from './store/private-dir.ts';
import { openPglite } from './store/pglite-client.ts';
import { openPostgres } from './store/pg-client.ts';
import { buildIndexDocument, indexDocumentCache, type IndexDocument } from './index-document.ts';
import { ChartStore } from './store/chart-store.ts';
import type { PackageKind } from './store/records.ts';
import { parameterReference } from '../core/params/reference.ts';
import { CatalogWatch } from './store/catalog-watch.ts';
import { withStartupLock } from './store/startup-lock.ts';
import type { SqlClient } from './store/sql-client.ts';
import type { PackageLimits } from '../core/package/files.ts';
import { OciStore } from './store/oci-store.ts';
import { backfillChartManifests } from './oci/chart-manifests.ts';
import { defaultUploadOptions, type OciUploadOptions } from './oci/uploads.ts';

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
  /** The Helm chart repository's versions (same database, own tables). */
  charts: ChartStore;
  blobs: BlobStore;
  /** The OCI Distribution API's repositories, manifests and tags (same database). */
  oci: OciStore;
  /** The bounds of OCI blob uploads in progress (kept in the database). */
  ociUploads: OciUploadOptions;
  /** Where the blobs are, for logs: a file: URL or s3://bucket/prefix (never credentials). */
  blobStore: string;
  cue: CueEvaluator;
  /** Bounds on published packages; default: defaultLimits. */
  limits?: PackageLimits;
  /** The catalog revision, pushed by the database on every replica's writes; caches key on it. */
  catalog: CatalogWatch;
  /**
   * A kind's index.yaml (addons' `/index.yaml` by default, or charts' `/helm/index.yaml`) for its
   * current revision: its text, a gzipped copy and a strong ETag, built once per revision from
   * one snapshot and shared by every read.
   */
  indexYaml(kind?: PackageKind): Promise<IndexDocument>;
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
  /**
   * What the evaluator's workers run; default: native engine processes when every line's native
   * engine is built and current, else WebAssembly (README: The CUE engine).
   */
  cueEngine?: 'wasm' | 'native';
  /** Bounds on published packages (tests use small ones); default: defaultLimits. */
  limits?: PackageLimits;
  /** Bounds of OCI blob uploads in progress (tests use small ones). */
  ociUploads?: Partial<OciUploadOptions>;
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
      await new ChartStore(db).refreshDerived((manifest) => parameterReference(manifest.parameterSchema));
      // Charts uploaded before the OCI API get their manifest, so they can be pulled over OCI too.
      await backfillChartManifests({ oci: new OciStore(db), blobs: opened.blobs });
    });
    catalog = await CatalogWatch.open({ db, databaseUrl: options.databaseUrl, pollMs: options.catalogPollMs });
  } catch (err) {
    await db.close().catch(() => undefined);
    opened.close();
    throw err;
  }
  // One worker stays free for renders from the docs pages while publishes evaluate.
  const cue = options.cue ?? new CueEvaluator(new CuePool({ ...serverCuePool, prestart: options.prestartCue ?? false, engine: options.cueEngine ?? poolEngineFor('auto') }));
  const charts = new ChartStore(db);
  // The watch follows every replica's writes (LISTEN/NOTIFY): no query while nothing changed.
  // Chart writes are not watched (they are rare): /helm/index.yaml reads its revision per request.
  const indexes: Record<PackageKind, () => Promise<IndexDocument>> = {
    addon: indexDocumentCache({ build: () => buildIndexDocument(db, store.index), revision: () => catalog.revision, built: (r) => catalog.observe(r) }),
    chart: indexDocumentCache({ build: () => buildIndexDocument(db, charts.index), revision: () => charts.revision() }),
  };
  return {
    store,
    charts,
    blobs: opened.blobs,
    oci: new OciStore(db),
    ociUploads: { ...defaultUploadOptions, ...options.ociUploads },
    blobStore: opened.describe,
    cue,
    limits: options.limits,
    catalog,
    indexYaml: (kind = 'addon') => indexes[kind](),
    async refreshIndex() {
      await catalog.check();
      await indexes.addon();
    },
    async close() {
      if (!options.cue) await cue.close();
      await catalog.close();
      await db.close();
      opened.close();
    },
  };
}

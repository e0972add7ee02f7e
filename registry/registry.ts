import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { CueEvaluator } from '../core/cue/evaluator.ts';
import { MetadataStore } from './store/metadata-store.ts';
import { FileBlobStore, type BlobStore } from './store/blob-store.ts';
import { migrate } from './store/migrations.ts';
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
  indexYaml(): Promise<{ text: string; revision: number }>;
  close(): Promise<void>;
}

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
}

/** Opens the database (migrating it), the blob store and the evaluator. */
export async function openRegistry(options: RegistryOptions): Promise<Registry> {
  await mkdir(options.dataDir, { recursive: true });
  let db: SqlClient;
  if (options.databaseUrl) db = await openPostgres(options.databaseUrl);
  else if (options.memory) db = await openPglite();
  else db = await openPglite(join(options.dataDir, 'db'));
  await migrate(db);
  const store = new MetadataStore(db);
  const cue = options.cue ?? new CueEvaluator();
  let cached: { text: string; revision: number } | undefined;
  return {
    store,
    blobs: new FileBlobStore(join(options.dataDir, 'blobs')),
    cue,
    limits: options.limits,
    async indexYaml() {
      const revision = await store.catalogRevision();
      if (!cached || cached.revision !== revision) {
        cached = { text: assembleIndex(await store.indexEntries(), new Date().toISOString()), revision };
      }
      return cached;
    },
    async close() {
      if (!options.cue) await cue.close();
      await db.close();
    },
  };
}

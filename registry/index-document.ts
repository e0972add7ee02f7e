import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { assembleIndex } from './index-yaml.ts';
import { MetadataStore } from './store/metadata-store.ts';
import type { SqlClient, SqlExecutor } from './store/sql-client.ts';

/** index.yaml as served. */
export interface IndexDocument {
  text: string;
  gzip: Buffer;
  /** Strong ETag: the sha256 of `text`, so every replica serving one revision sends the same one. */
  etag: string;
  revision: number;
}

/** One transaction seen as a client, so the store's reads run inside it. */
function clientOf(db: SqlClient, tx: SqlExecutor): SqlClient {
  return {
    backend: db.backend,
    query: (sql, params) => tx.query(sql, params),
    transaction: (fn) => fn(tx),
    exec: async (sql) => void (await tx.query(sql)),
    close: async () => undefined,
  };
}

/**
 * Builds index.yaml from one consistent snapshot (REPEATABLE READ): the revision, the time it
 * changed and the entries all belong together, and `generated` is that stored time rather than
 * this process's clock — so any replica building a revision produces the same bytes and ETag.
 */
export async function buildIndexDocument(store: MetadataStore): Promise<IndexDocument> {
  const db = store.db;
  const { revision, changedAt, entries } = await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const state = (await tx.query<{ revision: string | number; changed_at: Date | string }>('SELECT revision, changed_at FROM catalog_state WHERE id = 1')).rows[0];
    const list = await new MetadataStore(clientOf(db, tx), store.tokenPepper).indexEntries();
    return { revision: Number(state?.revision ?? 0), changedAt: new Date(state?.changed_at ?? 0).toISOString(), entries: list };
  });
  const text = assembleIndex(entries, changedAt);
  // Once per revision, on the publish path: zlib's default level keeps publishing fast.
  const gzip = gzipSync(text);
  return { text, gzip, etag: `"${createHash('sha256').update(text).digest('base64url')}"`, revision };
}

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { assembleIndex } from './index-yaml.ts';
import type { SqlClient } from './store/sql-client.ts';
import { indexEntryRows, readState, type IndexSource } from './store/sql-rows.ts';

/** An index.yaml (the addons' or the charts') as served. */
export interface IndexDocument {
  text: string;
  gzip: Buffer;
  /** Strong ETag: the sha256 of `text`, so every replica serving one revision sends the same one. */
  etag: string;
  revision: number;
}

/**
 * Builds an index.yaml from one consistent snapshot (REPEATABLE READ): the revision, the time it
 * changed and the entries all belong together, and `generated` is that stored time rather than
 * this process's clock — so any replica building a revision produces the same bytes and ETag.
 */
export async function buildIndexDocument(db: SqlClient, source: IndexSource): Promise<IndexDocument> {
  const { state, entries } = await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    return { state: await readState(tx, source.state), entries: await indexEntryRows(tx, source) };
  });
  const text = assembleIndex(entries, state.changedAt);
  // Once per revision, on the publish path: zlib's default level keeps publishing fast.
  const gzip = gzipSync(text);
  return { text, gzip, etag: `"${createHash('sha256').update(text).digest('base64url')}"`, revision: state.revision };
}

/**
 * An index.yaml kept for its newest revision and shared by every reader: rebuilt only when
 * `revision()` (the revision readers must see at least) moves past it, by one build even when
 * many readers arrive together. `built` is told each revision a build saw.
 */
export function indexDocumentCache(input: { build: () => Promise<IndexDocument>; revision: () => number | Promise<number>; built?: (revision: number) => void }): () => Promise<IndexDocument> {
  let cached: IndexDocument | undefined;
  let building: Promise<IndexDocument> | undefined;
  return async () => {
    while (!cached || cached.revision < (await input.revision())) {
      building ??= input.build().finally(() => (building = undefined));
      const doc = await building;
      input.built?.(doc.revision);
      if (!cached || doc.revision > cached.revision) cached = doc;
    }
    return cached;
  };
}

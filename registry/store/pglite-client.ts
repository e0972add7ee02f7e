import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor, SqlResult } from './sql-client.ts';
import { ensurePrivateDir, tightenModes } from './private-dir.ts';

/**
 * Opens (creating on first use) an embedded PostgreSQL in `dataDir`, or in memory when omitted.
 * The folder is private (0700) and its files 0600, fixed again on close for files made meanwhile.
 */
export async function openPglite(dataDir?: string): Promise<SqlClient> {
  if (dataDir) await ensurePrivateDir(dataDir);
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  if (dataDir) await tightenModes(dataDir);
  const wrap = (ex: { query: PGlite['query'] }): SqlExecutor => ({
    async query<T>(sql: string, params: unknown[] = []): Promise<SqlResult<T>> {
      const r = await ex.query<T>(sql, params as never[]);
      return { rows: r.rows, affectedRows: r.affectedRows ?? 0 };
    },
  });
  return {
    backend: 'pglite',
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async exec(sql) {
      await db.exec(sql);
    },
    async close() {
      await db.close();
      if (dataDir) await tightenModes(dataDir);
    },
  };
}

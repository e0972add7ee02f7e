import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor, SqlResult } from './sql-client.ts';

/** Opens (creating on first use) an embedded PostgreSQL in `dataDir`, or in memory when omitted. */
export async function openPglite(dataDir?: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
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
    close: () => db.close(),
  };
}

import pg from 'pg';
import type { SqlClient, SqlExecutor, SqlResult } from './sql-client.ts';

/** Connects to a PostgreSQL server by URL (`postgres://user:pass@host:5432/db`). */
export async function openPostgres(url: string): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection dropped by the server (restart, failover, a terminated backend) is an
  // 'error' event on the pool; unheard, it would crash the process. The pool replaces the client,
  // and the next query reports a real outage itself.
  pool.on('error', () => undefined);
  // Fail fast on a wrong URL instead of on the first request.
  const probe = await pool.connect();
  probe.release();
  const wrap = (ex: { query: pg.Pool['query'] }): SqlExecutor => ({
    async query<T>(sql: string, params: unknown[] = []): Promise<SqlResult<T>> {
      const r = await ex.query(sql, params);
      return { rows: r.rows as T[], affectedRows: r.rowCount ?? 0 };
    },
  });
  return {
    backend: 'postgresql',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client as unknown as pg.Pool));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}

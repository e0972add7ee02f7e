import pg from 'pg';

/** The advisory-lock key every velahub process takes around start-up work ("velahub" in ASCII). */
const startupLockKey = 0x76656c6168756200n;

/**
 * Runs `fn` while holding a PostgreSQL session advisory lock on a connection of its own, so two
 * replicas starting at the same moment migrate, create the admin token and seed one after the
 * other (concurrent `CREATE TABLE IF NOT EXISTS` can fail on PostgreSQL's catalog, and two seeds
 * would evaluate every bundled addon twice). Without a URL (embedded PGlite: one process per data
 * dir) there is nobody to wait for.
 */
export async function withStartupLock<T>(databaseUrl: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!databaseUrl) return fn();
  const client = new pg.Client({ connectionString: databaseUrl });
  // A dropped connection shows in the awaited queries; as an unheard event it would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [startupLockKey.toString()]);
    return await fn();
  } finally {
    // Ending the session releases the lock even when the unlock itself fails.
    await client.query('SELECT pg_advisory_unlock($1)', [startupLockKey.toString()]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

import semver from 'semver';
import type { SqlExecutor } from './sql-client.ts';

/** An addon that depends on another: the range its highest depending version asks for. */
export interface Dependent {
  name: string;
  /** The dependent's latest version (null when all its versions are yanked). */
  latest: string | null;
  /** The range asked for by the highest version that depends on the addon. */
  range: string | null;
  /** Every non-yanked version of the dependent that lists the addon, newest first. */
  versions: string[];
}

/**
 * The addons whose published (non-yanked) versions list `name` in their
 * metadata `dependencies`, read from the stored metadata in one query.
 */
export async function reverseDependencies(db: SqlExecutor, name: string): Promise<Dependent[]> {
  const r = await db.query<{ name: string; version: string; range: string | null; latest: string | null }>(
    `SELECT v.name, v.version, dep->>'version' AS range, a.latest
       FROM versions v
       JOIN addons a ON a.name = v.name
       CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(v.metadata->'dependencies') = 'array' THEN v.metadata->'dependencies' ELSE '[]'::jsonb END) AS dep
      WHERE dep->>'name' = $1 AND NOT v.yanked`,
    [name],
  );
  const byName = new Map<string, Array<{ version: string; range: string | null; latest: string | null }>>();
  for (const row of r.rows) {
    const list = byName.get(String(row.name)) ?? [];
    list.push({ version: String(row.version), range: row.range === null ? null : String(row.range), latest: row.latest === null ? null : String(row.latest) });
    byName.set(String(row.name), list);
  }
  return [...byName]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([dependent, rows]) => {
      rows.sort((a, b) => semver.rcompare(a.version, b.version));
      return { name: dependent, latest: rows[0]!.latest, range: rows[0]!.range, versions: rows.map((x) => x.version) };
    });
}

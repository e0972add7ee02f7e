import type { SqlExecutor } from './sql-client.ts';
import { byNameThenNewest } from './version-order.ts';

/**
 * Row helpers shared by the addon and chart stores: both keep versions with a
 * precomputed index entry and a one-row state table holding a revision.
 */

/** A row as the SQL clients return it. */
export type Row = Record<string, unknown>;

/** A timestamp column as ISO 8601 (PGlite and pg return Dates; text columns strings). */
export const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

/** A JSON column as a value (drivers parse json/jsonb; a text cast arrives as a string). */
export const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** One version's entry of an index.yaml. */
export interface IndexEntryRow {
  name: string;
  version: string;
  entry: string;
}

/** The index entries a query selects (as `name, version, index_entry`), by name then newest first. */
export async function indexEntryRows(db: SqlExecutor, sql: string): Promise<IndexEntryRow[]> {
  const r = await db.query<Row>(sql);
  return r.rows.map((row) => ({ name: String(row.name), version: String(row.version), entry: String(row.index_entry) })).sort(byNameThenNewest);
}

/** The revision of a one-row state table (`catalog_state`, `chart_state`). */
export async function readRevision(db: SqlExecutor, table: 'catalog_state' | 'chart_state'): Promise<number> {
  const r = await db.query<{ revision: string | number }>(`SELECT revision FROM ${table} WHERE id = 1`);
  return Number(r.rows[0]?.revision ?? 0);
}

/** Bumps a state table's revision, in the caller's transaction (its readers rebuild what they cache). */
export async function bumpRevision(tx: SqlExecutor, table: 'catalog_state' | 'chart_state'): Promise<void> {
  await tx.query(`UPDATE ${table} SET revision = revision + 1 WHERE id = 1`);
}

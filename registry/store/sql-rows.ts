import type { SqlClient, SqlExecutor } from './sql-client.ts';
import { byNameThenNewest } from './version-order.ts';

/**
 * Row helpers shared by the addon and chart stores: both keep versions with a
 * precomputed index entry and a one-row state table holding a revision and the
 * time it last changed.
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

/** The one-row state tables: the addons' (`catalog_state`) and the charts' (`chart_state`). */
export type StateTable = 'catalog_state' | 'chart_state';

/** Where a kind's index.yaml comes from: its state table and the query of its live entries. */
export interface IndexSource {
  state: StateTable;
  /** Selects `name, version, index_entry` of every version the index lists. */
  entries: string;
}

/** The index entries of a source, by name then newest first. */
export async function indexEntryRows(db: SqlExecutor, source: IndexSource): Promise<IndexEntryRow[]> {
  const r = await db.query<Row>(source.entries);
  return r.rows.map((row) => ({ name: String(row.name), version: String(row.version), entry: String(row.index_entry) })).sort(byNameThenNewest);
}

/** A state table's revision and the time it last changed (stored, so every replica reads the same). */
export async function readState(db: SqlExecutor, table: StateTable): Promise<{ revision: number; changedAt: string }> {
  const r = await db.query<{ revision: string | number; changed_at: Date | string }>(`SELECT revision, changed_at FROM ${table} WHERE id = 1`);
  const row = r.rows[0];
  return { revision: Number(row?.revision ?? 0), changedAt: new Date(row?.changed_at ?? 0).toISOString() };
}

/** The revision of a state table. */
export async function readRevision(db: SqlExecutor, table: StateTable): Promise<number> {
  const r = await db.query<{ revision: string | number }>(`SELECT revision FROM ${table} WHERE id = 1`);
  return Number(r.rows[0]?.revision ?? 0);
}

/** Bumps a state table's revision, in the caller's transaction (its readers rebuild what they cache). */
export async function bumpRevision(tx: SqlExecutor, table: StateTable): Promise<void> {
  await tx.query(`UPDATE ${table} SET revision = revision + 1 WHERE id = 1`);
}

/**
 * Runs an UPDATE of one version in a transaction; when it changed a row, runs `then` and bumps
 * the revision in the same transaction. False when nothing matched.
 */
export async function updateVersion(db: SqlClient, input: { state: StateTable; sql: string; params: unknown[]; then?: (tx: SqlExecutor) => Promise<void> }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const r = await tx.query(input.sql, input.params);
    if (r.affectedRows === 0) return false;
    await input.then?.(tx);
    await bumpRevision(tx, input.state);
    return true;
  });
}

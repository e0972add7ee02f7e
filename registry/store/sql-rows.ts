import type { SqlClient, SqlExecutor } from './sql-client.ts';
import { byNameThenNewest } from './version-order.ts';
import type { StoredArchive } from './records.ts';

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

/** The columns every version row has, whatever its kind: who it is and its archive. */
export function archiveColumns(r: Row): StoredArchive {
  return { name: String(r.name), version: String(r.version), digest: String(r.digest), size: Number(r.size), createdAt: iso(r.created_at) };
}

/** The columns of a whole version row of either kind: its archive's, its metadata, its index entry and who published it. */
export function versionColumns<M>(r: Row): StoredArchive & { metadata: M; indexEntry: string; publishedBy: string | null } {
  return { ...archiveColumns(r), metadata: json<M>(r.metadata), indexEntry: String(r.index_entry), publishedBy: (r.published_by as string | null) ?? null };
}

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

/** A WHERE clause built condition by condition, its parameters numbered in the order they are added. */
export class SqlConditions {
  readonly params: unknown[] = [];
  readonly #parts: string[];

  /** Starts with the conditions every query of the list has. */
  constructor(...always: string[]) {
    this.#parts = [...always];
  }

  /** Adds a parameter; returns its placeholder (`$n`). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds a condition. */
  and(condition: string): void {
    this.#parts.push(condition);
  }

  /** The conditions joined with AND. */
  get sql(): string {
    return this.#parts.join(' AND ');
  }
}

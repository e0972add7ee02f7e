import semver from 'semver';
import type { ChartManifest } from '../../core/chart/inspect.ts';
import type { ChartMetadata } from '../../core/chart/chart-yaml.ts';
import type { ParamTable } from '../../core/params/reference.ts';
import type { SqlClient, SqlExecutor } from './sql-client.ts';
import { OciStore } from './oci-store.ts';
import type { Page, StoredArchive } from './records.ts';
import { archiveColumns, bumpRevision, SqlConditions, versionColumns, iso, json, updateVersion, type Row } from './sql-rows.ts';
import { IndexedVersions } from './indexed-versions.ts';
import { byNameThenNewest, newestVersion } from './version-order.ts';

/** A stored chart version (deleted ones are kept as tombstones). */
export interface ChartVersionRecord extends StoredArchive {
  metadata: ChartMetadata;
  manifest: ChartManifest;
  /** This version's entry of /helm/index.yaml, precomputed at upload. */
  indexEntry: string;
  /** The values parameter tables the pages and the API show, derived at upload. */
  parameters: ParamTable[];
  publishedBy: string | null;
  deletedAt: string | null;
  deletedBy: string | null;
}

/** A chart version without its heavy fields, for lists. */
export type ChartVersionSummary = StoredArchive & { appVersion: string | null; description: string };

/** One chart in a listing: its newest version's facts. */
export interface ChartSummary {
  name: string;
  latest: string;
  description: string;
  appVersion: string | null;
  versions: number;
  updatedAt: string;
}

/** Outcome of inserting a chart version: created, or what is already stored under it. */
export type ChartInsertOutcome = { created: true } | { created: false; existingDigest: string; deletedAt: string | null };

/** Derives a chart version's values parameter tables from its manifest (passed in: the store knows no domain logic). */
export type DeriveChartParameters = (manifest: ChartManifest) => ParamTable[];

function toRecord(r: Row): ChartVersionRecord {
  return {
    ...versionColumns<ChartMetadata>(r),
    manifest: json(r.manifest),
    parameters: json(r.parameters ?? '[]'),
    deletedAt: r.deleted_at ? iso(r.deleted_at) : null,
    deletedBy: (r.deleted_by as string | null) ?? null,
  };
}

function toSummary(r: Row): ChartVersionSummary {
  const meta = json<ChartMetadata>(r.metadata);
  return { ...archiveColumns(r), appVersion: meta.appVersion ?? null, description: meta.description ?? '' };
}

/**
 * The chart repository's metadata, in the same database as the addons (own
 * tables). Versions are insert-only; delete marks a tombstone and the version
 * leaves the index and the API, but its number stays taken.
 */
export class ChartStore extends IndexedVersions {
  /** /helm/index.yaml lists the live versions; `chart_state` revises it. */
  constructor(db: SqlClient) {
    super(db, { state: 'chart_state', entries: 'SELECT name, version, index_entry FROM chart_versions WHERE deleted_at IS NULL' });
  }

  /**
   * Inserts a version unless name+version exists (live or deleted); bumps the revision.
   * `beforeCommit` runs only when the row was inserted, inside the transaction: upload writes
   * the blob there, so an upload that loses a race writes no blob and a failed blob write
   * stores no row (as addons do); the version's OCI manifest is written there too.
   */
  async insert(v: ChartVersionRecord, beforeCommit?: (tx: SqlExecutor) => Promise<void>): Promise<ChartInsertOutcome> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO chart_versions (name, version, digest, size, created_at, description, metadata, manifest, index_entry, published_by, parameters)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (name, version) DO NOTHING`,
        [v.name, v.version, v.digest, v.size, v.createdAt, v.metadata.description ?? '', JSON.stringify(v.metadata), JSON.stringify(v.manifest), v.indexEntry, v.publishedBy, JSON.stringify(v.parameters)],
      );
      if (inserted.affectedRows === 0) {
        const row = (await tx.query<Row>('SELECT digest, deleted_at FROM chart_versions WHERE name = $1 AND version = $2', [v.name, v.version])).rows[0]!;
        return { created: false, existingDigest: String(row.digest), deletedAt: row.deleted_at ? iso(row.deleted_at) : null };
      }
      await bumpRevision(tx, 'chart_state');
      await beforeCommit?.(tx);
      return { created: true };
    });
  }

  /**
   * Derives the parameter tables of every version stored without them (uploaded before they were
   * stored). Returns how many versions were updated; idempotent.
   */
  async refreshDerived(derive: DeriveChartParameters): Promise<number> {
    const stale = (await this.db.query<Row>('SELECT name, version, manifest FROM chart_versions WHERE parameters IS NULL ORDER BY name, version')).rows;
    for (const row of stale) {
      await this.db.query('UPDATE chart_versions SET parameters = $3 WHERE name = $1 AND version = $2 AND parameters IS NULL', [row.name, row.version, JSON.stringify(derive(json(row.manifest)))]);
    }
    return stale.length;
  }

  /** One version, tombstones included (callers decide what a deleted one means). */
  async get(name: string, version: string): Promise<ChartVersionRecord | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM chart_versions WHERE name = $1 AND version = $2', [name, version]);
    return r.rows[0] ? toRecord(r.rows[0]) : undefined;
  }

  /** Every live version with its metadata (one chart's, or all), by name then newest first. */
  async liveRecords(name?: string): Promise<ChartVersionRecord[]> {
    const r = await this.db.query<Row>(`SELECT * FROM chart_versions WHERE deleted_at IS NULL${name ? ' AND name = $1' : ''}`, name ? [name] : []);
    return r.rows.map(toRecord).sort(byNameThenNewest);
  }

  /** The live versions of a chart, newest first. */
  async versions(name: string): Promise<ChartVersionSummary[]> {
    const r = await this.db.query<Row>('SELECT name, version, digest, size, created_at, metadata FROM chart_versions WHERE name = $1 AND deleted_at IS NULL', [name]);
    return r.rows.map(toSummary).sort((a, b) => semver.rcompare(a.version, b.version));
  }

  /** Charts with a live version, filtered by a text in the name or description, by name. */
  async list(q: { text?: string; limit: number; offset: number }): Promise<Page<ChartSummary>> {
    const where = new SqlConditions('deleted_at IS NULL');
    if (q.text) {
      const t = where.param(q.text);
      where.and(`(name ILIKE '%' || ${t} || '%' OR description ILIKE '%' || ${t} || '%')`);
    }
    const rows = (await this.db.query<Row>(`SELECT name, version, digest, size, created_at, metadata FROM chart_versions WHERE ${where.sql}`, where.params)).rows.map(toSummary);
    const byName = new Map<string, ChartVersionSummary[]>();
    for (const v of rows) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
    const all: ChartSummary[] = [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, list]) => {
      const latest = list.find((v) => v.version === newestVersion(list.map((x) => x.version)))!;
      return { name, latest: latest.version, description: latest.description, appVersion: latest.appVersion, versions: list.length, updatedAt: list.map((v) => v.createdAt).sort().pop()! };
    });
    return { items: all.slice(q.offset, q.offset + q.limit), total: all.length, limit: q.limit, offset: q.offset };
  }

  /**
   * Marks a live version deleted, and removes its OCI manifests and tags in the same
   * transaction (it can no more be pulled over OCI than from /helm); false when there is no
   * live version to delete.
   */
  async delete(name: string, version: string, by: string): Promise<boolean> {
    return updateVersion(this.db, {
      state: 'chart_state',
      sql: 'UPDATE chart_versions SET deleted_at = now(), deleted_by = $3 WHERE name = $1 AND version = $2 AND deleted_at IS NULL',
      params: [name, version, by],
      then: (tx) => new OciStore(this.db).deleteChartManifests(`charts/${name}`, name, version, tx),
    });
  }
}

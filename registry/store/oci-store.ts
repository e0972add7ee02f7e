import type { SqlClient, SqlExecutor } from './sql-client.ts';
import { iso, json, type Row } from './sql-rows.ts';

/** A manifest stored in a repository (its bytes are in the blob store under `digest`). */
export interface OciManifestRecord {
  repo: string;
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  subject: string | null;
  annotations: Record<string, string> | null;
  /** The config blob's digest (an image manifest's; null for an index). */
  config: string | null;
  /** The chart version this manifest is (a Helm chart in `charts/NAME`), else null. */
  chartVersion: string | null;
  createdAt: string;
}

/** What inserting a manifest row needs. */
export type NewOciManifest = Omit<OciManifestRecord, 'createdAt'>;

function toManifest(r: Row): OciManifestRecord {
  return {
    repo: String(r.repo),
    digest: String(r.digest),
    mediaType: String(r.media_type),
    size: Number(r.size),
    artifactType: (r.artifact_type as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    annotations: r.annotations ? json(r.annotations) : null,
    config: (r.config as string | null) ?? null,
    chartVersion: (r.chart_version as string | null) ?? null,
    createdAt: iso(r.created_at),
  };
}

/** A blob a new manifest names is not linked into its repository (any more: `velahub gc` unlinked it meanwhile). */
export class BlobLinkMissing extends Error {
  constructor(
    readonly repo: string,
    readonly digest: string,
  ) {
    super(`blob ${digest} is not in ${repo}`);
  }
}

/**
 * The OCI Distribution API's metadata: which blobs a repository holds (links to the blob
 * store's content-addressed bytes), its manifests and tags. Every write is one statement or one
 * transaction, so a refused push leaves no row.
 */
export class OciStore {
  constructor(readonly db: SqlClient) {}

  /**
   * Links a stored blob into a repository (idempotent). Linking again refreshes the link's time:
   * gc unlinks only links older than its bound that no manifest names.
   */
  async linkBlob(repo: string, digest: string, size: number, tx: SqlExecutor = this.db): Promise<void> {
    await tx.query('INSERT INTO oci_blobs (repo, digest, size) VALUES ($1, $2, $3) ON CONFLICT (repo, digest) DO UPDATE SET created_at = now()', [repo, digest, size]);
  }

  /**
   * Marks the blobs a new manifest names as in use now, in the manifest's transaction; throws
   * {@link BlobLinkMissing} for one not linked. With {@link unlinkIfOlder}'s condition, gc and a
   * manifest push naming the same old link never both succeed.
   */
  async refreshLinks(repo: string, digests: readonly string[], tx: SqlExecutor): Promise<void> {
    for (const digest of new Set(digests)) {
      const r = await tx.query('UPDATE oci_blobs SET created_at = now() WHERE repo = $1 AND digest = $2', [repo, digest]);
      if (r.affectedRows === 0) throw new BlobLinkMissing(repo, digest);
    }
  }

  /**
   * Links last made or refreshed before `cutoff` that no row shows in use: not a manifest's
   * config, not a live chart version's archive. gc unlinks those no manifest's layers name either;
   * what the rows settle (every link of a chart version) costs it no manifest read.
   */
  async unlinkCandidates(cutoff: Date): Promise<Array<{ repo: string; digest: string }>> {
    const r = await this.db.query<Row>(
      `SELECT b.repo, b.digest FROM oci_blobs b WHERE b.created_at < $1
         AND NOT EXISTS (SELECT 1 FROM oci_manifests m WHERE m.repo = b.repo AND m.config = b.digest)
         AND NOT EXISTS (SELECT 1 FROM chart_versions v WHERE 'charts/' || v.name = b.repo AND v.digest = b.digest AND v.deleted_at IS NULL)
       ORDER BY b.repo, b.digest`,
      [cutoff.toISOString()],
    );
    return r.rows.map((row) => ({ repo: String(row.repo), digest: String(row.digest) }));
  }

  /** The digest and media type of every manifest in `repo` (gc reads their bytes for the layers they name). */
  async manifestsIn(repo: string): Promise<Array<{ digest: string; mediaType: string }>> {
    const r = await this.db.query<Row>('SELECT digest, media_type FROM oci_manifests WHERE repo = $1', [repo]);
    return r.rows.map((row) => ({ digest: String(row.digest), mediaType: String(row.media_type) }));
  }

  /** Unlinks a blob if its link is still older than `cutoff`; false when a manifest push refreshed it meanwhile, or it is gone. */
  async unlinkIfOlder(repo: string, digest: string, cutoff: Date): Promise<boolean> {
    return (await this.db.query('DELETE FROM oci_blobs WHERE repo = $1 AND digest = $2 AND created_at < $3', [repo, digest, cutoff.toISOString()])).affectedRows > 0;
  }

  /** The size of a blob linked into the repository, or undefined. */
  async blobSize(repo: string, digest: string): Promise<number | undefined> {
    const r = await this.db.query<Row>('SELECT size FROM oci_blobs WHERE repo = $1 AND digest = $2', [repo, digest]);
    return r.rows[0] ? Number(r.rows[0].size) : undefined;
  }

  /** The size of a blob linked into any repository (an anonymous mount), or undefined. */
  async anyBlobSize(digest: string): Promise<number | undefined> {
    const r = await this.db.query<Row>('SELECT size FROM oci_blobs WHERE digest = $1 LIMIT 1', [digest]);
    return r.rows[0] ? Number(r.rows[0].size) : undefined;
  }

  /** Unlinks a blob from a repository; false when it was not linked. */
  async unlinkBlob(repo: string, digest: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM oci_blobs WHERE repo = $1 AND digest = $2', [repo, digest])).affectedRows > 0;
  }

  /**
   * Stores a manifest row and (optionally) points a tag at it, in one transaction or in `tx`,
   * refreshing the links of the blobs it names ({@link refreshLinks}).
   */
  async putManifest(m: NewOciManifest, tag: string | undefined, blobs: readonly string[], tx?: SqlExecutor): Promise<void> {
    const write = async (q: SqlExecutor) => {
      await this.refreshLinks(m.repo, blobs, q);
      await q.query(
        `INSERT INTO oci_manifests (repo, digest, media_type, size, artifact_type, subject, annotations, config, chart_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (repo, digest) DO NOTHING`,
        [m.repo, m.digest, m.mediaType, m.size, m.artifactType, m.subject, m.annotations ? JSON.stringify(m.annotations) : null, m.config, m.chartVersion],
      );
      if (tag !== undefined) {
        await q.query('INSERT INTO oci_tags (repo, tag, digest) VALUES ($1, $2, $3) ON CONFLICT (repo, tag) DO UPDATE SET digest = EXCLUDED.digest', [m.repo, tag, m.digest]);
      }
    };
    if (tx) await write(tx);
    else await this.db.transaction(write);
  }

  /** A manifest of the repository by digest. */
  async manifest(repo: string, digest: string): Promise<OciManifestRecord | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM oci_manifests WHERE repo = $1 AND digest = $2', [repo, digest]);
    return r.rows[0] ? toManifest(r.rows[0]) : undefined;
  }

  /** The manifest a tag names, or undefined. */
  async tagged(repo: string, tag: string): Promise<OciManifestRecord | undefined> {
    const r = await this.db.query<Row>('SELECT m.* FROM oci_tags t JOIN oci_manifests m ON m.repo = t.repo AND m.digest = t.digest WHERE t.repo = $1 AND t.tag = $2', [repo, tag]);
    return r.rows[0] ? toManifest(r.rows[0]) : undefined;
  }

  /** The repository's tags in lexical order, `n` after `last`. */
  async tags(repo: string, page: { n?: number; last?: string }): Promise<string[]> {
    const params: unknown[] = [repo];
    let sql = 'SELECT tag FROM oci_tags WHERE repo = $1';
    if (page.last !== undefined) {
      params.push(page.last);
      sql += ` AND tag COLLATE "C" > $${params.length}`;
    }
    sql += ' ORDER BY tag COLLATE "C"';
    if (page.n !== undefined) {
      params.push(page.n);
      sql += ` LIMIT $${params.length}`;
    }
    return (await this.db.query<Row>(sql, params)).rows.map((r) => String(r.tag));
  }

  /** True when the repository holds anything (a blob, a manifest or a tag). */
  async repoExists(repo: string): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM oci_blobs WHERE repo = $1 UNION ALL SELECT 1 FROM oci_manifests WHERE repo = $1 LIMIT 1', [repo]);
    return r.rows.length > 0;
  }

  /** Manifests of the repository whose subject is `digest` (the referrers API). */
  async referrers(repo: string, digest: string): Promise<OciManifestRecord[]> {
    const r = await this.db.query<Row>('SELECT * FROM oci_manifests WHERE repo = $1 AND subject = $2 ORDER BY created_at, digest', [repo, digest]);
    return r.rows.map(toManifest);
  }

  /** Removes a tag; false when there was none. */
  async deleteTag(repo: string, tag: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM oci_tags WHERE repo = $1 AND tag = $2', [repo, tag])).affectedRows > 0;
  }

  /** Removes a manifest and every tag naming it, in `tx` or a transaction of its own; false when there was none. */
  async deleteManifest(repo: string, digest: string, tx?: SqlExecutor): Promise<boolean> {
    const run = async (q: SqlExecutor) => {
      await q.query('DELETE FROM oci_tags WHERE repo = $1 AND digest = $2', [repo, digest]);
      return (await q.query('DELETE FROM oci_manifests WHERE repo = $1 AND digest = $2', [repo, digest])).affectedRows > 0;
    };
    return tx ? run(tx) : this.db.transaction(run);
  }

  /**
   * Removes a chart version's manifests and their tags (the chart version was deleted), in `tx`,
   * and unlinks its archive and config blobs, so that `velahub gc` collects them as it collects
   * a deleted version's archive.
   */
  async deleteChartManifests(repo: string, name: string, version: string, tx: SqlExecutor): Promise<void> {
    await tx.query(
      `DELETE FROM oci_blobs WHERE repo = $1 AND (digest IN (SELECT config FROM oci_manifests WHERE repo = $1 AND chart_version = $2 AND config IS NOT NULL)
         OR digest IN (SELECT digest FROM chart_versions WHERE name = $3 AND version = $2))`,
      [repo, version, name],
    );
    await tx.query('DELETE FROM oci_tags WHERE repo = $1 AND digest IN (SELECT digest FROM oci_manifests WHERE repo = $1 AND chart_version = $2)', [repo, version]);
    await tx.query('DELETE FROM oci_manifests WHERE repo = $1 AND chart_version = $2', [repo, version]);
  }
}

import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isVelahubError } from '../../core/errors.ts';
import { receiveBounded } from '../http/upload.ts';
import type { SqlClient } from '../store/sql-client.ts';
import { iso, type Row } from '../store/sql-rows.ts';
import { OciError } from './oci-errors.ts';

/** How far an upload in progress may go. */
export interface OciUploadOptions {
  /** Bytes one upload may hold: a chart archive's cap and room for signatures and SBOMs. */
  maxBytes: number;
  /** An upload untouched for this long is gone (refused as unknown, removed by `velahub gc`). */
  ttlMs: number;
}

/** 64 MiB and one hour. */
export const defaultUploadOptions: OciUploadOptions = { maxBytes: 64 * 1024 * 1024, ttlMs: 60 * 60 * 1000 };

/** An upload in progress: its repository and how many bytes it holds. */
export interface UploadSession {
  id: string;
  repo: string;
  offset: number;
}

const idPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Blob uploads in progress (POST, PATCH chunks, PUT to finish), kept in the database — a row
 * per upload and one per chunk — so that any replica continues an upload another one started
 * (a load balancer need not be sticky), and a finished, cancelled or refused upload leaves
 * nothing behind. Each is bounded in bytes (refused past `maxBytes`, on the declared length
 * first) and in time (untouched for `ttlMs`, it is unknown and `velahub gc` removes it). A chunk
 * is recorded only whole, and only if the upload still holds what the client was told (two
 * racing chunks: one wins, the other gets 416).
 */
export class Uploads {
  constructor(
    readonly db: SqlClient,
    readonly options: OciUploadOptions,
  ) {}

  /** Starts an upload into `repo`. */
  async start(repo: string): Promise<UploadSession> {
    const id = randomUUID();
    await this.db.query('INSERT INTO oci_uploads (id, repo) VALUES ($1, $2)', [id, repo]);
    return { id, repo, offset: 0 };
  }

  /** The upload `id` of `repo`, or BLOB_UPLOAD_UNKNOWN (never started, finished, cancelled, another repository's, or expired). */
  async get(repo: string, id: string): Promise<UploadSession> {
    const unknown = (why: string) => new OciError('BLOB_UPLOAD_UNKNOWN', 404, `upload ${JSON.stringify(id)} of ${repo} ${why}: start a new one with POST /v2/${repo}/blobs/uploads/`);
    if (!idPattern.test(id)) throw unknown('is not an upload id');
    const row = (await this.db.query<Row>('SELECT repo, size, updated_at FROM oci_uploads WHERE id = $1', [id])).rows[0];
    if (!row) throw unknown('does not exist (finished, cancelled or never started)');
    if (String(row.repo) !== repo) throw unknown('belongs to another repository');
    if (Date.now() - Date.parse(iso(row.updated_at)) > this.options.ttlMs) {
      await this.remove(id);
      throw unknown(`expired after ${Math.round(this.options.ttlMs / 60_000)} min without a chunk`);
    }
    return { id, repo, offset: Number(row.size) };
  }

  /**
   * Appends a chunk. `range` (Content-Range `start-end`) must start at the upload's offset,
   * else 416 with the upload's Range; `declared` (Content-Length) over the bound is refused
   * before a byte is read. Returns the new offset.
   */
  async append(s: UploadSession, body: Readable, chunk: { range?: string; declared?: number }): Promise<number> {
    const outOfOrder = (what: string) =>
      new OciError('BLOB_UPLOAD_INVALID', 416, `${what} does not continue upload ${s.id}, which holds ${s.offset} bytes: send the chunk starting at byte ${s.offset}`, undefined, {
        Range: rangeHeader(s.offset),
        Location: uploadLocation(s),
        'Docker-Upload-UUID': s.id,
      });
    if (chunk.range !== undefined) {
      const m = /^(\d+)-(\d+)$/.exec(chunk.range.trim());
      if (!m || Number(m[1]) !== s.offset || Number(m[2]) < Number(m[1])) throw outOfOrder(`Content-Range ${JSON.stringify(chunk.range)}`);
      if (chunk.declared !== undefined && chunk.declared !== Number(m[2]) - Number(m[1]) + 1) {
        throw new OciError('SIZE_INVALID', 400, `Content-Range ${chunk.range} spans ${Number(m[2]) - Number(m[1]) + 1} bytes but Content-Length is ${chunk.declared}`);
      }
    }
    if (chunk.declared !== undefined && s.offset + chunk.declared > this.options.maxBytes) throw this.tooLarge(s.offset + chunk.declared);
    const room = this.options.maxBytes - s.offset;
    const data = await receiveBounded(body, room, `the chunk of upload ${s.id}`).catch((err: unknown) => {
      throw isVelahubError(err, 'EPACKAGE_TOO_LARGE') ? this.tooLarge(this.options.maxBytes + 1) : err;
    });
    if (chunk.declared !== undefined && data.length !== chunk.declared) throw new OciError('SIZE_INVALID', 400, `the chunk of upload ${s.id} held ${data.length} bytes but Content-Length said ${chunk.declared}`);
    if (data.length === 0) return s.offset;
    await this.db.transaction(async (tx) => {
      const moved = await tx.query('UPDATE oci_uploads SET size = size + $3, updated_at = now() WHERE id = $1 AND size = $2', [s.id, s.offset, data.length]);
      if (moved.affectedRows === 0) throw outOfOrder('a chunk raced by another');
      await tx.query('INSERT INTO oci_upload_chunks (id, start, data) VALUES ($1, $2, $3)', [s.id, s.offset, data]);
    });
    s.offset += data.length;
    return s.offset;
  }

  /** The upload's bytes, to finish it. */
  async bytes(s: UploadSession): Promise<Buffer> {
    const rows = (await this.db.query<Row>('SELECT data FROM oci_upload_chunks WHERE id = $1 ORDER BY start', [s.id])).rows;
    return Buffer.concat(rows.map((r) => Buffer.from(r.data as Uint8Array)));
  }

  /** Removes an upload (finished, cancelled or refused) with its chunks. */
  async remove(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM oci_upload_chunks WHERE id = $1', [id]);
      await tx.query('DELETE FROM oci_uploads WHERE id = $1', [id]);
    });
  }

  /**
   * Removes every upload untouched since `cutoff` (what `velahub gc` does); returns their ids.
   * With `dryRun`, only lists them.
   */
  async sweep(cutoff: Date, dryRun = false): Promise<string[]> {
    const ids = (await this.db.query<Row>('SELECT id FROM oci_uploads WHERE updated_at < $1 ORDER BY id', [cutoff.toISOString()])).rows.map((r) => String(r.id));
    if (!dryRun) for (const id of ids) await this.remove(id);
    return ids;
  }

  /** The refusal of an upload past the bound. */
  tooLarge(size: number): OciError {
    return new OciError('SIZE_INVALID', 413, `the blob would hold ${size} bytes, over the ${this.options.maxBytes}-byte limit of an upload`);
  }
}

/** The Range header of an upload holding `offset` bytes (`0-0` when empty, as the spec's registries answer). */
export function rangeHeader(offset: number): string {
  return `0-${Math.max(offset - 1, 0)}`;
}

/** Where the client sends the upload's next chunk. */
export function uploadLocation(s: UploadSession): string {
  return `/v2/${s.repo}/blobs/uploads/${s.id}`;
}

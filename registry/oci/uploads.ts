import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { OciError } from './oci-errors.ts';

/** Where uploads in progress live and how far they may go. */
export interface OciUploadOptions {
  /** A folder of the data dir (scratch: uploads are local to the replica that started them). */
  dir: string;
  /** Bytes one upload may hold: a chart archive's cap and room for signatures and SBOMs. */
  maxBytes: number;
  /** An upload untouched for this long is gone (refused as unknown, removed by `velahub gc`). */
  ttlMs: number;
}

/** 64 MiB and one hour. */
export const defaultUploadOptions: Omit<OciUploadOptions, 'dir'> = { maxBytes: 64 * 1024 * 1024, ttlMs: 60 * 60 * 1000 };

/** An upload in progress: its repository and how many bytes it holds. */
export interface UploadSession {
  id: string;
  repo: string;
  offset: number;
}

const idPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Blob uploads in progress (POST, PATCH chunks, PUT to finish), kept as a data file and a small
 * JSON file naming its repository under the uploads folder. Each is bounded in bytes (refused
 * past `maxBytes`, on the declared length first) and in time (untouched for `ttlMs`, it is
 * unknown and `velahub gc` removes it). A chunk that fails midway is cut back off, so an
 * upload's offset is always what the client was last told.
 */
export class Uploads {
  constructor(readonly options: OciUploadOptions) {}

  #data(id: string): string {
    return join(this.options.dir, id);
  }

  #meta(id: string): string {
    return join(this.options.dir, `${id}.json`);
  }

  /** Starts an upload into `repo`. */
  async start(repo: string): Promise<UploadSession> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const id = randomUUID();
    await writeFile(this.#data(id), '', { mode: 0o600, flag: 'wx' });
    await writeFile(this.#meta(id), JSON.stringify({ repo, startedAt: new Date().toISOString() }), { mode: 0o600 });
    return { id, repo, offset: 0 };
  }

  /** The upload `id` of `repo`, or BLOB_UPLOAD_UNKNOWN (never started, finished, cancelled, another repository's, or expired). */
  async get(repo: string, id: string): Promise<UploadSession> {
    const unknown = (why: string) => new OciError('BLOB_UPLOAD_UNKNOWN', 404, `upload ${JSON.stringify(id)} of ${repo} ${why}: start a new one with POST /v2/${repo}/blobs/uploads/`);
    if (!idPattern.test(id)) throw unknown('is not an upload id');
    const meta = await readFile(this.#meta(id), 'utf8').catch(() => undefined);
    const info = await stat(this.#data(id)).catch(() => undefined);
    if (!meta || !info) throw unknown('does not exist (finished, cancelled or never started)');
    if ((JSON.parse(meta) as { repo: string }).repo !== repo) throw unknown('belongs to another repository');
    if (Date.now() - info.mtimeMs > this.options.ttlMs) {
      await this.remove(id);
      throw unknown(`expired after ${Math.round(this.options.ttlMs / 60_000)} min without a chunk`);
    }
    return { id, repo, offset: info.size };
  }

  /**
   * Appends a chunk. `range` (Content-Range `start-end`) must start at the upload's offset,
   * else 416 with the upload's Range; `declared` (Content-Length) over the bound is refused
   * before a byte is read. Returns the new offset.
   */
  async append(s: UploadSession, body: Readable, chunk: { range?: string; declared?: number }): Promise<number> {
    if (chunk.range !== undefined) {
      const m = /^(\d+)-(\d+)$/.exec(chunk.range.trim());
      if (!m || Number(m[1]) !== s.offset || Number(m[2]) < Number(m[1])) {
        throw new OciError('BLOB_UPLOAD_INVALID', 416, `Content-Range ${JSON.stringify(chunk.range)} does not continue upload ${s.id}, which holds ${s.offset} bytes: send the chunk starting at byte ${s.offset}`, undefined, {
          Range: rangeHeader(s.offset),
          Location: uploadLocation(s),
          'Docker-Upload-UUID': s.id,
        });
      }
      if (chunk.declared !== undefined && chunk.declared !== Number(m[2]) - Number(m[1]) + 1) {
        throw new OciError('SIZE_INVALID', 400, `Content-Range ${chunk.range} spans ${Number(m[2]) - Number(m[1]) + 1} bytes but Content-Length is ${chunk.declared}`);
      }
    }
    if (chunk.declared !== undefined && s.offset + chunk.declared > this.options.maxBytes) throw this.tooLarge(s.offset + chunk.declared);
    let seen = 0;
    const out = createWriteStream(this.#data(s.id), { flags: 'a' });
    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const fail = (err: Error) => {
          if (settled) return;
          settled = true;
          body.unpipe(out);
          out.destroy();
          reject(err);
        };
        body.on('data', (c: Buffer) => {
          seen += c.length;
          if (s.offset + seen > this.options.maxBytes) {
            body.pause();
            fail(this.tooLarge(s.offset + seen));
          }
        });
        let ended = false;
        body.on('end', () => (ended = true));
        body.on('error', fail);
        body.on('close', () => {
          if (!ended) fail(new OciError('BLOB_UPLOAD_INVALID', 400, `the chunk of upload ${s.id} was cut short: the client closed the connection`));
        });
        out.on('error', fail);
        out.on('finish', () => {
          if (settled) return;
          settled = true;
          resolve();
        });
        body.pipe(out);
      });
    } catch (err) {
      if (!out.closed) await new Promise<void>((r) => out.once('close', () => r()));
      // The upload keeps what the client was told it holds.
      await truncate(this.#data(s.id), s.offset).catch(() => undefined);
      throw err;
    }
    if (chunk.declared !== undefined && seen !== chunk.declared) {
      await truncate(this.#data(s.id), s.offset).catch(() => undefined);
      throw new OciError('SIZE_INVALID', 400, `the chunk of upload ${s.id} held ${seen} bytes but Content-Length said ${chunk.declared}`);
    }
    const now = new Date();
    await utimes(this.#data(s.id), now, now).catch(() => undefined);
    s.offset += seen;
    return s.offset;
  }

  /** The upload's bytes, to finish it. */
  async bytes(s: UploadSession): Promise<Buffer> {
    return readFile(this.#data(s.id));
  }

  /** Removes an upload (finished or cancelled). */
  async remove(id: string): Promise<void> {
    await rm(this.#data(id), { force: true });
    await rm(this.#meta(id), { force: true });
  }

  /**
   * Removes every upload untouched since `cutoff` (what `velahub gc` does); returns their paths.
   * With `dryRun`, only lists them.
   */
  async sweep(cutoff: Date, dryRun = false): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.options.dir).catch(() => [] as string[])) {
      const id = name.replace(/\.json$/, '');
      if (!idPattern.test(id) || name.endsWith('.json')) continue;
      const info = await stat(this.#data(id)).catch(() => undefined);
      if (!info || info.mtime >= cutoff) continue;
      if (!dryRun) await this.remove(id);
      removed.push(this.#data(id));
    }
    // A metadata file whose data file is gone (a crash between the two writes).
    for (const name of await readdir(this.options.dir).catch(() => [] as string[])) {
      const id = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !idPattern.test(id)) continue;
      const data = await stat(this.#data(id)).catch(() => undefined);
      const meta = await stat(this.#meta(id)).catch(() => undefined);
      if (!data && meta && meta.mtime < cutoff) {
        if (!dryRun) await rm(this.#meta(id), { force: true });
        removed.push(this.#meta(id));
      }
    }
    return removed;
  }

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

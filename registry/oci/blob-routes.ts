import type { Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { sha256 } from '../../core/package/archive.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { anyDigest, sha256Digest } from '../../core/oci/manifest.ts';
import { receiveBounded } from '../http/upload.ts';
import type { Registry } from '../registry.ts';
import { chartNameOfRepo, requireAccess } from './oci-auth.ts';
import { OciError } from './oci-errors.ts';
import { rangeHeader, uploadLocation, Uploads, type UploadSession } from './uploads.ts';

/** A digest of a URL or query: sha256 only (sha512 and others are refused as the spec allows). */
export function requireDigest(value: unknown, what: string): string {
  if (typeof value !== 'string' || !anyDigest.test(value)) throw new OciError('DIGEST_INVALID', 400, `${what} ${JSON.stringify(value ?? '')} is not a digest: expected sha256:<64 hex>`);
  if (!sha256Digest.test(value)) throw new OciError('DIGEST_INVALID', 400, `${what} ${value}: velahub stores sha256 digests only`);
  return value;
}

/** The Content-Length a request declares, when it declares one. */
function declaredLength(req: Request): number | undefined {
  const v = req.get('content-length');
  return v === undefined ? undefined : Number(v);
}

/** The handlers of `/v2/<repo>/blobs/…`: pull, HEAD, delete, and uploads (monolithic, chunked, streamed, mounted). */
export function blobHandlers(registry: Registry, privateReads: boolean, content: ContentCache) {
  const { oci, blobs } = registry;
  const uploads = new Uploads(registry.store.db, registry.ociUploads);

  /** Stores verified bytes under their digest and links them into the repository. */
  const store = async (repo: string, bytes: Buffer, digest: string): Promise<void> => {
    const actual = sha256(bytes);
    if (actual !== digest) throw new OciError('DIGEST_INVALID', 400, `the uploaded bytes have digest ${actual}, not ${digest}: nothing was stored`);
    await blobs.put(bytes);
    await oci.linkBlob(repo, digest, bytes.length);
  };

  const created = (res: Response, repo: string, digest: string): void => {
    res.status(201).set({ Location: `/v2/${repo}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' }).end();
  };

  const accepted = (res: Response, s: UploadSession, status = 202): void => {
    res.status(status).set({ Location: uploadLocation(s), Range: rangeHeader(s.offset), 'Docker-Upload-UUID': s.id, 'Content-Length': '0' }).end();
  };

  return {
    /** GET/HEAD /v2/<repo>/blobs/<digest>, with single byte ranges. */
    async get(req: Request, res: Response, repo: string, ref: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'pull', privateReads });
      chartNameOfRepo(repo);
      const digest = requireDigest(ref, 'blob digest');
      const size = await oci.blobSize(repo, digest);
      if (size === undefined) throw new OciError('BLOB_UNKNOWN', 404, `blob ${digest} is not in ${repo}`);
      const headers = { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Cache-Control': 'public, max-age=31536000, immutable', 'Accept-Ranges': 'bytes' };
      const range = req.get('range');
      if (req.method === 'HEAD' && !range) {
        res.status(200).set({ ...headers, 'Content-Length': String(size) }).end();
        return;
      }
      const data = await content.get(digest);
      if (!data) throw new OciError('BLOB_UNKNOWN', 404, `blob ${digest} of ${repo} is missing from the blob store`);
      if (range) {
        const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
        let start = m?.[1] ? Number(m[1]) : undefined;
        let end = m?.[2] ? Number(m[2]) : undefined;
        if (start === undefined && end !== undefined) [start, end] = [Math.max(data.length - end, 0), data.length - 1];
        if (!m || start === undefined || start >= data.length || (end !== undefined && end < start)) {
          throw new OciError('UNSUPPORTED', 416, `Range ${JSON.stringify(range)} is not satisfiable for blob ${digest} of ${data.length} bytes: send bytes=START-END within it`, undefined, { 'Content-Range': `bytes */${data.length}` });
        }
        end = Math.min(end ?? data.length - 1, data.length - 1);
        res.status(206).set({ ...headers, 'Content-Range': `bytes ${start}-${end}/${data.length}`, 'Content-Length': String(end - start + 1) });
        res.end(req.method === 'HEAD' ? undefined : data.subarray(start, end + 1));
        return;
      }
      res.status(200).set({ ...headers, 'Content-Length': String(data.length) }).end(data);
    },

    /** DELETE /v2/<repo>/blobs/<digest> (admin): unlinks it; a live chart version's archive stays. */
    async delete(req: Request, res: Response, repo: string, ref: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'delete', privateReads });
      const name = chartNameOfRepo(repo);
      const digest = requireDigest(ref, 'blob digest');
      const live = (await registry.charts.versions(name)).find((v) => v.digest === digest);
      if (live) throw new OciError('DENIED', 409, `blob ${digest} is the archive of chart ${name}@${live.version}: delete the chart version (its tag) instead`);
      if (!(await oci.unlinkBlob(repo, digest))) throw new OciError('BLOB_UNKNOWN', 404, `blob ${digest} is not in ${repo}`);
      res.status(202).set('Content-Length', '0').end();
    },

    /** POST /v2/<repo>/blobs/uploads/: mount, monolithic upload (`?digest=`), or start an upload. */
    async start(req: Request, res: Response, repo: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'push', privateReads });
      const { mount, from, digest } = req.query;
      if (mount !== undefined) {
        const d = requireDigest(mount, 'mount');
        // A mount from another repository needs only a read of it, which any pusher has; without
        // `from`, any repository's copy will do (all content here is readable by the same people).
        const size = from !== undefined ? await oci.blobSize(chartReadable(String(from)), d) : await oci.anyBlobSize(d);
        if (size !== undefined) {
          await oci.linkBlob(repo, d, size);
          created(res, repo, d);
          return;
        }
      } else if (digest !== undefined) {
        const d = requireDigest(digest, 'digest');
        const declared = declaredLength(req);
        if (declared !== undefined && declared > uploads.options.maxBytes) throw uploads.tooLarge(declared);
        const bytes = await receiveBounded(req, uploads.options.maxBytes, 'the blob').catch((err: unknown) => {
          throw (err as { code?: string }).code === 'EPACKAGE_TOO_LARGE' ? uploads.tooLarge(uploads.options.maxBytes + 1) : err;
        });
        await store(repo, bytes, d);
        created(res, repo, d);
        return;
      }
      accepted(res, await uploads.start(repo));
    },

    /** GET /v2/<repo>/blobs/uploads/<id>: how far the upload is. */
    async status(req: Request, res: Response, repo: string, id: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'push', privateReads });
      accepted(res, await uploads.get(repo, id), 204);
    },

    /** PATCH /v2/<repo>/blobs/uploads/<id>: one chunk (Content-Range) or a stream. */
    async patch(req: Request, res: Response, repo: string, id: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'push', privateReads });
      const s = await uploads.get(repo, id);
      await uploads.append(s, req, { range: req.get('content-range'), declared: declaredLength(req) });
      accepted(res, s);
    },

    /** PUT /v2/<repo>/blobs/uploads/<id>?digest=: the last chunk (optional), checked against the digest. */
    async finish(req: Request, res: Response, repo: string, id: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'push', privateReads });
      const s = await uploads.get(repo, id);
      const digest = requireDigest(req.query.digest, 'digest');
      const declared = declaredLength(req);
      if (declared !== 0) await uploads.append(s, req, { range: req.get('content-range'), declared });
      try {
        await store(repo, await uploads.bytes(s), digest);
      } finally {
        // A finished or refused upload is gone: a bad digest is not retried on the same bytes.
        await uploads.remove(s.id);
      }
      created(res, repo, digest);
    },

    /** DELETE /v2/<repo>/blobs/uploads/<id>: cancels the upload. */
    async cancel(req: Request, res: Response, repo: string, id: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'push', privateReads });
      const s = await uploads.get(repo, id);
      await uploads.remove(s.id);
      res.status(204).end();
    },
  };
}

/**
 * Blob and manifest bytes by digest, kept in memory (least recently used out first): content
 * under a digest never changes, so a cached copy is never stale. Whether a repository may serve
 * a digest is still asked of the database on every request.
 */
export class ContentCache {
  readonly #lru: LRUCache<string, Buffer>;

  constructor(
    readonly blobs: BlobStore,
    maxBytes = 32 * 1024 * 1024,
  ) {
    this.#lru = new LRUCache<string, Buffer>({ maxSize: maxBytes, maxEntrySize: Math.floor(maxBytes / 4), sizeCalculation: (b) => Math.max(1, b.length) });
  }

  /** The bytes of a digest, or undefined when the blob store lacks them. */
  async get(digest: string): Promise<Buffer | undefined> {
    const hit = this.#lru.get(digest);
    if (hit) return hit;
    const data = await this.blobs.get(digest);
    if (data) this.#lru.set(digest, data);
    return data;
  }
}

/** A mount's `from`: a repository velahub holds (any pusher may read it). */
function chartReadable(repo: string): string {
  chartNameOfRepo(repo);
  return repo;
}

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { VelahubError } from '../../core/errors.ts';
import type { IndexDocument } from '../index-document.ts';
import type { BlobStore } from '../store/blob-store.ts';

/**
 * Documents prepared once and sent the same way by the hot-read front (plain node:http) and by
 * express: both encodings, a strong ETag, and every header, as flat arrays for writeHead.
 */

/** What a read answers before it is prepared: a body, its type and ETag, and its own headers. */
export interface DocumentSource {
  body: Buffer;
  contentType: string;
  etag: string;
  cacheControl?: string;
  /** More headers of every answer, 304s included. */
  headers?: Record<string, string>;
  /** The body gzipped already (index.yaml, built once per revision). */
  gzip?: Buffer;
}

/** A response prepared once: headers of a 200 without and with gzip and of a 304, as flat arrays. */
export interface Prepared {
  etag: string;
  identity: Buffer;
  gzip?: Buffer;
  plain: string[];
  zipped?: string[];
  notModified: string[];
}

/** Responses under this size are not worth compressing (compression's own threshold). */
const gzipThreshold = 1024;

/** Prepares a document: gzip for text of a worthwhile size, and the headers of each answer. */
export function prepare(doc: DocumentSource): Prepared {
  const extra = Object.entries(doc.headers ?? {}).flat();
  // No answer is to be sniffed into HTML or script by a browser: JSON, archives and index.yaml alike.
  const common = ['ETag', doc.etag, ...(doc.cacheControl ? ['Cache-Control', doc.cacheControl] : []), 'X-Content-Type-Options', 'nosniff', ...extra];
  const zipped = doc.gzip ?? (doc.body.length >= gzipThreshold && /json|yaml/.test(doc.contentType) ? gzipSync(doc.body) : undefined);
  const vary = zipped ? ['Vary', 'Accept-Encoding'] : [];
  return {
    etag: doc.etag,
    identity: doc.body,
    gzip: zipped,
    plain: ['Content-Type', doc.contentType, 'Content-Length', String(doc.body.length), ...common, ...vary],
    zipped: zipped && ['Content-Type', doc.contentType, 'Content-Encoding', 'gzip', 'Content-Length', String(zipped.length), ...common, ...vary],
    notModified: [...common, ...vary],
  };
}

/** True when If-None-Match lists this ETag (weak comparison, as RFC 9110 asks for GET) or is `*`. */
function matches(header: string, etag: string): boolean {
  if (header === etag || header === '*') return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === etag || tag === `W/${etag}` || tag === '*') return true;
  }
  return false;
}

/** True when Accept-Encoding allows gzip (not `gzip;q=0`). */
function acceptsGzip(header: string | undefined): boolean {
  if (!header || !header.includes('gzip')) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (coding!.trim().toLowerCase() !== 'gzip') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  }
  return false;
}

/** The answer to a request for a prepared document: 304 on a matching ETag, else 200 in the encoding the client takes. */
export interface Answer {
  status: 200 | 304;
  /** `200 gzip` when gzipped: the outcome label the hot-read counter uses. */
  outcome: '200' | '200 gzip' | '304';
  headers: string[];
  body?: Buffer;
}

/** Chooses the answer to `req` (HEAD gets the headers without the body). */
export function answer(req: IncomingMessage, p: Prepared): Answer {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && matches(inm, p.etag)) return { status: 304, outcome: '304', headers: p.notModified };
  const zipped = p.gzip !== undefined && acceptsGzip(req.headers['accept-encoding']);
  const body = req.method === 'HEAD' ? undefined : zipped ? p.gzip : p.identity;
  return zipped ? { status: 200, outcome: '200 gzip', headers: p.zipped!, body } : { status: 200, outcome: '200', headers: p.plain, body };
}

/**
 * Sends a prepared document through express: header by header, so its middleware (compression,
 * logging) sees them; the hot-read front writes the same answer with one writeHead.
 */
export function sendPrepared(req: IncomingMessage, res: ServerResponse, p: Prepared): void {
  const a = answer(req, p);
  for (let i = 0; i < a.headers.length; i += 2) res.setHeader(a.headers[i]!, a.headers[i + 1]!);
  res.statusCode = a.status;
  res.end(a.body);
}

/** An index.yaml (the addons' or the charts'): cacheable for 30 s, revalidated by its strong ETag, gzip built with it. */
export function indexSource(doc: IndexDocument, headers: Record<string, string> = {}): DocumentSource {
  return { body: Buffer.from(doc.text), gzip: doc.gzip, contentType: 'application/x-yaml', etag: doc.etag, cacheControl: 'public, max-age=30', headers };
}

/**
 * An archive from the blob store: its digest is its identity, so it is cacheable forever.
 * `of` names whose archive it is in the message of a missing blob.
 */
export async function archiveSource(blobs: BlobStore, digest: string, of?: string): Promise<DocumentSource> {
  const data = await blobs.get(digest);
  if (!data) throw new VelahubError('ENOT_FOUND', `archive ${digest}${of ? ` of ${of}` : ''} is missing from the blob store`);
  return { body: data, contentType: 'application/gzip', etag: `"${digest}"`, cacheControl: 'public, max-age=31536000, immutable', headers: { 'Docker-Content-Digest': digest } };
}

/** A JSON document: its strong ETag is the sha256 of its bytes, so every replica sends the same one. */
export function jsonSource(value: unknown): DocumentSource {
  const body = Buffer.from(JSON.stringify(value));
  return { body, contentType: 'application/json; charset=utf-8', etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

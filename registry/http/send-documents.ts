import type { Request, Response } from 'express';
import { VelahubError } from '../../core/errors.ts';
import type { IndexDocument } from '../index-document.ts';
import type { BlobStore } from '../store/blob-store.ts';

/**
 * Sends an index.yaml (the addons' or the charts'): cacheable for 30 s,
 * revalidated by its strong ETag (304), gzip when the client takes it, the
 * bytes of both prepared once per revision. `headers` go on every answer, 304s included.
 */
export function sendIndexDocument(req: Request, res: Response, doc: IndexDocument, headers: Record<string, string> = {}): void {
  res.set('Cache-Control', 'public, max-age=30');
  res.set('ETag', doc.etag);
  res.set('Vary', 'Accept-Encoding');
  res.set(headers);
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.type('application/x-yaml');
  if (req.acceptsEncodings('gzip') === 'gzip') {
    res.set('Content-Encoding', 'gzip');
    res.end(doc.gzip);
    return;
  }
  res.end(doc.text);
}

/**
 * Sends an archive from the blob store: its digest is its identity, so it is
 * cacheable forever. `of` names whose archive it is in the message of a missing blob.
 */
export async function sendArchive(res: Response, blobs: BlobStore, digest: string, of?: string): Promise<void> {
  const data = await blobs.get(digest);
  if (!data) throw new VelahubError('ENOT_FOUND', `archive ${digest}${of ? ` of ${of}` : ''} is missing from the blob store`);
  res.set('ETag', `"${digest}"`);
  res.set('Cache-Control', 'public, max-age=31536000, immutable');
  res.set('Docker-Content-Digest', digest);
  res.type('application/gzip');
  res.send(data);
}

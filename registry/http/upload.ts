import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Request, RequestHandler } from 'express';
import busboy from 'busboy';
import { VelahubError } from '../../core/errors.ts';

/**
 * Refuses an upload from its headers alone, before a byte of the body is read: no token (401),
 * a token that may publish nothing (403), or a declared Content-Length over the cap (413).
 * The error handler then closes the connection with a bounded lingering close, so the client
 * reads the answer and the server never drains a body nobody will read.
 */
export function uploadGate(limit: number, action = 'publishing'): RequestHandler {
  return (req, _res, next) => {
    const refuse = (err: VelahubError) => next(err);
    if (!req.token) return refuse(new VelahubError('EUNAUTHORIZED', `${action} needs a token: send Authorization: Bearer <token>`, { hint: 'create one with `velahub token create --scope publish --pattern NAME`' }));
    if (req.token.scope !== 'publish' && req.token.scope !== 'admin') {
      return refuse(new VelahubError('EFORBIDDEN', `token ${req.token.id} has scope ${req.token.scope}: ${action} needs a publish or admin token`, { hint: 'create one with `velahub token create --scope publish --pattern NAME`' }));
    }
    const declared = Number(req.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) return refuse(tooLarge(`the request body of ${declared} bytes`, limit));
    next();
  };
}

function tooLarge(what: string, limit: number): VelahubError {
  return new VelahubError('EPACKAGE_TOO_LARGE', `${what} exceeds the ${limit}-byte limit on archives`, { hint: 'a package holds at most this many bytes' });
}

/**
 * Streams `body` into a temp file, refusing (413; the connection then closes) as soon as it passes
 * `limit` bytes, and returns the bytes: the cap holds however the client frames the body
 * (chunked, or a Content-Length that lies), and nothing over the cap is ever buffered.
 */
export async function receiveBounded(body: Readable, limit: number, what: string): Promise<Buffer> {
  const file = join(tmpdir(), `velahub-upload-${randomBytes(8).toString('hex')}.tmp`);
  const out = createWriteStream(file, { mode: 0o600 });
  let seen = 0;
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
      body.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > limit) {
          body.pause();
          fail(tooLarge(what, limit));
        }
      });
      body.on('error', fail);
      // A client that goes away mid-body may not make the request emit 'error': never wait forever.
      let ended = false;
      body.on('end', () => (ended = true));
      body.on('close', () => {
        if (!ended) fail(new VelahubError('EBAD_REQUEST', `${what} was cut short: the client closed the connection before sending all of it`));
      });
      out.on('error', fail);
      out.on('finish', () => {
        if (settled) return;
        settled = true;
        resolve();
      });
      body.pipe(out);
    });
    return await readFile(file);
  } finally {
    // The stream may still be opening the file when it is destroyed: remove it once closed.
    if (!out.closed) await once(out, 'close').catch(() => undefined);
    await unlink(file).catch(() => undefined);
  }
}

/**
 * Reads multipart field `chart` (ChartMuseum's upload form) through a bounded temp file;
 * `what` says what the field should hold, for the error when it is missing.
 */
export function readChartField(req: Request, limit: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      // One byte over the cap, so receiveBounded sees the excess and refuses.
      bb = busboy({ headers: req.headers, limits: { fileSize: limit + 1, files: 1 } });
    } catch {
      return reject(new VelahubError('EBAD_REQUEST', 'expected a multipart/form-data body with the archive in field "chart"'));
    }
    let found: Promise<Buffer> | undefined;
    bb.on('file', (field, stream) => {
      if (field !== 'chart') {
        stream.resume();
        return;
      }
      found = receiveBounded(stream, limit, 'field "chart"');
      found.catch((err: unknown) => {
        req.unpipe(bb);
        reject(err);
      });
    });
    bb.on('error', (e: Error) => reject(new VelahubError('EBAD_REQUEST', `malformed multipart body: ${e.message}`)));
    bb.on('close', () => (found ? found.then(resolve, reject) : reject(new VelahubError('EBAD_REQUEST', `multipart field "chart" is missing: send ${what}`))));
    req.pipe(bb);
  });
}

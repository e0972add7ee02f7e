import express, { Router } from 'express';
import busboy from 'busboy';
import { isVelahubError, VelahubError } from '../../../core/errors.ts';
import type { Registry } from '../../registry.ts';
import { publishArchive, type PublishResult } from '../../publish.ts';
import { defaultLimits } from '../../../core/package/files.ts';
import { receiveBounded, uploadGate } from '../upload.ts';

/** Reads multipart field `chart` (ChartMuseum's upload) through a bounded temp file. */
function readChartField(req: express.Request, res: express.Response, limit: number): Promise<Buffer> {
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
      found = receiveBounded(stream, limit, 'field "chart"', res);
      found.catch((err: unknown) => {
        req.unpipe(bb);
        reject(err);
      });
    });
    bb.on('error', (e: Error) => reject(new VelahubError('EBAD_REQUEST', `malformed multipart body: ${e.message}`)));
    bb.on('close', () => (found ? found.then(resolve, reject) : reject(new VelahubError('EBAD_REQUEST', 'multipart field "chart" is missing: send the addon .tgz as chart=@file.tgz'))));
    req.pipe(bb);
  });
}

function send(res: express.Response, result: PublishResult): void {
  res.status(result.status === 'created' ? 201 : 200).json({ saved: true, ...result });
}

/** POST /api/v1/packages (raw tarball) and ChartMuseum's POST /api/charts (multipart). */
export function publishRoutes(registry: Registry): Router {
  const router = Router();
  const limit = (registry.limits ?? defaultLimits).maxTotalBytes;
  // Who may publish is decided from the headers before the body is read (uploadGate), and the
  // body is then streamed through a bounded temp file rather than buffered by a body parser.
  router.post('/api/v1/packages', uploadGate(limit), async (req, res) => {
    const body = await receiveBounded(req, limit, 'the request body', res);
    if (body.length === 0) throw new VelahubError('EBAD_REQUEST', 'the request body must be the addon .tgz (Content-Type: application/gzip)');
    send(res, await publishArchive(registry, body, req.token));
  });
  // The multipart framing adds a few hundred bytes around the archive.
  router.post('/api/charts', uploadGate(limit + 64 * 1024), async (req, res) => {
    const data = await readChartField(req, res, limit);
    try {
      send(res, await publishArchive(registry, data, req.token));
    } catch (err) {
      // ChartMuseum's ?force overwrites a version; here versions are immutable, and the client is told so.
      if (req.query.force !== undefined && isVelahubError(err, 'ECONFLICT')) {
        throw new VelahubError('ECONFLICT', `${err.message}; ?force (vela addon push --force) is not honoured: published versions never change`, { hint: 'bump the version in metadata.yaml', data: err.data });
      }
      throw err;
    }
  });
  return router;
}

import express, { Router } from 'express';
import busboy from 'busboy';
import { isVelahubError, VelahubError } from '../../../core/errors.ts';
import type { Registry } from '../../registry.ts';
import { publishArchive, type PublishResult } from '../../publish.ts';
import { defaultLimits } from '../../../core/package/files.ts';

/** Reads multipart field `chart` (ChartMuseum's upload) into memory, bounded. */
function readChartField(req: express.Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 1 } });
    } catch {
      return reject(new VelahubError('EBAD_REQUEST', 'expected a multipart/form-data body with the archive in field "chart"'));
    }
    let found: Buffer | undefined;
    bb.on('file', (field, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => reject(new VelahubError('EPACKAGE_TOO_LARGE', `field "chart" exceeds the ${limit}-byte limit`)));
      stream.on('end', () => {
        if (field === 'chart') found = Buffer.concat(chunks);
      });
    });
    bb.on('error', (e: Error) => reject(new VelahubError('EBAD_REQUEST', `malformed multipart body: ${e.message}`)));
    bb.on('close', () => (found ? resolve(found) : reject(new VelahubError('EBAD_REQUEST', 'multipart field "chart" is missing: send the addon .tgz as chart=@file.tgz'))));
    req.pipe(bb);
  });
}

function send(res: express.Response, result: PublishResult, identicalStatus = 200): void {
  res.status(result.status === 'created' ? 201 : identicalStatus).json({ saved: true, ...result });
}

/**
 * Where ChartMuseum clients post (helm-push, used by `vela addon push`):
 * `{context path}/api/{repository path}/charts`, e.g. `/api/charts`,
 * `/cm/api/charts` (`--context-path /cm`) or `/api/team/charts`.
 */
const chartMuseumUpload = /^(?:\/[^/]+)*\/api(?:\/[^/]+)*\/charts\/?$/;

/** POST /api/v1/packages (raw tarball) and ChartMuseum's POST [/CTX]/api[/REPO]/charts (multipart). */
export function publishRoutes(registry: Registry): Router {
  const router = Router();
  const limit = (registry.limits ?? defaultLimits).maxTotalBytes;
  router.post('/api/v1/packages', express.raw({ type: () => true, limit }), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new VelahubError('EBAD_REQUEST', 'the request body must be the addon .tgz (Content-Type: application/gzip)');
    send(res, await publishArchive(registry, req.body, req.token));
  });
  router.post(chartMuseumUpload, async (req, res) => {
    const data = await readChartField(req, limit);
    try {
      // vela addon push reads anything but 201/202 as a failure: an identical re-push is a success there too.
      send(res, await publishArchive(registry, data, req.token), 201);
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

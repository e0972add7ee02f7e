import express, { Router } from 'express';
import { isVelahubError, VelahubError } from '../../../core/errors.ts';
import type { Registry } from '../../registry.ts';
import { publishArchive, type PublishResult } from '../../publish.ts';
import { defaultLimits } from '../../../core/package/files.ts';
import { readChartField, receiveBounded, uploadGate } from '../upload.ts';
import { publishSlots } from '../publish-slots.ts';

function send(res: express.Response, result: PublishResult, identicalStatus = 200): void {
  res.status(result.status === 'created' ? 201 : identicalStatus).json({ saved: true, ...result });
}

/**
 * Where ChartMuseum clients post (helm-push, used by `vela addon push`):
 * `{context path}/api/{repository path}/charts`, e.g. `/api/charts`,
 * `/cm/api/charts` (`--context-path /cm`) or `/api/team/charts`. Not the Helm chart
 * repository's own upload (`/helm/api/charts`) nor velahub's JSON API (`/api/v1/...`).
 */
const chartMuseumUpload = /^(?!\/helm\/|\/api\/v1\/)(?:\/[^/]+)*\/api(?:\/[^/]+)*\/charts\/?$/;

/** POST /api/v1/packages (raw tarball) and ChartMuseum's POST [/CTX]/api[/REPO]/charts (multipart). */
export function publishRoutes(registry: Registry): Router {
  const router = Router();
  const limit = (registry.limits ?? defaultLimits).maxTotalBytes;
  // Each token's uploads wait in their own line (publish-slots.ts): one token cannot queue ahead of everyone.
  const slots = publishSlots();
  // Who may publish is decided from the headers before the body is read (uploadGate), and the
  // body is then streamed through a bounded temp file rather than buffered by a body parser.
  router.post('/api/v1/packages', uploadGate(limit), slots, async (req, res) => {
    const body = await receiveBounded(req, limit, 'the request body');
    if (body.length === 0) throw new VelahubError('EBAD_REQUEST', 'the request body must be the addon .tgz (Content-Type: application/gzip)');
    send(res, await publishArchive(registry, body, req.token));
  });
  // The multipart framing adds a few hundred bytes around the archive.
  router.post(chartMuseumUpload, uploadGate(limit + 64 * 1024), slots, async (req, res) => {
    const data = await readChartField(req, limit, 'the addon .tgz as chart=@file.tgz');
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

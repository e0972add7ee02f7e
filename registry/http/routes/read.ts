import { Router, type Request } from 'express';
import semver from 'semver';
import { VelahubError } from '../../../core/errors.ts';
import { definitionDetail, versionDetail, versionDiff } from '../../api-models.ts';
import type { Registry } from '../../registry.ts';
import { checkDefinitionType } from '../../definition-type-filter.ts';
import { requireAddon, requireDefinition, requireVersion } from '../../lookups.ts';

function page(req: Request): { limit: number; offset: number } {
  const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
  const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new VelahubError('EBAD_REQUEST', `limit ${JSON.stringify(req.query.limit)} is invalid: use an integer from 1 to 100`);
  if (!Number.isInteger(offset) || offset < 0) throw new VelahubError('EBAD_REQUEST', `offset ${JSON.stringify(req.query.offset)} is invalid: use an integer >= 0`);
  return { limit, offset };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Read side: index.yaml, archives, and the JSON API over addons and definitions. */
export function readRoutes(registry: Registry): Router {
  const { store } = registry;
  const router = Router();

  router.get('/index.yaml', async (req, res) => {
    // Served from the per-revision cache: text, gzip and ETag are computed once per catalog change.
    const doc = await registry.indexYaml();
    res.set('Cache-Control', 'public, max-age=30');
    res.set('ETag', doc.etag);
    res.set('Vary', 'Accept-Encoding');
    res.set('X-Catalog-Revision', String(doc.revision));
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
  });

  router.get('/charts/:file', async (req, res) => {
    // A leading v is part of the version as published (KubeVela's catalog writes v1.9.5).
    const m = /^([a-z0-9]+(?:-[a-z0-9]+)*)-(v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\.tgz$/.exec(String(req.params.file));
    if (!m) throw new VelahubError('ENOT_FOUND', `${req.params.file} is not an archive name: expected NAME-VERSION.tgz`);
    const v = await requireVersion(store, m[1]!, m[2]!);
    return sendBlob(res, v.digest);
  });

  const sendBlob = async (res: import('express').Response, digest: string) => {
    const data = await registry.blobs.get(digest);
    if (!data) throw new VelahubError('ENOT_FOUND', `archive ${digest} is missing from the blob store`);
    res.set('ETag', `"${digest}"`);
    res.set('Cache-Control', 'public, max-age=31536000, immutable');
    res.set('Docker-Content-Digest', digest);
    res.type('application/gzip');
    res.send(data);
  };

  router.get('/api/v1/addons', async (req, res) => {
    const type = str(req.query.type);
    checkDefinitionType(type);
    res.json(await store.searchAddons({ text: str(req.query.q), tag: str(req.query.tag), type, ...page(req) }));
  });

  router.get('/api/v1/addons/:name', async (req, res) => {
    res.json(await requireAddon(store, String(req.params.name)));
  });

  router.get('/api/v1/addons/:name/versions/:version', async (req, res) => {
    res.json(versionDetail(await requireVersion(store, String(req.params.name), String(req.params.version))));
  });

  router.get('/api/v1/addons/:name/versions/:version/archive', async (req, res) => {
    const v = await requireVersion(store, String(req.params.name), String(req.params.version));
    return sendBlob(res, v.digest);
  });

  router.get('/api/v1/addons/:name/versions/:version/definitions/:definition', async (req, res) => {
    const v = await requireVersion(store, String(req.params.name), String(req.params.version));
    res.json(definitionDetail(v, requireDefinition(v, String(req.params.definition), str(req.query.type))));
  });

  router.get('/api/v1/addons/:name/diff', async (req, res) => {
    const name = String(req.params.name);
    const from = str(req.query.from);
    const to = str(req.query.to);
    if (!from || !to || !semver.valid(from) || !semver.valid(to)) throw new VelahubError('EBAD_REQUEST', 'pass two versions: ?from=1.0.0&to=2.0.0');
    res.json(versionDiff(name, await requireVersion(store, name, from), await requireVersion(store, name, to)));
  });

  router.get('/api/v1/definitions', async (req, res) => {
    const type = str(req.query.type);
    checkDefinitionType(type);
    res.json(await store.searchDefinitions({ text: str(req.query.q), type, parameter: str(req.query.parameter), ...page(req) }));
  });

  return router;
}

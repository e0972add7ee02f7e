import { Router, type Request } from 'express';
import semver from 'semver';
import { VelahubError } from '../../../core/errors.ts';
import { definitionDetail, versionDetail, versionDiff } from '../../api-models.ts';
import type { Registry } from '../../registry.ts';
import { addonDocument } from '../../read-documents.ts';

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

const definitionTypes = ['component', 'trait', 'policy', 'workflow-step'];

/** Read side: index.yaml, archives, and the JSON API over addons and definitions. */
export function readRoutes(registry: Registry): Router {
  const { store } = registry;
  const router = Router();

  const versionOr404 = async (name: string, version: string) => {
    const v = await store.getVersion(name, version);
    if (!v) {
      const versions = (await store.listVersions(name)).map((x) => x.version);
      throw new VelahubError('ENOT_FOUND', versions.length ? `${name}@${version} not found: available versions are ${versions.join(', ')}` : `addon "${name}" not found`);
    }
    return v;
  };

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
    const v = await versionOr404(m[1]!, m[2]!);
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
    if (type && !definitionTypes.includes(type)) throw new VelahubError('EBAD_REQUEST', `type ${JSON.stringify(type)} is invalid: use one of ${definitionTypes.join(', ')}`);
    res.json(await store.searchAddons({ text: str(req.query.q), tag: str(req.query.tag), type, ...page(req) }));
  });

  router.get('/api/v1/addons/:name', async (req, res) => {
    const name = String(req.params.name);
    const doc = await addonDocument(store, name);
    if (!doc) throw new VelahubError('ENOT_FOUND', `addon "${name}" not found`);
    res.json(doc);
  });

  router.get('/api/v1/addons/:name/versions/:version', async (req, res) => {
    res.json(versionDetail(await versionOr404(String(req.params.name), String(req.params.version))));
  });

  router.get('/api/v1/addons/:name/versions/:version/archive', async (req, res) => {
    const v = await versionOr404(String(req.params.name), String(req.params.version));
    return sendBlob(res, v.digest);
  });

  router.get('/api/v1/addons/:name/versions/:version/definitions/:definition', async (req, res) => {
    const v = await versionOr404(String(req.params.name), String(req.params.version));
    const def = v.manifest.definitions.find((d) => d.name === req.params.definition && (!req.query.type || d.type === req.query.type));
    if (!def) throw new VelahubError('EDEFINITION_NOT_FOUND', `${v.name}@${v.version} has no definition "${req.params.definition}": it provides ${v.manifest.definitions.map((d) => d.name).join(', ') || 'none'}`);
    res.json(definitionDetail(v, def));
  });

  router.get('/api/v1/addons/:name/diff', async (req, res) => {
    const name = String(req.params.name);
    const from = str(req.query.from);
    const to = str(req.query.to);
    if (!from || !to || !semver.valid(from) || !semver.valid(to)) throw new VelahubError('EBAD_REQUEST', 'pass two versions: ?from=1.0.0&to=2.0.0');
    res.json(versionDiff(name, await versionOr404(name, from), await versionOr404(name, to)));
  });

  router.get('/api/v1/definitions', async (req, res) => {
    const type = str(req.query.type);
    if (type && !definitionTypes.includes(type)) throw new VelahubError('EBAD_REQUEST', `type ${JSON.stringify(type)} is invalid: use one of ${definitionTypes.join(', ')}`);
    res.json(await store.searchDefinitions({ text: str(req.query.q), type, parameter: str(req.query.parameter), ...page(req) }));
  });

  return router;
}

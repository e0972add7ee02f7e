import { Router } from 'express';
import semver from 'semver';
import { VelahubError } from '../../../core/errors.ts';
import { definitionDetail, versionDetail, versionDiff } from '../../api-models.ts';
import type { Registry } from '../../registry.ts';
import { checkDefinitionType } from '../../definition-type-filter.ts';
import { requireAddon, requireDefinition, requireVersion } from '../../lookups.ts';
import { pageQuery } from '../page-query.ts';
import { sendArchive, sendIndexDocument } from '../send-documents.ts';

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
    sendIndexDocument(req, res, doc, { 'X-Catalog-Revision': String(doc.revision) });
  });

  router.get('/charts/:file', async (req, res) => {
    // A leading v is part of the version as published (KubeVela's catalog writes v1.9.5).
    const m = /^([a-z0-9]+(?:-[a-z0-9]+)*)-(v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\.tgz$/.exec(String(req.params.file));
    if (!m) throw new VelahubError('ENOT_FOUND', `${req.params.file} is not an archive name: expected NAME-VERSION.tgz`);
    const v = await requireVersion(store, m[1]!, m[2]!);
    await sendArchive(res, registry.blobs, v.digest);
  });

  router.get('/api/v1/addons', async (req, res) => {
    const type = str(req.query.type);
    checkDefinitionType(type);
    res.json(await store.searchAddons({ text: str(req.query.q), tag: str(req.query.tag), type, ...pageQuery(req, 20) }));
  });

  router.get('/api/v1/addons/:name', async (req, res) => {
    res.json(await requireAddon(store, String(req.params.name)));
  });

  router.get('/api/v1/addons/:name/versions/:version', async (req, res) => {
    res.json(versionDetail(await requireVersion(store, String(req.params.name), String(req.params.version))));
  });

  router.get('/api/v1/addons/:name/versions/:version/archive', async (req, res) => {
    const v = await requireVersion(store, String(req.params.name), String(req.params.version));
    await sendArchive(res, registry.blobs, v.digest);
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
    res.json(await store.searchDefinitions({ text: str(req.query.q), type, parameter: str(req.query.parameter), ...pageQuery(req, 20) }));
  });

  return router;
}

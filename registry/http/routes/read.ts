import { Router } from 'express';
import semver from 'semver';
import { VelahubError } from '../../../core/errors.ts';
import { definitionDetail, versionDiff } from '../../api-models.ts';
import type { Registry } from '../../registry.ts';
import { checkDefinitionType } from '../../definition-type-filter.ts';
import { requireDefinition, requireVersion } from '../../lookups.ts';
import { pageQuery } from '../page-query.ts';
import { hotRoutes } from '../hot-documents.ts';
import { prepare, sendPrepared } from '../send-documents.ts';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Read side: the hot documents (index.yaml, archives, addon and version JSON), and the JSON API over addons and definitions. */
export function readRoutes(registry: Registry): Router {
  const { store } = registry;
  const router = Router();

  // The hot documents: the same table (and loaders) the hot-read front answers from.
  for (const hot of hotRoutes) {
    router.get(hot.route, async (req, res) => {
      sendPrepared(req, res, prepare(await hot.load(registry, req.params as Record<string, string>)));
    });
  }

  router.get('/api/v1/addons', async (req, res) => {
    const type = str(req.query.type);
    checkDefinitionType(type);
    res.json(await store.searchAddons({ text: str(req.query.q), tag: str(req.query.tag), type, ...pageQuery(req, 20) }));
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

import { Router } from 'express';
import { storedManifest } from '../../api-models.ts';
import { requireVersion } from '../../lookups.ts';
import type { Registry } from '../../registry.ts';

/**
 * The manifest derived at publish (definitions with their templates and
 * parameter schemas, the addon's parameter schema), with the digest of the
 * archive it came from: an installer holding that archive's verified digest
 * can use it instead of evaluating the archive's CUE again.
 */
export function manifestRoutes(registry: Registry): Router {
  const router = Router();
  router.get('/api/v1/addons/:name/versions/:version/manifest', async (req, res) => {
    const name = String(req.params.name);
    const version = String(req.params.version);
    res.json(storedManifest(await requireVersion(registry.store, name, version)));
  });
  return router;
}

import { Router } from 'express';
import type { AddonManifest } from '../../../core/package/inspect.ts';
import { requireVersion } from '../../lookups.ts';
import type { Registry } from '../../registry.ts';

/** A version's stored manifest as GET /api/v1/addons/:name/versions/:version/manifest returns it. */
export interface StoredManifest {
  name: string;
  version: string;
  /** `sha256:<hex>` of the archive the manifest was derived from. */
  digest: string;
  manifest: AddonManifest;
}

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
    const v = await requireVersion(registry.store, name, version);
    const body: StoredManifest = { name: v.name, version: v.version, digest: v.digest, manifest: v.manifest };
    res.json(body);
  });
  return router;
}

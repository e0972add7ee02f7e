import express, { Router } from 'express';
import { VelahubError } from '../../../core/errors.ts';
import type { Registry } from '../../registry.ts';
import { deprecateVersion, undeprecateVersion } from '../../deprecate.ts';
import { createToken } from '../../tokens.ts';
import { unyankVersion, yankVersion } from '../../yank.ts';
import { requireAdmin } from '../auth.ts';

/** Deprecate/yank (owners of the name or admins) and token management (admins). */
export function adminRoutes(registry: Registry): Router {
  const { store } = registry;
  const router = Router();
  const json = express.json({ limit: '64kb' });

  const target = (req: express.Request) => ({ name: String(req.params.name), version: String(req.params.version) });

  router.put('/api/v1/addons/:name/versions/:version/deprecation', json, async (req, res) => {
    const message = typeof req.body?.message === 'string' ? req.body.message : '';
    res.json(await deprecateVersion(registry, req.token, { ...target(req), message }));
  });

  router.delete('/api/v1/addons/:name/versions/:version/deprecation', async (req, res) => {
    res.json(await undeprecateVersion(registry, req.token, target(req)));
  });

  router.put('/api/v1/addons/:name/versions/:version/yank', json, async (req, res) => {
    const reason = typeof req.body?.reason === 'string' ? req.body.reason : null;
    res.json(await yankVersion(registry, req.token, { ...target(req), reason }));
  });

  router.delete('/api/v1/addons/:name/versions/:version/yank', async (req, res) => {
    res.json(await unyankVersion(registry, req.token, target(req)));
  });

  router.get('/api/v1/whoami', (req, res) => {
    if (!req.token) throw new VelahubError('EUNAUTHORIZED', 'no token sent: send Authorization: Bearer <token>');
    const { id, scope, pattern, description, createdAt } = req.token;
    res.json({ id, scope, pattern, description, createdAt });
  });

  router.get('/api/v1/tokens', requireAdmin, async (_req, res) => {
    res.json({ items: await store.listTokens() });
  });

  router.post('/api/v1/tokens', requireAdmin, json, async (req, res) => {
    const body = (req.body ?? {}) as { scope?: string; pattern?: string; description?: string };
    const { token, record } = await createToken(store, { scope: body.scope ?? '', pattern: body.pattern, description: body.description });
    res.status(201).json({ ...record, token });
  });

  router.delete('/api/v1/tokens/:id', requireAdmin, async (req, res) => {
    if (!(await store.revokeToken(String(req.params.id)))) throw new VelahubError('ENOT_FOUND', `no active token with id ${JSON.stringify(req.params.id)}`);
    res.json({ id: req.params.id, revoked: true });
  });

  return router;
}

import express, { Router } from 'express';
import { VelahubError } from '../../../core/errors.ts';
import type { Registry } from '../../registry.ts';
import { indexEntry } from '../../index-yaml.ts';
import { createToken, mayPublish } from '../../tokens.ts';
import { requireAdmin } from '../auth.ts';

/** Deprecate/yank (owners of the name or admins) and token management (admins). */
export function adminRoutes(registry: Registry): Router {
  const { store } = registry;
  const router = Router();
  const json = express.json({ limit: '64kb' });

  const owned = async (req: express.Request) => {
    const name = String(req.params.name);
    const version = String(req.params.version);
    if (!req.token) throw new VelahubError('EUNAUTHORIZED', 'this needs a token: send Authorization: Bearer <token>');
    if (!mayPublish(req.token, name)) throw new VelahubError('EFORBIDDEN', `token ${req.token.id} may not change "${name}"`);
    const v = await store.getVersion(name, version);
    if (!v) throw new VelahubError('ENOT_FOUND', `${name}@${version} not found`);
    return v;
  };

  router.put('/api/v1/addons/:name/versions/:version/deprecation', json, async (req, res) => {
    const v = await owned(req);
    const message = typeof req.body?.message === 'string' ? req.body.message.trim() : '';
    if (!message) throw new VelahubError('EBAD_REQUEST', 'body must be {"message": "why, and what to use instead"}');
    await store.setDeprecated(v.name, v.version, message, indexEntry({ metadata: v.metadata, manifest: v.manifest, digest: v.digest, createdAt: v.createdAt, deprecated: message }));
    await registry.refreshIndex();
    res.json({ name: v.name, version: v.version, deprecated: message });
  });

  router.delete('/api/v1/addons/:name/versions/:version/deprecation', async (req, res) => {
    const v = await owned(req);
    await store.setDeprecated(v.name, v.version, null, indexEntry({ metadata: v.metadata, manifest: v.manifest, digest: v.digest, createdAt: v.createdAt, deprecated: null }));
    await registry.refreshIndex();
    res.json({ name: v.name, version: v.version, deprecated: null });
  });

  router.put('/api/v1/addons/:name/versions/:version/yank', json, async (req, res) => {
    const v = await owned(req);
    const reason = typeof req.body?.reason === 'string' ? req.body.reason : null;
    await store.setYanked(v.name, v.version, true, reason);
    await registry.refreshIndex();
    res.json({ name: v.name, version: v.version, yanked: true, reason });
  });

  router.delete('/api/v1/addons/:name/versions/:version/yank', async (req, res) => {
    const v = await owned(req);
    await store.setYanked(v.name, v.version, false, null);
    await registry.refreshIndex();
    res.json({ name: v.name, version: v.version, yanked: false });
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

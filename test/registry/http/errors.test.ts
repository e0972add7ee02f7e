/**
 * The JSON error handler: status and hint come from the error catalogue; a throw's
 * own hint wins; errors without a code are a 500 `EINTERNAL`.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { errorCodes } from '../../../core/error-codes.ts';
import { VelahubError } from '../../../core/errors.ts';
import { errorHandler } from '../../../registry/http/errors.ts';

let server: Server;
let base: string;

before(async () => {
  const app = express();
  app.get('/own-hint', () => {
    throw new VelahubError('ENOT_FOUND', 'addon "x" not found', { hint: 'try y' });
  });
  app.get('/default-hint', () => {
    throw new VelahubError('EFORBIDDEN', 'token t may not publish "x"');
  });
  app.get('/busy', () => {
    throw new VelahubError('ECUE_BUSY', 'too many renders');
  });
  app.get('/resolve', () => {
    throw new VelahubError('ERESOLVE', 'no version of "a" satisfies ^2.0.0');
  });
  app.get('/bug', () => {
    throw new TypeError('boom');
  });
  app.post('/json', express.json(), (_req, res) => void res.json({}));
  app.use(errorHandler);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

test("a VelahubError keeps its own hint and gets its code's status", async () => {
  assert.deepEqual(await get('/own-hint').then((r) => [r.status, r.body]), [404, { error: 'addon "x" not found', code: 'ENOT_FOUND', hint: 'try y' }]);
});

test("a VelahubError without a hint gets its code's default hint", async () => {
  const r = await get('/default-hint');
  assert.equal(r.status, 403);
  assert.equal(r.body.code, 'EFORBIDDEN');
  assert.equal(r.body.hint, errorCodes.EFORBIDDEN.hint);
});

test('a 429 says when to retry', async () => {
  const r = await get('/busy');
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '5');
});

test("a body express's parser refuses is a 400 EBAD_REQUEST with its hint", async () => {
  const r = await get('/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'EBAD_REQUEST');
  assert.equal(r.body.hint, errorCodes.EBAD_REQUEST.hint);
});

test('anything else is a 500 EINTERNAL that shows nothing of the error', async () => {
  const r = await get('/bug');
  assert.equal(r.status, 500);
  assert.deepEqual(r.body, { error: 'internal error', code: 'EINTERNAL', hint: errorCodes.EINTERNAL.hint });
});

test("a client's mistake answers its 4xx, not a 500 (ERESOLVE is a 422)", async () => {
  const r = await get('/resolve');
  assert.equal(r.status, 422);
  assert.equal(r.body.code, 'ERESOLVE');
  assert.equal(r.body.hint, errorCodes.ERESOLVE.hint);
});

/**
 * Per-token publish slots over HTTP, against the real server and its token check: a token's
 * uploads past its running slots wait in its own line with their bodies unread, past the
 * line's length they are refused with 429 EPUBLISH_BUSY, and another token is not held up.
 * Uploads are held open by sending only part of their body.
 */
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { defaultPublishSlots } from '../../../registry/http/publish-slots.ts';
import { addonArchive } from '../../support/packages.ts';
import { testServerForFile } from '../../support/file-test-server.ts';

const { srv } = testServerForFile();

/** Starts an upload that declares 1 KiB and sends 10 bytes of it: the server holds it until it is aborted. */
function heldUpload(token: string): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const req = request(`${srv.url}/api/v1/packages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip', 'content-length': 1024 },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  // An aborted upload rejects; only the refused one is awaited.
  response.catch(() => undefined);
  req.write(Buffer.alloc(10));
  return { req, response };
}

test("a token's uploads past its slots wait, past its line are refused with 429 EPUBLISH_BUSY, and other tokens are not held up", { timeout: 30_000 }, async () => {
  const busy = (await srv.token({ scope: 'publish', pattern: 'busy-*' })).secret;
  const other = (await srv.token({ scope: 'publish', pattern: 'other-*' })).secret;
  const { perToken, maxWaiting } = defaultPublishSlots;
  const held = Array.from({ length: perToken + maxWaiting }, () => heldUpload(busy));
  try {
    // Give the server time to take every held upload into a slot or the line.
    await new Promise((r) => setTimeout(r, 500));
    const refused = heldUpload(busy);
    const res = await refused.response;
    assert.equal(res.statusCode, 429);
    assert.equal(res.headers['retry-after'], '5');
    const body = JSON.parse(await new Promise<string>((resolve) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve(text));
    })) as { code: string; error: string };
    assert.equal(body.code, 'EPUBLISH_BUSY');
    assert.match(body.error, new RegExp(`${perToken} publishes in progress and ${maxWaiting} waiting`));
    refused.req.destroy();

    const t0 = performance.now();
    const published = await srv.publish(addonArchive('other-addon', '1.0.0'), other);
    assert.equal(published.status, 201, JSON.stringify(published.body));
    assert.ok(performance.now() - t0 < 5000, `another token waited ${(performance.now() - t0).toFixed(0)} ms`);
  } finally {
    for (const h of held) h.req.destroy();
  }
  // The aborted uploads gave their slots back: the token publishes again.
  await new Promise((r) => setTimeout(r, 300));
  const again = await srv.publish(addonArchive('busy-addon', '1.0.0'), busy);
  assert.equal(again.status, 201, JSON.stringify(again.body));
});

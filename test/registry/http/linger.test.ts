/**
 * An upload refused from its headers (401, 403, 413) reaches a client that keeps sending its
 * body, as Go's HTTP client (`vela addon push`, `helm`) and `curl -T` do: the registry answers,
 * reads and drops what follows for a bounded time and byte count, then closes. Closing at once
 * made the kernel reset the connection and the client saw "broken pipe" instead of the answer.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { before, describe, test } from 'node:test';
import { LINGER } from '../../../registry/http/linger.ts';
import { testServerForFile } from '../../support/file-test-server.ts';

const { srv } = testServerForFile();

interface Outcome {
  /** Everything the server sent back. */
  answer: string;
  /** Body bytes the client managed to write before the connection ended. */
  written: number;
  /** The write error the client saw, if any (EPIPE, ECONNRESET). */
  writeError?: string;
  /** How the connection ended, as the client saw it. */
  ended: 'closed' | 'reset';
}

/**
 * Sends a POST declaring `declared` bytes and writes `toSend` of them in 64 KiB chunks without
 * waiting for the answer (as a client streaming an upload does), then waits for the close.
 */
function streamUpload(path: string, headers: Record<string, string>, declared: number, toSend: number, pauseMs = 0, allowHalfOpen = false): Promise<Outcome> {
  const url = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), allowHalfOpen });
    const chunks: Buffer[] = [];
    let written = 0;
    let writeError: string | undefined;
    let reset = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the connection was still open after 15 s: the lingering close is not bounded'));
    }, 15_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    // A half-open client learns that the server closed only when a write is refused: keep poking.
    if (allowHalfOpen) {
      socket.once('end', () => {
        const poke = setInterval(() => (socket.destroyed ? clearInterval(poke) : socket.write('a')), 100);
        socket.once('close', () => clearInterval(poke));
      });
    }
    socket.on('error', (err: NodeJS.ErrnoException) => {
      writeError ??= err.code;
      if (err.code === 'ECONNRESET') reset = true;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer: Buffer.concat(chunks).toString('utf8'), written, writeError, ended: reset ? 'reset' : 'closed' });
    });
    socket.on('connect', async () => {
      const head = [`POST ${path} HTTP/1.1`, `Host: ${url.host}`, `Content-Length: ${declared}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      socket.write(head);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      while (written < toSend && !socket.destroyed && writeError === undefined) {
        const n = Math.min(chunk.length, toSend - written);
        const ok = socket.write(chunk.subarray(0, n));
        written += n;
        if (!ok) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
    });
  });
}

describe('a refused upload is answered with a lingering close', () => {
  let readToken: string;
  before(async () => {
    readToken = (await srv.token({ scope: 'read' })).secret;
  });

  test('an anonymous client that streams 512 KiB after the headers reads the 401 and its hint', async () => {
    const out = await streamUpload('/api/v1/packages', { 'Content-Type': 'application/gzip' }, 512 * 1024, 512 * 1024, 50);
    assert.match(out.answer, /^HTTP\/1\.1 401 /);
    assert.match(out.answer, /Connection: close/i);
    assert.match(out.answer, /"code":"EUNAUTHORIZED"/);
    assert.match(out.answer, /Authorization: Bearer/);
    assert.equal(out.writeError, undefined, `the client's writes failed (${out.writeError}) before it sent what it had`);
    assert.equal(out.ended, 'closed');
  });

  test('a read token streaming a ChartMuseum push reads the 403', async () => {
    const out = await streamUpload('/api/charts', { Authorization: `Bearer ${readToken}`, 'Content-Type': 'multipart/form-data; boundary=x' }, 256 * 1024, 256 * 1024, 50);
    assert.match(out.answer, /^HTTP\/1\.1 403 /);
    assert.match(out.answer, /"code":"EFORBIDDEN"/);
    assert.equal(out.writeError, undefined);
  });

  test(`the server reads at most ${LINGER.bytes} bytes after refusing: a 48 MiB anonymous body is never read whole`, async () => {
    const declared = 48 * 1024 * 1024;
    const out = await streamUpload('/api/v1/packages', { 'Content-Type': 'application/gzip' }, declared, declared, 50);
    assert.match(out.answer, /^HTTP\/1\.1 401 /, 'the answer still arrived first');
    assert.ok(out.written < 16 * 1024 * 1024, `the client wrote ${out.written} bytes before the server closed`);
  });

  test(`a client that stops sending and never closes is closed by the server after ${LINGER.idleMs} ms idle`, async () => {
    const t0 = Date.now();
    const out = await streamUpload('/api/v1/packages', { 'Content-Type': 'application/gzip' }, 1024 * 1024, 1024, 0, true);
    const took = Date.now() - t0;
    assert.match(out.answer, /^HTTP\/1\.1 401 /);
    assert.ok(took >= LINGER.idleMs - 100 && took < LINGER.totalMs + 2_000, `closed after ${took} ms`);
  });
});

import type { Socket } from 'node:net';
import type { Request, Response } from 'express';

/** How long and how much a refused upload is read (and dropped) after the answer, at most. */
export const LINGER = { totalMs: 5_000, idleMs: 1_000, bytes: 1 << 20 } as const;

/**
 * Closes the connection after an answer sent before the request body was read (401, 403, 413)
 * the way nginx's lingering close does: the answer goes out, our side half-closes, and what the
 * client still sends is read and dropped for a bounded time and byte count before the socket is
 * destroyed. Closing at once would make the kernel answer the unread bytes with a reset, which
 * can reach the client before our answer: `vela addon push` then prints "write: broken pipe"
 * instead of the registry's message. The bounds keep an unauthenticated body from being read whole.
 */
export function lingerAfterAnswer(req: Request, res: Response): void {
  if (!hasUnreadBody(req)) return;
  res.set('Connection', 'close');
  const socket = req.socket as Socket & { destroySoon?: () => void };
  // node's server calls destroySoon() once a `Connection: close` answer is written; this socket's
  // one does the lingering instead.
  socket.destroySoon = () => linger(socket);
}

function hasUnreadBody(req: Request): boolean {
  if (req.complete) return false;
  const length = Number(req.get('content-length') ?? 0);
  return length > 0 || req.get('transfer-encoding') !== undefined;
}

function linger(socket: Socket): void {
  if (socket.destroyed) return;
  let read = 0;
  let idle: NodeJS.Timeout | undefined;
  const done = (): void => {
    clearTimeout(total);
    clearTimeout(idle);
    socket.destroy();
  };
  const total = setTimeout(done, LINGER.totalMs);
  const rearm = (): void => {
    clearTimeout(idle);
    idle = setTimeout(done, LINGER.idleMs);
  };
  // The answer is flushed before the FIN; the server's socket allows half-open, so reads go on.
  socket.end();
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER.bytes) done();
    else rearm();
  });
  socket.once('end', done);
  socket.once('close', () => {
    clearTimeout(total);
    clearTimeout(idle);
  });
  rearm();
  socket.resume();
}

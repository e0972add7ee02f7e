import type { RequestHandler } from 'express';
import { VelahubError } from '../../core/errors.ts';

/** How many publishes one token may have running and waiting. */
export interface PublishSlotLimits {
  /** Publishes of one token evaluated at once. */
  perToken: number;
  /** Publishes of one token waiting for one of its slots; past that, 429 EPUBLISH_BUSY. */
  maxWaiting: number;
}

/** Two at once per token: a client may pipeline its uploads; a CI job publishing many addons waits its turn. */
export const defaultPublishSlots: PublishSlotLimits = { perToken: 2, maxWaiting: 32 };

/**
 * Gives each token its own publish slots: past `perToken` its uploads wait in its own line,
 * bodies unread (so they cost no memory), and past `maxWaiting` they are refused with
 * EPUBLISH_BUSY (HTTP 429 + Retry-After). Other tokens never wait in that line: one token's
 * burst of uploads cannot fill the evaluator's queue ahead of everyone else. Runs after
 * `uploadGate`, which has checked that there is a token.
 */
export function publishSlots(limits: PublishSlotLimits = defaultPublishSlots): RequestHandler {
  const tokens = new Map<string, { running: number; waiting: Array<() => void> }>();
  return (req, res, next) => {
    const id = req.token!.id;
    let line = tokens.get(id);
    if (!line) tokens.set(id, (line = { running: 0, waiting: [] }));
    const own = line;
    const release = () => {
      // The slot passes straight to the next waiter, so `running` never dips while uploads wait.
      const waiter = own.waiting.shift();
      if (waiter) waiter();
      else if (--own.running === 0) tokens.delete(id);
    };
    // 'close' fires once whether the answer was sent or the client went away.
    const start = () => {
      res.once('close', release);
      next();
    };
    if (own.running < limits.perToken) {
      own.running++;
      start();
      return;
    }
    if (own.waiting.length >= limits.maxWaiting) {
      // The body is not read: close the connection rather than drain it.
      res.set('Connection', 'close');
      next(new VelahubError('EPUBLISH_BUSY', `token ${id} already has ${own.running} publishes in progress and ${own.waiting.length} waiting`, { hint: 'wait for them to be answered, then publish again' }));
      return;
    }
    own.waiting.push(start);
    // A client that gives up while waiting leaves the line.
    res.once('close', () => {
      const i = own.waiting.indexOf(start);
      if (i >= 0) own.waiting.splice(i, 1);
    });
  };
}

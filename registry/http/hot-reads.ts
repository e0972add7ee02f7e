import { LRUCache } from 'lru-cache';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { isVelahubError } from '../../core/errors.ts';
import type { Registry } from '../registry.ts';
import { matchHotRoute, type HotRoute } from './hot-documents.ts';
import { answer, prepare, type Prepared } from './send-documents.ts';

/** Options of the hot-read layer. */
export interface HotReadsOptions {
  registry: Registry;
  logger?: Logger;
  /** Bytes of archives kept in memory (least recently used go first); default 64 MiB. */
  archiveCacheBytes?: number;
  /** JSON documents kept per catalog revision; default 10,000. */
  jsonCacheEntries?: number;
  /** How often the request counts are logged (ms); default 60,000. */
  logEveryMs?: number;
  /** A private registry: every request goes to express, which asks for a token. */
  private?: boolean;
}

/** The layer in front of the express app; `handle` answers or hands the request on. */
export interface HotReads {
  /** Serves the request from prepared bytes when it can; otherwise calls `next` (the express app). */
  handle(req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void): void;
  /** Counts the requests this layer answers in the app's request counter (route labels as express names them). */
  countRequests(requests: Counter<'method' | 'route' | 'status'>): void;
  close(): void;
}

/**
 * The hot reads — the URLs of the hot-document table (hot-documents.ts, which express serves
 * from too): index.yaml, archives, an addon's and a version's JSON — served by plain
 * node:http from bytes prepared once per catalog change (identity and gzip, strong ETag), in front
 * of the express app that keeps everything else. A request costs a map lookup: If-None-Match is
 * answered from the prepared ETag before anything touches the database, and nothing is rebuilt
 * until the catalog revision moves (LISTEN/NOTIFY from any replica, or this replica's own write).
 * Requests with a query string or an Authorization header, other methods, and anything not found
 * go to express, which owns validation, auth and error documents. Archives are immutable and stay
 * cached across revisions (least recently used out first); JSON and index.yaml are dropped on
 * every change. Requests are counted in the app's velahub_http_requests_total, added once a
 * second (no latency histogram: the answer is a write from memory), and logged as a periodic
 * summary, not a line each.
 */
export function createHotReads(options: HotReadsOptions): HotReads {
  const { registry } = options;
  const archiveBudget = Math.max(1, Math.floor(options.archiveCacheBytes ?? 64 * 1024 * 1024));
  const jsonLimit = options.jsonCacheEntries ?? 10_000;
  let revision = registry.catalog.revision;
  let byRevision = new Map<string, Prepared>();
  // Bounded by bytes, not entries; one archive may take at most a quarter of the budget.
  const archives = new LRUCache<string, Prepared>({ maxSize: archiveBudget, maxEntrySize: Math.max(1, Math.floor(archiveBudget / 4)), sizeCalculation: (p) => p.identity.length + (p.gzip?.length ?? 0) });
  const pending = new Map<string, Promise<Prepared>>();
  // Counting costs an increment per request: one slot per method, route and outcome, made on
  // first use; the slots are added to the app's Prometheus counter once a second, not per request,
  // because a labelled inc (it hashes the labels) is a sizeable share of what a 304 costs here.
  interface Slot {
    key: string;
    labels: { method: string; route: string; status: string };
    n: number;
    flushed: number;
    logged: number;
    /** False for requests handed to express, which counts them itself. */
    prometheus: boolean;
  }
  const slots = new Map<string, Slot>();
  let requests: Counter<'method' | 'route' | 'status'> | undefined;
  const count = (method: string, route: string, outcome: string): void => {
    const key = `${method} ${route} ${outcome}`;
    let slot = slots.get(key);
    if (!slot) slots.set(key, (slot = { key, labels: { method, route, status: outcome.slice(0, 3) }, n: 0, flushed: 0, logged: 0, prometheus: /^\d{3}/.test(outcome) }));
    slot.n++;
  };
  const flush = (): void => {
    if (!requests) return;
    for (const slot of slots.values()) {
      if (slot.prometheus && slot.n > slot.flushed) requests.inc(slot.labels, slot.n - slot.flushed);
      slot.flushed = slot.n;
    }
  };
  const flusher = setInterval(flush, 1000);
  flusher.unref();

  const unsubscribe = registry.catalog.onChange(() => {
    // Drop, don't rebuild: the next request of each path prepares it once.
    byRevision = new Map();
    revision = registry.catalog.revision;
  });

  const lookup = (hot: HotRoute, path: string): Prepared | undefined => (hot.cache === 'immutable' ? archives.get(path) : byRevision.get(path));

  const store = (hot: HotRoute, path: string, prepared: Prepared, builtAt: number): void => {
    if (hot.cache === 'immutable') {
      archives.set(path, prepared);
      return;
    }
    // Built for an older revision than the current one: serve it to those who asked, keep nothing.
    if (builtAt !== revision) return;
    if (byRevision.size >= jsonLimit) byRevision = new Map();
    byRevision.set(path, prepared);
  };

  const send = (req: IncomingMessage, res: ServerResponse, route: string, p: Prepared): void => {
    const a = answer(req, p);
    count(req.method!, route, a.outcome);
    res.writeHead(a.status, a.headers);
    res.end(a.body);
  };

  const logger = options.logger;
  const timer = setInterval(() => {
    const delta = [...slots.values()].filter((slot) => slot.n > slot.logged);
    if (delta.length === 0 || !logger) return;
    logger.info({ hotReads: Object.fromEntries(delta.map((slot) => [slot.key, slot.n - slot.logged])), revision, cachedJson: byRevision.size, cachedArchiveBytes: archives.calculatedSize }, 'hot reads since the last summary');
    for (const slot of delta) slot.logged = slot.n;
  }, options.logEveryMs ?? 60_000);
  timer.unref();

  return {
    handle(req, res, next) {
      const url = req.url ?? '/';
      if (options.private || (req.method !== 'GET' && req.method !== 'HEAD') || url.includes('?') || req.headers.authorization !== undefined) return next(req, res);
      const match = matchHotRoute(url);
      if (!match) return next(req, res);
      const { hot } = match;
      const hit = lookup(hot, url);
      if (hit) return send(req, res, hot.route, hit);
      // Concurrent misses of one path share one preparation — of this revision: a request arriving
      // after a change must not join a job reading the catalog as it was before.
      const at = revision;
      const key = hot.cache === 'immutable' ? url : `${at} ${url}`;
      let job = pending.get(key);
      if (!job) {
        job = hot.load(registry, match.params).then(prepare).finally(() => pending.delete(key));
        pending.set(key, job);
      }
      job.then(
        (prepared) => {
          store(hot, url, prepared, at);
          send(req, res, hot.route, prepared);
        },
        (err: Error) => {
          // Not found (or not an addon name at all): express writes the error document.
          if (isVelahubError(err)) count(req.method!, hot.route, 'passed to the app');
          else logger?.error({ err, path: url }, 'hot read failed; answered by the app');
          next(req, res);
        },
      );
    },
    countRequests(counter) {
      requests = counter;
    },
    close() {
      flush();
      clearInterval(timer);
      clearInterval(flusher);
      unsubscribe();
    },
  };
}

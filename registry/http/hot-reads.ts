import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { versionDetail } from '../api-models.ts';
import { addonDocument } from '../read-documents.ts';
import type { Registry } from '../registry.ts';

/**
 * A response prepared once: both encodings and every header, as flat arrays for writeHead, so
 * serving it is a lookup and a write.
 */
interface Prepared {
  etag: string;
  identity: Buffer;
  gzip?: Buffer;
  /** Headers of a 200 without and with gzip, and of a 304. */
  plain: string[];
  zipped?: string[];
  notModified: string[];
}

/** Which cache a path belongs to: per catalog revision, or immutable (archives). */
type Kind = 'index' | 'archive' | 'json';

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
}

/** The layer in front of the express app; `handle` answers or hands the request on. */
export interface HotReads {
  /** Serves the request from prepared bytes when it can; otherwise calls `next` (the express app). */
  handle(req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void): void;
  /** Counts the requests this layer answers in the app's request counter (route labels as express names them). */
  countRequests(requests: Counter<'method' | 'route' | 'status'>): void;
  close(): void;
}

const chartFile = /^\/charts\/([a-z0-9]+(?:-[a-z0-9]+)*)-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\.tgz$/;
const apiAddon = /^\/api\/v1\/addons\/([^/]+)$/;
const apiVersion = /^\/api\/v1\/addons\/([^/]+)\/versions\/([^/]+)$/;
const apiArchive = /^\/api\/v1\/addons\/([^/]+)\/versions\/([^/]+)\/archive$/;

/** Responses under this size are not worth compressing (compression's own threshold). */
const gzipThreshold = 1024;

function prepare(body: Buffer, contentType: string, etag: string, cacheControl: string | undefined, extra: string[] = [], gzip?: Buffer): Prepared {
  const common = ['ETag', etag, ...(cacheControl ? ['Cache-Control', cacheControl] : []), ...extra];
  const zipped = gzip ?? (body.length >= gzipThreshold && /json|yaml/.test(contentType) ? gzipSync(body) : undefined);
  const vary = zipped ? ['Vary', 'Accept-Encoding'] : [];
  return {
    etag,
    identity: body,
    gzip: zipped,
    plain: ['Content-Type', contentType, 'Content-Length', String(body.length), ...common, ...vary],
    zipped: zipped && ['Content-Type', contentType, 'Content-Encoding', 'gzip', 'Content-Length', String(zipped.length), ...common, ...vary],
    notModified: [...common, ...vary],
  };
}

/** True when If-None-Match lists this ETag (weak comparison, as RFC 9110 asks for GET) or is `*`. */
function matches(header: string, etag: string): boolean {
  if (header === etag || header === '*') return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === etag || tag === `W/${etag}` || tag === '*') return true;
  }
  return false;
}

/** True when Accept-Encoding allows gzip (not `gzip;q=0`). */
function acceptsGzip(header: string | undefined): boolean {
  if (!header || !header.includes('gzip')) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (coding!.trim().toLowerCase() !== 'gzip') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * The hot reads — index.yaml, archives, an addon's and a version's JSON — served by plain
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
  const pending = new Map<string, Promise<Prepared | undefined>>();
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

  const produce = async (kind: Kind, path: string, m: RegExpExecArray | null): Promise<Prepared | undefined> => {
    if (kind === 'index') {
      const doc = await registry.indexYaml();
      return prepare(Buffer.from(doc.text), 'application/x-yaml', doc.etag, 'public, max-age=30', ['X-Catalog-Revision', String(doc.revision)], doc.gzip);
    }
    if (kind === 'archive') {
      const v = await registry.store.getVersion(decodeURIComponent(m![1]!), decodeURIComponent(m![2]!));
      const data = v && (await registry.blobs.get(v.digest));
      if (!v || !data) return undefined;
      return prepare(data, 'application/gzip', `"${v.digest}"`, 'public, max-age=31536000, immutable', ['Docker-Content-Digest', v.digest]);
    }
    const name = decodeURIComponent(m![1]!);
    const doc = path.includes('/versions/') ? await registry.store.getVersion(name, decodeURIComponent(m![2]!)).then((v) => v && versionDetail(v)) : await addonDocument(registry.store, name);
    if (!doc) return undefined;
    const body = Buffer.from(JSON.stringify(doc));
    return prepare(body, 'application/json; charset=utf-8', `"${createHash('sha256').update(body).digest('base64url')}"`, undefined);
  };

  const lookup = (kind: Kind, path: string): Prepared | undefined => {
    return kind === 'archive' ? archives.get(path) : byRevision.get(path);
  };

  const store = (kind: Kind, path: string, prepared: Prepared, builtAt: number): void => {
    if (kind !== 'archive') {
      // Built for an older revision than the current one: serve it to those who asked, keep nothing.
      if (builtAt !== revision) return;
      if (byRevision.size >= jsonLimit) byRevision = new Map();
      byRevision.set(path, prepared);
      return;
    }
    archives.set(path, prepared);
  };

  const send = (req: IncomingMessage, res: ServerResponse, route: string, p: Prepared): void => {
    const inm = req.headers['if-none-match'];
    if (inm !== undefined && matches(inm, p.etag)) {
      count(req.method!, route, '304');
      res.writeHead(304, p.notModified);
      res.end();
      return;
    }
    const zipped = p.gzip !== undefined && acceptsGzip(req.headers['accept-encoding']);
    count(req.method!, route, zipped ? '200 gzip' : '200');
    res.writeHead(200, zipped ? p.zipped! : p.plain);
    if (req.method === 'HEAD') res.end();
    else res.end(zipped ? p.gzip : p.identity);
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
      if ((req.method !== 'GET' && req.method !== 'HEAD') || url.includes('?') || req.headers.authorization !== undefined) return next(req, res);
      let kind: Kind;
      let route: string;
      let m: RegExpExecArray | null = null;
      // Route labels as the express routes name them, so /metrics reads the same either way.
      if (url === '/index.yaml') [kind, route] = ['index', '/index.yaml'];
      else if ((m = chartFile.exec(url))) [kind, route] = ['archive', '/charts/:file'];
      else if ((m = apiArchive.exec(url))) [kind, route] = ['archive', '/api/v1/addons/:name/versions/:version/archive'];
      else if ((m = apiVersion.exec(url))) [kind, route] = ['json', '/api/v1/addons/:name/versions/:version'];
      else if ((m = apiAddon.exec(url))) [kind, route] = ['json', '/api/v1/addons/:name'];
      else return next(req, res);
      const hit = lookup(kind, url);
      if (hit) return send(req, res, route, hit);
      // Concurrent misses of one path share one preparation — of this revision: a request arriving
      // after a change must not join a job reading the catalog as it was before.
      const at = revision;
      const key = kind === 'archive' ? url : `${at} ${url}`;
      let job = pending.get(key);
      if (!job) {
        job = produce(kind, url, m).finally(() => pending.delete(key));
        pending.set(key, job);
      }
      job.then(
        (prepared) => {
          if (!prepared) {
            // Not found (or not an addon name at all): express writes the error document.
            count(req.method!, route, 'passed to the app');
            return next(req, res);
          }
          store(kind, url, prepared, at);
          send(req, res, route, prepared);
        },
        (err: Error) => {
          logger?.error({ err, path: url }, 'hot read failed; answered by the app');
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

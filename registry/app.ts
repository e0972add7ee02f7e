import express, { type Express } from 'express';
import compression from 'compression';
import { pino, type Logger } from 'pino';
import { Registry as Metrics, collectDefaultMetrics, Counter, Histogram } from 'prom-client';
import type { Registry } from './registry.ts';
import { authenticate, requireToken } from './http/auth.ts';
import { errorHandler } from './http/errors.ts';
import { publishRoutes } from './http/routes/publish.ts';
import { readRoutes } from './http/routes/read.ts';
import { manifestRoutes } from './http/routes/manifest.ts';
import { adminRoutes } from './http/routes/admin.ts';
import { renderRoutes } from './http/routes/render.ts';
import { docsRoutes } from './web/routes.ts';
import { chartRoutes } from './charts/chart-routes.ts';
import { chartPageRoutes } from './charts/chart-pages.ts';
import { ociRoutes } from './oci/oci-routes.ts';
import { VelahubError } from '../core/errors.ts';

/** What the HTTP app needs; it never listens by itself (tests mount it on a free port). */
export interface AppDeps {
  registry: Registry;
  logger?: Logger;
  /** Hands the request counter to what answers requests in front of the app (the hot-read layer), so /metrics counts those too. */
  countRequests?: (requests: Counter<'method' | 'route' | 'status'>) => void;
  /** One more header that may carry a token (`--auth-header`), besides Authorization. */
  authHeader?: string;
  /** Every read needs a token (`--private`); the probes and /metrics stay open. */
  private?: boolean;
}

/**
 * Builds the registry's express app: health, metrics, index.yaml, archives,
 * the JSON API and publishing, with strong ETags, gzip and JSON errors.
 */
export function createApp({ registry, logger = pino({ level: 'silent' }), countRequests, authHeader, private: privateReads = false }: AppDeps): Express {
  const app = express();
  app.set('etag', 'strong');
  app.set('x-powered-by', false);
  app.set('query parser', 'simple');

  const metrics = new Metrics();
  collectDefaultMetrics({ register: metrics });
  const requests = new Counter({ name: 'velahub_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [metrics] });
  countRequests?.(requests);
  const latency = new Histogram({ name: 'velahub_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], registers: [metrics], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30] });

  app.use((req, res, next) => {
    // JSON, archives and index.yaml are never to be sniffed into HTML or script by a browser.
    res.set('X-Content-Type-Options', 'nosniff');
    const started = process.hrtime.bigint();
    req.log = logger;
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The OCI API dispatches by pattern, not by express route: it names its route in res.locals.
      const route = (req.route?.path as string | undefined) ?? (res.locals.route as string | undefined) ?? 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      latency.observe({ method: req.method, route }, seconds);
      logger.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  });
  // index.yaml (application/x-yaml) is the largest, hottest response: compress it too.
  // Not the OCI API: its clients check Content-Length and digests against the bytes as stored.
  app.use(compression({ filter: (req, res) => !req.path.startsWith('/v2/') && (/yaml/i.test(String(res.getHeader('Content-Type') ?? '')) || compression.filter(req, res)) }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await registry.store.catalogRevision();
      res.json({ status: 'ready', database: registry.store.db.backend });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', error: (err as Error).message });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  // The OCI API authenticates itself and answers in its own error format (private registries included).
  app.use(ociRoutes(registry, { privateReads, authHeader }));
  app.use(authenticate(registry.store, { authHeader }));
  if (privateReads) app.use(requireToken);
  app.use(publishRoutes(registry));
  app.use(readRoutes(registry));
  app.use(manifestRoutes(registry));
  app.use(adminRoutes(registry));
  app.use(renderRoutes(registry));
  app.use(chartRoutes(registry));
  app.use(chartPageRoutes(registry));
  app.use(docsRoutes(registry));
  app.use((req, _res, next) => next(new VelahubError('ENOT_FOUND', `no route for ${req.method} ${req.path}`, { hint: 'the API is described in schemas/velahub-api.openapi.yaml; search is GET /api/v1/addons?q=TEXT or /api/v1/definitions?parameter=NAME' })));
  app.use(errorHandler);
  return app;
}

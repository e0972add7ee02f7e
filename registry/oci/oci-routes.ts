import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Registry } from '../registry.ts';
import { authenticate } from '../http/auth.ts';
import { blobHandlers, ContentCache } from './blob-routes.ts';
import { manifestHandlers } from './manifest-routes.ts';
import { requireAccess, setChallenge, tokenEndpoint } from './oci-auth.ts';
import { OciError, ociErrorHandler } from './oci-errors.ts';

/** `/v2/<repo>/<what>`: the repository (it may hold slashes) and the rest of the path. */
const repoPath = /^\/v2\/(.+?)\/(blobs\/uploads\/?([^/]*)|blobs\/([^/]+)|manifests\/([^/]+)|tags\/list|referrers\/([^/]+))$/;

type Handler = (req: Request, res: Response, repo: string, ref: string) => Promise<void>;

/** Each kind of OCI path as /metrics labels it (the repository and references as parameters). */
const routeLabels: Record<string, string> = {
  upload: '/v2/:repo/blobs/uploads/',
  session: '/v2/:repo/blobs/uploads/:id',
  blob: '/v2/:repo/blobs/:digest',
  manifest: '/v2/:repo/manifests/:reference',
  tags: '/v2/:repo/tags/list',
  referrers: '/v2/:repo/referrers/:digest',
};

/**
 * The OCI Distribution API (v1.1) under `/v2/`, for charts and what points at them: pull, push
 * (monolithic, chunked, streamed, mounted), tags, referrers and admin deletes, with the token
 * flow at `/v2/token`. Mounted before the app's own authentication so that every refusal under
 * `/v2/` — a bad token included — is the spec's error body with a Bearer challenge.
 */
export function ociRoutes(registry: Registry, opts: { privateReads: boolean; authHeader?: string }): Router {
  const router = Router();
  const content = new ContentCache(registry.blobs);
  const blobs = blobHandlers(registry, opts.privateReads, content);
  const manifests = manifestHandlers(registry, opts.privateReads, content);
  const v2 = Router();
  v2.use((req, res, next) => {
    res.set('Docker-Distribution-API-Version', 'registry/2.0');
    // A bad token under /v2/ is refused with the OCI body and a challenge to get a good one.
    setChallenge(req, res);
    next();
  });
  v2.use(authenticate(registry.store, { authHeader: opts.authHeader }));
  v2.get('/', (req, res) => {
    requireAccess(req, res, { action: 'pull', privateReads: opts.privateReads });
    res.json({});
  });
  v2.get('/token', tokenEndpoint(registry.store, opts.privateReads));

  const table: Record<string, Partial<Record<string, Handler>>> = {
    upload: { POST: (req, res, repo) => blobs.start(req, res, repo) },
    session: { GET: blobs.status, PATCH: blobs.patch, PUT: blobs.finish, DELETE: blobs.cancel },
    blob: { GET: blobs.get, HEAD: blobs.get, DELETE: blobs.delete },
    manifest: { GET: manifests.get, HEAD: manifests.get, PUT: manifests.put, DELETE: manifests.delete },
    tags: { GET: (req, res, repo) => manifests.tags(req, res, repo) },
    referrers: { GET: manifests.referrers },
  };
  const dispatch: RequestHandler = async (req, res, next) => {
    const m = repoPath.exec(`/v2${req.path}`);
    if (!m) return next();
    const [, repo, rest, session, blob, manifest, subject] = m;
    const [kind, ref] =
      session !== undefined ? (session === '' ? ['upload', ''] : ['session', session]) : blob !== undefined ? ['blob', blob] : manifest !== undefined ? ['manifest', manifest] : subject !== undefined ? ['referrers', subject] : rest === 'tags/list' ? ['tags', ''] : ['', ''];
    res.locals.route = routeLabels[kind!];
    const handler = table[kind!]?.[req.method];
    if (!handler) throw new OciError('UNSUPPORTED', 405, `${req.method} is not a method of ${req.path}`);
    await handler(req, res, decodeURIComponent(repo!), decodeURIComponent(ref!));
  };
  v2.use(dispatch);
  v2.use((req, _res, next) => next(new OciError('NAME_UNKNOWN', 404, `no OCI API at ${req.method} /v2${req.path}: repositories are /v2/charts/NAME/{manifests,blobs,tags,referrers}/…`)));
  v2.use(ociErrorHandler);
  router.use('/v2', v2);
  return router;
}

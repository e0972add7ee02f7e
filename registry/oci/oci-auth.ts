import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { chartNamePattern } from '../../core/chart/chart-yaml.ts';
import type { MetadataStore } from '../store/metadata-store.ts';
import type { TokenRecord } from '../store/records.ts';
import { requestBaseUrl } from '../http/page-query.ts';
import { mayPublish } from '../tokens.ts';
import { OciError } from './oci-errors.ts';

/**
 * The Docker/OCI token flow over velahub's tokens: a client refused with
 * `WWW-Authenticate: Bearer realm=…/v2/token,service=…,scope=…` asks the token endpoint with
 * HTTP Basic (any user, a velahub token as password), gets a short-lived bearer token naming that
 * velahub token, and sends it. What the bearer token may do is decided on every request from the
 * velahub token it names (scope, pattern, revocation), never from the scope asked for, so it can
 * do no more than its token. Anonymous clients of a public registry get an anonymous one (pull).
 */

/** Issued bearer tokens start with this, so authenticate() tells them from velahub tokens. */
const issuedPrefix = 'vhoci.';
/** How long an issued bearer token lives (clients ask again on a 401). */
export const issuedTokenSeconds = 300;

function sign(payload: string, pepper: Uint8Array): string {
  // Domain-separated from token hashes, which use the same pepper.
  return createHmac('sha256', pepper).update(`velahub-oci-bearer\0${payload}`).digest('base64url');
}

/** A bearer token for `token` (or anonymous), valid for {@link issuedTokenSeconds}. */
export function issueBearerToken(token: TokenRecord | undefined, pepper: Uint8Array, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ t: token?.id ?? null, exp: Math.floor(now / 1000) + issuedTokenSeconds })).toString('base64url');
  return `${issuedPrefix}${payload}.${sign(payload, pepper)}`;
}

/** True when a secret is a bearer token this registry issued (not a velahub token). */
export function isIssuedToken(secret: string): boolean {
  return secret.startsWith(issuedPrefix);
}

/**
 * The velahub token id an issued bearer token names (null: anonymous), or a reason it is not
 * accepted (forged, malformed, expired).
 */
export function verifyBearerToken(secret: string, pepper: Uint8Array, now = Date.now()): { tokenId: string | null } | { refused: string } {
  const [payload, signature] = secret.slice(issuedPrefix.length).split('.');
  if (!payload || !signature) return { refused: 'the bearer token is malformed' };
  const expected = Buffer.from(sign(payload, pepper));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { refused: 'the bearer token was not issued by this registry' };
  let claims: { t?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t?: unknown; exp?: unknown };
  } catch {
    return { refused: 'the bearer token is malformed' };
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < now) return { refused: 'the bearer token expired: ask the token endpoint for a new one' };
  return { tokenId: typeof claims.t === 'string' ? claims.t : null };
}

/** The OCI repositories velahub holds: `charts/NAME`, NAME a chart name. */
export const repoPattern = /^charts\/([a-z0-9]+(?:-[a-z0-9]+)*)$/;

/** The chart name of a repository, or NAME_INVALID naming what repositories there are. */
export function chartNameOfRepo(repo: string): string {
  const m = repoPattern.exec(repo);
  if (!m || !chartNamePattern.test(m[1]!)) {
    throw new OciError('NAME_INVALID', 400, `repository ${JSON.stringify(repo)} is not one velahub holds: repositories are charts/NAME, NAME a chart name (lowercase letters and digits separated by dashes)`);
  }
  return m[1]!;
}

/** Leaves on the response the Bearer challenge a 401 will carry: this registry's token endpoint, and the scope asked for. */
export function setChallenge(req: Request, res: Response, scope?: string): void {
  res.locals.ociChallenge = { realm: `${requestBaseUrl(req)}/v2/token`, service: req.get('host') ?? 'velahub', ...(scope ? { scope } : {}) };
}

/** What a request does to a repository. */
export type OciAction = 'pull' | 'push' | 'delete';

/**
 * Checks that the caller may do `action` on `repo` (pull: anyone on a public registry, any
 * token on a private one; push: a publish token whose pattern covers the chart name, or admin;
 * delete: admin), and leaves the Bearer challenge for a 401 on the response.
 */
export function requireAccess(req: Request, res: Response, opts: { repo?: string; action: OciAction; privateReads: boolean }): void {
  setChallenge(req, res, opts.repo ? `repository:${opts.repo}:${opts.action === 'push' ? 'pull,push' : opts.action}` : undefined);
  const token = req.token;
  if (opts.action === 'pull') {
    if (token || !opts.privateReads) return;
    throw new OciError('UNAUTHORIZED', 401, `this registry is private: pulling ${opts.repo ?? 'from it'} needs a token of read scope or higher`, { hint: 'helm registry login HOST -u velahub -p TOKEN; an admin creates one with `velahub token create --scope read`' });
  }
  const what = opts.action === 'push' ? `pushing to ${opts.repo}` : `deleting from ${opts.repo}`;
  if (!token) throw new OciError('UNAUTHORIZED', 401, `${what} needs a token`, { hint: 'helm registry login HOST -u velahub -p TOKEN (a publish token: `velahub token create --scope publish --pattern NAME`)' });
  if (opts.action === 'delete') {
    if (token.scope !== 'admin') throw new OciError('DENIED', 403, `token ${token.id} has scope ${token.scope}: ${what} needs an admin token`);
    return;
  }
  const name = chartNameOfRepo(opts.repo!);
  if (!mayPublish(token, name)) throw new OciError('DENIED', 403, `token ${token.id} (${token.scope}${token.pattern ? ` ${token.pattern}` : ''}) may not push chart "${name}"`, { hint: 'use a token whose pattern covers this name' });
}

/**
 * GET /v2/token: answers HTTP Basic (or Bearer) with a velahub token with a bearer token for it;
 * an anonymous caller gets an anonymous one on a public registry and a 401 on a private one.
 */
export function tokenEndpoint(store: MetadataStore, privateReads: boolean): RequestHandler {
  return (req, res) => {
    if (!req.token && privateReads) {
      res.set('WWW-Authenticate', 'Basic realm="velahub", charset="UTF-8"');
      throw new OciError('UNAUTHORIZED', 401, 'this registry is private: ask for a token with HTTP Basic, any user name and a velahub token as password');
    }
    const token = issueBearerToken(req.token, store.tokenPepper);
    res.set('Cache-Control', 'no-store');
    res.json({ token, access_token: token, expires_in: issuedTokenSeconds, issued_at: new Date().toISOString() });
  };
}

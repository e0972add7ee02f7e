import type { RequestHandler } from 'express';
import { VelahubError } from '../../core/errors.ts';
import type { MetadataStore } from '../store/metadata-store.ts';
import type { TokenRecord } from '../store/records.ts';
import { isIssuedToken, verifyBearerToken } from '../oci/oci-auth.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller's token, when it sent a valid one. */
    token?: TokenRecord;
    log?: { info: (o: object, m?: string) => void; error: (o: object, m?: string) => void };
  }
}

/**
 * Reads `Authorization: Bearer <token>` (or Basic, whose password is the
 * token, as ChartMuseum clients send it) and attaches the token record.
 * `authHeader` names one more header that may carry the token, raw or as
 * `Bearer <token>` (what `vela addon push --auth-header NAME` sends).
 * An unknown or revoked token is refused outright rather than treated as anonymous. A bearer
 * token of the OCI token flow (registry/oci/oci-auth.ts) stands for the token it names.
 */
export function authenticate(store: MetadataStore, options: { authHeader?: string } = {}): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    const custom = options.authHeader ? req.get(options.authHeader) : undefined;
    if (!header && !custom) return next();
    let secret: string | undefined;
    if (header) {
      const [scheme, value] = header.split(/\s+/, 2);
      if (/^bearer$/i.test(scheme ?? '')) secret = value;
      else if (/^basic$/i.test(scheme ?? '') && value) secret = Buffer.from(value, 'base64').toString('utf8').split(':').slice(1).join(':');
      if (!secret) return next(new VelahubError('EUNAUTHORIZED', 'the Authorization header must be "Bearer <token>" or Basic with the token as password'));
    } else {
      secret = custom!.trim().replace(/^bearer\s+/i, '');
      if (!secret) return next(new VelahubError('EUNAUTHORIZED', `the ${options.authHeader} header is empty: send the token in it`));
    }
    if (isIssuedToken(secret)) {
      // A bearer token of the OCI token flow: it names a velahub token (or none: anonymous).
      const issued = verifyBearerToken(secret, store.tokenPepper);
      if ('refused' in issued) return next(new VelahubError('EUNAUTHORIZED', issued.refused));
      if (issued.tokenId === null) return next();
      const named = await store.findTokenById(issued.tokenId);
      if (!named || named.revokedAt) return next(new VelahubError('EUNAUTHORIZED', `the token this bearer token was issued for ${named ? `was revoked at ${named.revokedAt}` : 'no longer exists'}`));
      req.token = named;
      return next();
    }
    const token = await store.findToken(store.tokenHash(secret));
    if (!token) return next(new VelahubError('EUNAUTHORIZED', 'the token is not valid for this registry'));
    if (token.revokedAt) return next(new VelahubError('EUNAUTHORIZED', `token ${token.id} was revoked at ${token.revokedAt}`));
    req.token = token;
    next();
  };
}

/**
 * The gate of a private registry: every read needs a valid token (any scope: read, publish and
 * admin all read). {@link authenticate} has already refused unknown and revoked tokens.
 */
export const requireToken: RequestHandler = (req, _res, next) => {
  if (req.token) return next();
  next(
    new VelahubError('EUNAUTHORIZED', `this registry is private: ${req.method} ${req.path} needs a token of read scope or higher`, {
      hint: 'send Authorization: Bearer TOKEN, or HTTP Basic with any user name and the token as password (vela addon registry add --username velahub --password TOKEN, helm repo add --username velahub --password TOKEN); an admin creates one with `velahub token create --scope read`',
    }),
  );
};

/** Refuses the request unless the caller holds an admin token. */
export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (!req.token) return next(new VelahubError('EUNAUTHORIZED', 'this needs an admin token: send Authorization: Bearer <token>'));
  if (req.token.scope !== 'admin') return next(new VelahubError('EFORBIDDEN', `token ${req.token.id} has scope ${req.token.scope}; this needs an admin token`));
  next();
};

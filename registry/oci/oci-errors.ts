import type { ErrorRequestHandler, Response } from 'express';
import { isVelahubError } from '../../core/errors.ts';
import { httpStatusOf, type ErrorCode } from '../../core/error-codes.ts';
import { lingerAfterAnswer } from '../http/linger.ts';

/** The error codes of the OCI Distribution spec that velahub answers with. */
export type OciErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS';

/**
 * A refusal of the OCI API: the spec's code, the HTTP status, a message naming what is wrong,
 * and optional detail (a chart's problems) and headers (a 416's Range and Location).
 */
export class OciError extends Error {
  constructor(
    readonly code: OciErrorCode,
    readonly status: number,
    message: string,
    readonly detail?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OciError';
  }
}

/** What velahub's own codes mean to an OCI client (a chart push refused by the upload rules, a conflict, a token). */
const fromVelahub: Partial<Record<ErrorCode, OciErrorCode>> = {
  EUNAUTHORIZED: 'UNAUTHORIZED',
  EFORBIDDEN: 'DENIED',
  ECONFLICT: 'DENIED',
  EPUBLISH_BUSY: 'TOOMANYREQUESTS',
  EPACKAGE_TOO_LARGE: 'SIZE_INVALID',
  ENOT_FOUND: 'NAME_UNKNOWN',
  EBAD_DIGEST: 'DIGEST_INVALID',
};

/** Where the Bearer challenge of a 401 sends the client, and for what (set by the access check). */
export interface Challenge {
  realm: string;
  service: string;
  scope?: string;
}

/** The WWW-Authenticate value of a 401 from the OCI API: the Docker/OCI token flow. */
export function challengeHeader(c: Challenge): string {
  return `Bearer realm="${c.realm}",service="${c.service}"${c.scope ? `,scope="${c.scope}"` : ''}`;
}

/** The challenge a route stored on the response, for the error handler. */
export function challengeOf(res: Response): Challenge | undefined {
  return res.locals.ociChallenge as Challenge | undefined;
}

/**
 * Renders errors of the `/v2/` API as the spec's error body, `{"errors": [{code, message,
 * detail}]}`, with the spec's code for velahub's own refusals (a chart that breaks the upload
 * rules is MANIFEST_INVALID with every problem as detail), and a Bearer challenge on 401.
 */
export const ociErrorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  lingerAfterAnswer(req, res);
  let status: number;
  let code: string;
  let message: string;
  let detail: unknown;
  if (err instanceof OciError) {
    ({ status, code, message, detail } = err);
    res.set(err.headers);
  } else if (isVelahubError(err)) {
    status = httpStatusOf(err.code);
    code = fromVelahub[err.code] ?? (status < 500 ? 'MANIFEST_INVALID' : 'UNKNOWN');
    if (err.code === 'ECONFLICT') status = 409;
    // The spec answers a refused manifest with 400, whatever velahub's own status for the reason.
    if (code === 'MANIFEST_INVALID') status = 400;
    message = `${err.message}${err.hint ? ` (${err.hint})` : ''}`;
    detail = err.data ?? { velahubCode: err.code };
  } else if ((err as { status?: number }).status && (err as { status: number }).status < 500) {
    status = (err as { status: number }).status;
    code = status === 413 ? 'SIZE_INVALID' : 'UNSUPPORTED';
    message = (err as Error).message ?? 'bad request';
  } else {
    req.log?.error({ err }, 'unhandled error');
    status = 500;
    code = 'UNKNOWN';
    message = 'internal error';
  }
  if (status === 401) {
    const c = challengeOf(res);
    if (c) res.set('WWW-Authenticate', challengeHeader(c));
  }
  if (status === 429) res.set('Retry-After', '5');
  res.status(status).json({ errors: [{ code, message, ...(detail !== undefined ? { detail } : {}) }] });
};

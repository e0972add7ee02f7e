import type { ErrorRequestHandler } from 'express';
import { isVelahubError } from '../../core/errors.ts';

const statusOf: Record<string, number> = {
  EUNAUTHORIZED: 401,
  EFORBIDDEN: 403,
  ENOT_FOUND: 404,
  EDEFINITION_NOT_FOUND: 404,
  ECONFLICT: 409,
  EBREAKING_CHANGE: 422,
  EINVALID: 422,
  EINVALID_PARAMETERS: 422,
  EPACKAGE_TOO_LARGE: 413,
  ECUE_BUSY: 429,
  ECUE_TIMEOUT: 422,
  ECUE_BUDGET: 422,
  EUSAGE: 400,
  EBAD_REQUEST: 400,
};

/** The HTTP status of a VelahubError code: refused archives are 400 unless listed. */
export function httpStatus(code: string): number {
  if (code in statusOf) return statusOf[code]!;
  if (/^E(UNSAFE|BAD|NAME|TOO|FILE)/.test(code)) return 400;
  return 500;
}

/**
 * Renders every error as JSON in one place: `{"error": message, "code", "hint",
 * "problems"}` — `error` is what ChartMuseum clients (`vela addon push`) read.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (isVelahubError(err)) {
    const status = httpStatus(err.code);
    if (status === 429) res.set('Retry-After', '5');
    const body: Record<string, unknown> = { error: err.message, code: err.code };
    if (err.hint) body.hint = err.hint;
    if (err.data !== undefined) body.problems = err.data;
    res.status(status).json(body);
    return;
  }
  const e = err as { status?: number; type?: string; message?: string };
  if (e.status && e.status < 500) {
    res.status(e.status).json({ error: e.message ?? 'bad request', code: e.type === 'entity.too.large' ? 'EPACKAGE_TOO_LARGE' : 'EBAD_REQUEST' });
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  res.status(500).json({ error: 'internal error', code: 'EINTERNAL' });
};

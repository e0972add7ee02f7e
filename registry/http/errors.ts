import type { ErrorRequestHandler } from 'express';
import { isVelahubError } from '../../core/errors.ts';
import { errorCodes, hintOf, httpStatusOf, type ErrorCode } from '../../core/error-codes.ts';
import { lingerAfterAnswer } from './linger.ts';

/**
 * Renders every error as JSON in one place: `{"error": message, "code", "hint",
 * "problems"}` — `error` is what ChartMuseum clients (`vela addon push`) read;
 * `hint` is the throw's own or its code's default. An answer sent before the request body was
 * read closes the connection with a bounded lingering close.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  // A refusal before the body was read (401, 403, 413) must still reach a client that is sending it.
  lingerAfterAnswer(req, res);
  if (isVelahubError(err)) {
    const status = httpStatusOf(err.code);
    if (status === 429) res.set('Retry-After', '5');
    // Basic first: a browser shows its login prompt for it (any user name, the token as password).
    if (status === 401) res.set('WWW-Authenticate', ['Basic realm="velahub", charset="UTF-8"', 'Bearer realm="velahub"']);
    const body: Record<string, unknown> = { error: err.message, code: err.code };
    const hint = hintOf(err);
    if (hint) body.hint = hint;
    if (err.data !== undefined) body.problems = err.data;
    res.status(status).json(body);
    return;
  }
  const e = err as { status?: number; type?: string; message?: string };
  if (e.status && e.status < 500) {
    // Express's own parsers fail with a status and no code: name the code their status means.
    const code: ErrorCode = e.type === 'entity.too.large' ? 'EPACKAGE_TOO_LARGE' : 'EBAD_REQUEST';
    res.status(e.status).json({ error: e.message ?? 'bad request', code, hint: errorCodes[code].hint });
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  res.status(500).json({ error: 'internal error', code: 'EINTERNAL', hint: errorCodes.EINTERNAL.hint });
};

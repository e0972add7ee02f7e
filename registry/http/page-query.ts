import type { Request } from 'express';
import { VelahubError } from '../../core/errors.ts';

/**
 * What list requests and pages read from the query string, the same way for addons and charts.
 */

/** A list request's `?limit=&offset=`, checked: limit from 1 to 100 (`defaultLimit` when absent), offset 0 or more. */
export function pageQuery(req: Request, defaultLimit: number): { limit: number; offset: number } {
  const limit = req.query.limit === undefined ? defaultLimit : Number(req.query.limit);
  const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new VelahubError('EBAD_REQUEST', `limit ${JSON.stringify(req.query.limit)} is invalid: use an integer from 1 to 100`);
  if (!Number.isInteger(offset) || offset < 0) throw new VelahubError('EBAD_REQUEST', `offset ${JSON.stringify(req.query.offset)} is invalid: use an integer >= 0`);
  return { limit, offset };
}

/** A query parameter as text: trimmed, undefined when absent or blank (the pages' filters, the chart list's `q`). */
export function queryText(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** A page's `?offset=`, leniently: a page shows its first results rather than an error for a bad one. */
export function pageOffset(req: Request): number {
  const n = Number(queryText(req.query.offset) ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The base URL the client used, for repository URLs and install commands in answers. */
export function requestBaseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

import type { Request } from 'express';
import { VelahubError } from '../../core/errors.ts';

/** A list request's `?limit=&offset=`, checked: limit from 1 to 100 (`defaultLimit` when absent), offset 0 or more. */
export function pageQuery(req: Request, defaultLimit: number): { limit: number; offset: number } {
  const limit = req.query.limit === undefined ? defaultLimit : Number(req.query.limit);
  const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new VelahubError('EBAD_REQUEST', `limit ${JSON.stringify(req.query.limit)} is invalid: use an integer from 1 to 100`);
  if (!Number.isInteger(offset) || offset < 0) throw new VelahubError('EBAD_REQUEST', `offset ${JSON.stringify(req.query.offset)} is invalid: use an integer >= 0`);
  return { limit, offset };
}

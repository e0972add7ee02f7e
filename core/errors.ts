import type { ErrorCode } from './error-codes.ts';

/** Extra facts an error carries for whoever renders it. */
export interface ErrorDetails {
  /** What the user can do about it, shown under the message. */
  hint?: string;
  /** The file, field, flag or parameter at fault, when there is one. */
  path?: string;
  /** Structured data a caller needs to decide (owners, versions, problems). */
  data?: unknown;
  cause?: unknown;
}

/**
 * The one error type velahub throws on purpose. `code` is stable (tests and the
 * HTTP API use it) and must be in the catalogue (core/error-codes.ts), which
 * gives its exit status, HTTP status and default hint; `message` starts with
 * what failed and quotes the value. An error that is not a VelahubError is a
 * bug and is shown with its stack.
 */
export class VelahubError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly path?: string;
  readonly data?: unknown;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'VelahubError';
    this.code = code;
    this.hint = details.hint;
    this.path = details.path;
    this.data = details.data;
  }
}

/** True when `err` is a VelahubError, optionally with the given code. */
export function isVelahubError(err: unknown, code?: ErrorCode): err is VelahubError {
  return err instanceof VelahubError && (code === undefined || err.code === code);
}

/**
 * Rebuilds an error a registry answered with. Its code is the server's: one
 * from a newer server may be missing from this version's catalogue, which then
 * reports it with the fallbacks of core/error-codes.ts (exit 1, HTTP 500).
 */
export function remoteError(code: string, message: string, details: ErrorDetails = {}): VelahubError {
  return new VelahubError(code as ErrorCode, message, details);
}

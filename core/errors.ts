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
 * HTTP API use it); `message` starts with what failed and quotes the value.
 * An error that is not a VelahubError is a bug and is shown with its stack.
 */
export class VelahubError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly path?: string;
  readonly data?: unknown;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'VelahubError';
    this.code = code;
    this.hint = details.hint;
    this.path = details.path;
    this.data = details.data;
  }
}

/** True when `err` is a VelahubError, optionally with the given code. */
export function isVelahubError(err: unknown, code?: string): err is VelahubError {
  return err instanceof VelahubError && (code === undefined || err.code === code);
}

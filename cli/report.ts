import { isVelahubError } from '../core/errors.ts';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics.ts';

/** Exit codes: what a script can rely on. */
export const exitCodes = {
  ok: 0,
  /** The input was rejected: lint errors, invalid parameters, a refused package. */
  invalid: 1,
  /** Wrong flags or arguments. */
  usage: 2,
  /** Something named does not exist (file, addon, version). */
  notFound: 3,
  /** A registry or cluster could not be reached or refused the request. */
  remote: 4,
  /** A bug in velahub: reported with its stack. */
  internal: 70,
} as const;

const usageCodes = new Set(['EUSAGE', 'EBAD_SET', 'EVERSION_REQUIRED', 'EBAD_VERSION', 'EUNKNOWN_SOURCE']);
const notFoundCodes = new Set(['ENOENT', 'ENOTDIR', 'ENOT_FOUND', 'EDEFINITION_NOT_FOUND']);
const remoteCodes = new Set(['EREGISTRY', 'EBLOB_STORE', 'EUNREACHABLE', 'EUNAUTHORIZED', 'EFORBIDDEN', 'ECONFLICT', 'ECLUSTER', 'EDIGEST', 'ETIMEOUT']);

/** Prints diagnostics one per line on stderr, `file:line:col: severity: message`. */
export function printDiagnostics(list: readonly Diagnostic[], prefix = ''): void {
  for (const d of list) process.stderr.write(formatDiagnostic({ ...d, file: prefix ? `${prefix}/${d.file}` : d.file }) + '\n');
}

/**
 * Renders any error in one place and returns the exit code. A VelahubError
 * shows its code, message, diagnostics and hint; anything else is a bug and shows
 * its stack.
 */
export function reportError(err: unknown): number {
  if (isVelahubError(err)) {
    // The code leads, as Node prints its own (`Error [ERR_X]: ...`): scripts and tests match it, not the wording.
    process.stderr.write(`Error [${err.code}]: ${err.message}\n`);
    // The diagnostics behind the error, unless the message already is the only one.
    const list = Array.isArray(err.data) && typeof (err.data[0] as Diagnostic | undefined)?.severity === 'string' ? (err.data as Diagnostic[]) : [];
    if (list.length > 1 || (list.length === 1 && !err.message.includes(list[0]!.message))) printDiagnostics(list);
    if (err.hint) process.stderr.write(`Hint: ${err.hint}\n`);
    if (usageCodes.has(err.code)) return exitCodes.usage;
    if (notFoundCodes.has(err.code)) return exitCodes.notFound;
    if (remoteCodes.has(err.code)) return exitCodes.remote;
    return exitCodes.invalid;
  }
  process.stderr.write(`Internal error (a bug in velahub, please report it):\n${(err as Error)?.stack ?? String(err)}\n`);
  return exitCodes.internal;
}

import { isVelahubError } from '../core/errors.ts';
import { exitCodes, exitStatusOf, hintOf } from '../core/error-codes.ts';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics.ts';

/** Exit codes: what a script can rely on (their one home is the error catalogue). */
export { exitCodes };

/** Prints diagnostics one per line on stderr, `file:line:col: severity: message`. */
export function printDiagnostics(list: readonly Diagnostic[], prefix = ''): void {
  for (const d of list) process.stderr.write(formatDiagnostic({ ...d, file: prefix ? `${prefix}/${d.file}` : d.file }) + '\n');
}

/**
 * Renders any error in one place and returns the exit code. A VelahubError
 * shows its code, message, diagnostics and hint (its own, else its code's
 * default); anything else is a bug and shows its stack.
 */
export function reportError(err: unknown): number {
  if (isVelahubError(err)) {
    // The code leads, as Node prints its own (`Error [ERR_X]: ...`): scripts and tests match it, not the wording.
    process.stderr.write(`Error [${err.code}]: ${err.message}\n`);
    // The diagnostics behind the error, unless the message already is the only one.
    const list = Array.isArray(err.data) && typeof (err.data[0] as Diagnostic | undefined)?.severity === 'string' ? (err.data as Diagnostic[]) : [];
    if (list.length > 1 || (list.length === 1 && !err.message.includes(list[0]!.message))) printDiagnostics(list);
    const hint = hintOf(err);
    if (hint) process.stderr.write(`Hint: ${hint}\n`);
    return exitStatusOf(err.code);
  }
  process.stderr.write(`Internal error (a bug in velahub, please report it):\n${(err as Error)?.stack ?? String(err)}\n`);
  return exitCodes.internal;
}

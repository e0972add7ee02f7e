import { isVelahubError } from '../core/errors.ts';
import { exitCodes, exitStatusOf, hintOf } from '../core/error-codes.ts';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics.ts';

/** Exit codes: what a script can rely on (their one home is the error catalogue). */
export { exitCodes };

// The CLI's one reporter, as pnpm has one: commands hand it text and it alone touches the
// process's streams. stdout carries a command's result (what scripts capture and pipe), stderr
// everything around it: progress, notes, warnings, diagnostics and errors.

/** Writes `text` (newlines included) to stdout: a command's result. */
export function printOut(text: string): void {
  process.stdout.write(text);
}

/** Writes `text` (newlines included) to stderr: progress and notes that are not the result. */
export function printNote(text: string): void {
  process.stderr.write(text);
}

/** Writes a warning to stderr in the one wording: `warning: MESSAGE`. */
export function printWarning(message: string): void {
  printNote(`warning: ${message}\n`);
}

/** Prints diagnostics one per line on stderr, `file:line:col: severity: message`. */
export function printDiagnostics(list: readonly Diagnostic[], prefix = ''): void {
  for (const d of list) printNote(formatDiagnostic({ ...d, file: prefix ? `${prefix}/${d.file}` : d.file }) + '\n');
}

/**
 * Renders any error in one place and returns the exit code. A VelahubError
 * shows its code, message, diagnostics and hint (its own, else its code's
 * default); anything else is a bug and shows its stack.
 */
export function reportError(err: unknown): number {
  if (isVelahubError(err)) {
    // The code leads, as Node prints its own (`Error [ERR_X]: ...`): scripts and tests match it, not the wording.
    printNote(`Error [${err.code}]: ${err.message}\n`);
    // The diagnostics behind the error, unless the message already is the only one.
    const list = Array.isArray(err.data) && typeof (err.data[0] as Diagnostic | undefined)?.severity === 'string' ? (err.data as Diagnostic[]) : [];
    if (list.length > 1 || (list.length === 1 && !err.message.includes(list[0]!.message))) printDiagnostics(list);
    const hint = hintOf(err);
    if (hint) printNote(`Hint: ${hint}\n`);
    return exitStatusOf(err.code);
  }
  printNote(`Internal error (a bug in velahub, please report it):\n${(err as Error)?.stack ?? String(err)}\n`);
  return exitCodes.internal;
}

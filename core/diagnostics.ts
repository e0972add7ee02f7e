import { VelahubError } from './errors.ts';

/** How bad a finding is: errors refuse a package, warnings are shown and kept. */
export type Severity = 'error' | 'warning';

/** One finding about a package, pointing at the file (and line) at fault. */
export interface Diagnostic {
  severity: Severity;
  /** Stable identifier, e.g. `metadata-unknown-key`; tests assert on it. */
  code: string;
  /** Path inside the package (`metadata.yaml`, `definitions/x.cue`). */
  file: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
  /** For parameter problems: the parameter path (`route[0].servicePort`). */
  field?: string;
}

/** `file:line:col: message` — the form editors and CI logs link from. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.file, d.line, d.line !== undefined ? d.column : undefined].filter((x) => x !== undefined).join(':');
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${where}: ${d.severity}: ${d.message}${hint}`;
}

/** The errors among diagnostics (warnings left out). */
export function errorsOf(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

/**
 * The refusal of an invalid package (addon or chart): EINVALID naming every
 * error, one per clause, file and line first; the diagnostics ride along as data.
 */
export function refusal(label: string, diagnostics: Diagnostic[]): VelahubError {
  const errors = errorsOf(diagnostics);
  return new VelahubError('EINVALID', `${label} was refused: ${errors.length} error(s): ${errors.map((d) => formatDiagnostic(d).replace(/: error: /, ': ')).join('; ')}`, { data: diagnostics });
}

/** True when any diagnostic is an error, or any at all in strict mode. */
export function hasErrors(diagnostics: readonly Diagnostic[], strict = false): boolean {
  return diagnostics.some((d) => d.severity === 'error' || strict);
}

/** Orders diagnostics by file, line, then column so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

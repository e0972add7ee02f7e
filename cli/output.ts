import { stringify } from 'yaml';
import { VelahubError } from '../core/errors.ts';

/** Output formats a command may offer with `-o`. */
export type OutputFormat = 'table' | 'json' | 'yaml' | 'markdown';

/** Validates an `-o` value against what a command supports. */
export function outputFormat<F extends OutputFormat>(value: string | undefined, allowed: readonly F[], fallback?: F): F {
  const v = (value ?? fallback ?? allowed[0]) as F;
  if (!allowed.includes(v)) {
    throw new VelahubError('EUSAGE', `-o ${JSON.stringify(value)} is not supported here: use one of ${allowed.join(', ')}`, { path: '-o' });
  }
  return v;
}

/** Prints data as JSON or YAML for scripts. */
export function printData(data: unknown, format: 'json' | 'yaml'): void {
  // No anchors: the same default object appears in several places and must print in full in each.
  process.stdout.write(format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data, { lineWidth: 0, aliasDuplicateObjects: false }));
}

/** Formats rows as an aligned text table with upper-case headers, kubectl style. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

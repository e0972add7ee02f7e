import { Option } from 'commander';
import { stringify } from 'yaml';
import { VelahubError } from '../core/errors.ts';
import { printOut } from './report.ts';

/** Output formats a command may offer with `-o`. */
export type OutputFormat = 'table' | 'json' | 'yaml' | 'markdown';

const formatNames: readonly string[] = ['table', 'text', 'json', 'yaml', 'markdown'];

/** True when `value` names an output format (`text` included) rather than, say, a file. */
export function isFormatName(value: string): boolean {
  return formatNames.includes(value);
}

/**
 * Validates an `-o` value against what a command supports. `text` is a silent alias of
 * `table`: some commands called their human format that, and old scripts still pass it.
 */
export function outputFormat<F extends OutputFormat>(value: string, allowed: readonly F[], flag = '-o'): F {
  const v = (value === 'text' && allowed.includes('table' as F) ? 'table' : value) as F;
  if (!allowed.includes(v)) {
    throw new VelahubError('EUSAGE', `${flag} ${JSON.stringify(value)} is not supported here: use one of ${allowed.join(', ')}`, { path: flag });
  }
  return v;
}

/**
 * `-o, --output <format>` as kubectl and helm have it: the first format is the default, and a
 * value is checked by {@link outputFormat} while the arguments are parsed. `orFile`: a value
 * that names no format is kept as it is, for a command whose previous release took `-o FILE`
 * (it then warns that this is deprecated).
 */
export function outputOption<F extends OutputFormat>(formats: readonly [F, ...F[]], options: { orFile?: boolean } = {}): Option {
  const names = formats.length > 1 ? `${formats.slice(0, -1).join(', ')} or ${formats.at(-1)}` : formats[0];
  return new Option('-o, --output <format>', `output format: ${names}`)
    .default(formats[0])
    .argParser((value: string) => (options.orFile && !isFormatName(value) ? value : outputFormat(value, formats)));
}

/** Prints data as JSON or YAML for scripts. */
export function printData(data: unknown, format: 'json' | 'yaml'): void {
  // No anchors: the same default object appears in several places and must print in full in each.
  printOut(format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data, { lineWidth: 0, aliasDuplicateObjects: false }));
}

/** Prints `data` as JSON or YAML, or for people the text `human()` renders (table, markdown). */
export function printResult(format: OutputFormat, data: unknown, human: () => string): void {
  if (format === 'json' || format === 'yaml') printData(data, format);
  else printOut(human());
}

/** Formats rows as an aligned text table with upper-case headers, kubectl style. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Prints Kubernetes objects per cluster: YAML as a `---`-separated stream (what `vela addon enable
 * --dry-run` and `helm template` print, ready for `kubectl apply -f -`), each cluster's objects
 * headed by a `# cluster: NAME` comment; JSON as `[{cluster, objects}]`, one shape however many clusters.
 */
export function printObjects(clusters: ReadonlyArray<{ cluster: string; objects: unknown[] }>, format: 'json' | 'yaml'): void {
  if (format === 'json') return printData(clusters, 'json');
  for (const c of clusters) {
    printOut(`# cluster: ${c.cluster}\n`);
    for (const o of c.objects) printOut(`---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`);
  }
}

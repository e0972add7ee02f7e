import { stringify } from 'yaml';
import type { OutputFormat } from './output-format.ts';
import { printOut } from './report.ts';

// The printing half of `-o`: it loads the YAML library, so a command imports it in its action;
// the flag itself (output-format.ts) is defined without it.

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

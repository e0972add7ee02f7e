import type { parameterReference } from '../../core/params/reference.ts';
import { formatDefault, referenceToMarkdown } from '../../core/params/markdown.ts';
import { table } from '../output.ts';

// How `velahub show` prints a reference for people; its action loads this.

type Reference = { name: string; type: string; description: string; parameters: ReturnType<typeof parameterReference> };

/** One definition's reference as a Markdown section. */
export function referenceMarkdown(d: Reference): string {
  return `## ${d.name} (${d.type})\n\n${d.description}\n\n${referenceToMarkdown(d.parameters)}\n`;
}

/** One definition's reference as `vela show` tables, one per nested level. */
export function referenceTables(d: Reference): string {
  let out = `# ${d.name} (${d.type})${d.description ? ` — ${d.description}` : ''}\n\n`;
  for (const t of d.parameters) {
    if (t.path) out += `## ${t.path}\n`;
    const rows = t.params.map((p) => [p.name, p.description, p.table ? `${p.type} (see ${p.table})` : p.type, String(p.required), formatDefault(p.default), String(p.immutable)]);
    out += rows.length ? table(['NAME', 'DESCRIPTION', 'TYPE', 'REQUIRED', 'DEFAULT', 'IMMUTABLE'], rows) + '\n' : 'no parameters\n\n';
  }
  return out;
}

import type { ParamTable } from './reference.ts';

/** Formats a default value the way `vela show` does: JSON for lists and maps. */
export function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The anchor id of a table (`route.annotations` → `route-annotations`). */
export function tableAnchor(path: string): string {
  return path.replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase();
}

/**
 * Renders a parameter reference as Markdown tables: the root table, then one
 * `### path` section per nested struct, linked from the parent's type column.
 */
export function referenceToMarkdown(tables: ParamTable[], headingLevel = 3): string {
  const hashes = '#'.repeat(headingLevel);
  const parts: string[] = [];
  for (const table of tables) {
    if (table.path) parts.push(`${hashes} ${table.path}${table.definition ? ` (#${table.definition})` : ''}\n`);
    if (table.params.length === 0) {
      parts.push('This definition takes no parameters.\n');
      continue;
    }
    const rows = table.params.map((p) => {
      const type = p.options
        ? (p.type.startsWith('[]') ? '[]' : '') + p.options.map((o, i) => `[type-option-${i + 1}](#${tableAnchor(o)})`).join(' or ')
        : p.table
          ? `[${cell(p.type)}](#${tableAnchor(p.table)})`
          : `\`${cell(p.type)}\``;
      return `| ${p.name} | ${cell(p.description)} | ${type} | ${p.required ? 'true' : 'false'} | ${cell(formatDefault(p.default))} |${p.immutable ? ' true' : ' false'} |`;
    });
    parts.push(['| NAME | DESCRIPTION | TYPE | REQUIRED | DEFAULT | IMMUTABLE |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n');
  }
  return parts.join('\n');
}

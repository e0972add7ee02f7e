import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import { inspectAddon, type DefinitionInfo } from '../../core/package/inspect.ts';
import { loadPackage } from '../../core/package/load.ts';
import { parameterReference } from '../../core/params/reference.ts';
import { formatDefault, referenceToMarkdown } from '../../core/params/markdown.ts';
import { withEvaluator } from '../evaluator.ts';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { outputOption, printResult, table, type OutputFormat } from '../output.ts';

/** Loads a package and picks the named definition (or all of them). */
export async function definitionsOf(path: string, name: string | undefined, cue: CueEvaluator): Promise<DefinitionInfo[]> {
  const loaded = await loadPackage(path, { cue, version: '0.0.0' });
  const result = await inspectAddon(loaded.files, cue);
  if (!result.manifest) {
    throw new VelahubError('EINVALID', `${path} has errors`, { data: result.diagnostics, hint: `run velahub lint ${path}` });
  }
  const defs = result.manifest.definitions;
  if (name === undefined) return defs;
  const found = defs.filter((d) => d.name === name);
  if (found.length === 0) {
    throw new VelahubError('EDEFINITION_NOT_FOUND', `no definition named ${JSON.stringify(name)} in ${path}: it provides ${defs.map((d) => d.name).join(', ') || 'none'}`, { path: 'DEFINITION' });
  }
  return found;
}

/** `velahub show PATH [DEFINITION]`: the parameter reference, like `vela show`. */
export function showCommand(): Command {
  return new Command('show')
    .description("print a definition's parameter reference (every nested level)")
    .argument('<path>', 'addon folder, .tgz, or a .cue/.yaml definition')
    .argument('[definition]', 'definition name (default: all in the package)')
    .addOption(outputOption(['table', 'json', 'yaml', 'markdown']))
    .action(async (path: string, name: string | undefined, opts: { output: OutputFormat }) => {
      const defs = await withEvaluator((cue) => definitionsOf(path, name, cue));
      const data = defs.map((d) => ({ name: d.name, type: d.type, description: d.description, parameters: parameterReference(d.schema), schema: d.schema }));
      printResult(opts.output, name ? data[0] : data, () => data.map((d) => (opts.output === 'markdown' ? referenceMarkdown(d) : referenceTables(d))).join(''));
    });
}

type Reference = { name: string; type: string; description: string; parameters: ReturnType<typeof parameterReference> };

/** One definition's reference as a Markdown section. */
function referenceMarkdown(d: Reference): string {
  return `## ${d.name} (${d.type})\n\n${d.description}\n\n${referenceToMarkdown(d.parameters)}\n`;
}

/** One definition's reference as `vela show` tables, one per nested level. */
function referenceTables(d: Reference): string {
  let out = `# ${d.name} (${d.type})${d.description ? ` — ${d.description}` : ''}\n\n`;
  for (const t of d.parameters) {
    if (t.path) out += `## ${t.path}\n`;
    const rows = t.params.map((p) => [p.name, p.description, p.table ? `${p.type} (see ${p.table})` : p.type, String(p.required), formatDefault(p.default), String(p.immutable)]);
    out += rows.length ? table(['NAME', 'DESCRIPTION', 'TYPE', 'REQUIRED', 'DEFAULT', 'IMMUTABLE'], rows) + '\n' : 'no parameters\n\n';
  }
  return out;
}

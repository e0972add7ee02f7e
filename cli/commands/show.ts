import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import { inspectAddon, type DefinitionInfo } from '../../core/package/inspect.ts';
import { loadPackage } from '../../core/package/load.ts';
import { parameterReference } from '../../core/params/reference.ts';
import { formatDefault, referenceToMarkdown } from '../../core/params/markdown.ts';
import { withEvaluator } from '../evaluator.ts';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { outputFormat, printData, table } from '../output.ts';

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
    .option('-o, --output <format>', 'table, json, yaml or markdown', 'table')
    .action(async (path: string, name: string | undefined, opts: { output: string }) => {
      const format = outputFormat(opts.output, ['table', 'json', 'yaml', 'markdown']);
      const defs = await withEvaluator((cue) => definitionsOf(path, name, cue));
      if (format === 'json' || format === 'yaml') {
        const data = defs.map((d) => ({ name: d.name, type: d.type, description: d.description, parameters: parameterReference(d.schema), schema: d.schema }));
        printData(name ? data[0] : data, format);
        return;
      }
      for (const d of defs) {
        const tables = parameterReference(d.schema);
        if (format === 'markdown') {
          process.stdout.write(`## ${d.name} (${d.type})\n\n${d.description}\n\n${referenceToMarkdown(tables)}\n`);
          continue;
        }
        process.stdout.write(`# ${d.name} (${d.type})${d.description ? ` — ${d.description}` : ''}\n\n`);
        for (const t of tables) {
          if (t.path) process.stdout.write(`## ${t.path}\n`);
          const rows = t.params.map((p) => [p.name, p.description, p.table ? `${p.type} (see ${p.table})` : p.type, String(p.required), formatDefault(p.default), String(p.immutable)]);
          process.stdout.write(rows.length ? table(['NAME', 'DESCRIPTION', 'TYPE', 'REQUIRED', 'DEFAULT', 'IMMUTABLE'], rows) + '\n' : 'no parameters\n\n');
        }
      }
    });
}

import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import type { DefinitionInfo } from '../../core/package/inspect.ts';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { outputOption, type OutputFormat } from '../output-format.ts';

/** Loads a package and picks the named definition (or all of them). */
export async function definitionsOf(path: string, name: string | undefined, cue: CueEvaluator): Promise<DefinitionInfo[]> {
  const [{ loadPackage }, { inspectAddon }] = await Promise.all([import('../../core/package/load.ts'), import('../../core/package/inspect.ts')]);
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
      const [{ withEvaluator }, { parameterReference }, { printResult }, { referenceMarkdown, referenceTables }] = await Promise.all([
        import('../evaluator.ts'),
        import('../../core/params/reference.ts'),
        import('../output.ts'),
        import('./show-reference.ts'),
      ]);
      const defs = await withEvaluator((cue) => definitionsOf(path, name, cue));
      const data = defs.map((d) => ({ name: d.name, type: d.type, description: d.description, parameters: parameterReference(d.schema), schema: d.schema }));
      printResult(opts.output, name ? data[0] : data, () => data.map((d) => (opts.output === 'markdown' ? referenceMarkdown(d) : referenceTables(d))).join(''));
    });
}

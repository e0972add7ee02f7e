import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { VelahubError } from '../../core/errors.ts';
import { assertDestination, warnDeprecated, writeWhole } from '../destination.ts';
import { printNote, printOut } from '../report.ts';

/**
 * Where the converted text goes: stdout, `-d DIR` (FILE's name with the other extension), or
 * the deprecated `-o FILE` of the previous release, with a warning.
 */
async function convertTarget(file: string, toCue: boolean, opts: { destination?: string; output?: string }): Promise<string | undefined> {
  if (opts.output !== undefined) {
    if (opts.destination !== undefined) throw new VelahubError('EUSAGE', `-o ${JSON.stringify(opts.output)} and -d cannot be used together: pass -d DIR, or redirect stdout`, { path: '-o' });
    warnDeprecated(`convert -o FILE (${opts.output})`, 'pass -d DIR (the file keeps its name, with the other extension), or redirect stdout');
    return opts.output;
  }
  if (opts.destination === undefined) return undefined;
  await assertDestination(opts.destination);
  return join(opts.destination, `${basename(file, extname(file))}${toCue ? '.cue' : '.yaml'}`);
}

/** `velahub convert FILE`: definition CUE format ↔ Definition CR YAML. */
export function convertCommand(): Command {
  return new Command('convert')
    .description('convert a definition between the CUE format (.cue) and a Definition CR (.yaml), either way')
    .argument('<file>', 'a .cue definition (→ YAML CR) or a Definition CR .yaml (→ CUE)')
    .option('-d, --destination <dir>', 'write FILE.yaml (or FILE.cue) into this folder instead of stdout')
    .addOption(new Option('-o, --output <file>', 'deprecated: use -d').hideHelp())
    .option('-n, --namespace <ns>', 'namespace of the CR when writing YAML', 'vela-system')
    .action(async (file: string, opts: { destination?: string; output?: string; namespace: string }) => {
      const text = await readFile(file, 'utf8').catch(() => {
        throw new VelahubError('ENOENT', `${file}: no such file`, { path: file });
      });
      const toCue = /\.ya?ml$/.test(file);
      if (!toCue && !file.endsWith('.cue')) throw new VelahubError('EUSAGE', `${file}: expected a .cue or .yaml file`, { path: 'FILE' });
      const target = await convertTarget(file, toCue, opts);
      const [{ crToDefinitionCue, crToYaml, definitionToCR }, { withEvaluator }] = await Promise.all([import('../../core/package/definition-cr.ts'), import('../evaluator.ts')]);
      const out = await withEvaluator(async (cue) => {
        if (!toCue) {
          const inspected = await cue.inspect(text, file);
          return crToYaml(definitionToCR(inspected.header, inspected.template, opts.namespace));
        }
        const converted = crToDefinitionCue(text, file).cue;
        // Evaluate the result, so a CR whose template does not compile is reported here.
        await cue.inspect(converted, file);
        return converted;
      });
      if (!target) return void printOut(out);
      await writeWhole(target, out);
      printNote(`Wrote ${target}\n`);
    });
}

import { Command } from 'commander';
import { readFile, writeFile, rename } from 'node:fs/promises';
import { VelahubError } from '../../core/errors.ts';
import { crToDefinitionCue, crToYaml, definitionToCR } from '../../core/package/definition-cr.ts';
import { withEvaluator } from '../evaluator.ts';

/** `velahub convert FILE`: definition CUE format ↔ Definition CR YAML. */
export function convertCommand(): Command {
  return new Command('convert')
    .description('convert a definition between the CUE format (.cue) and a Definition CR (.yaml), either way')
    .argument('<file>', 'a .cue definition (→ YAML CR) or a Definition CR .yaml (→ CUE)')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('-n, --namespace <ns>', 'namespace of the CR when writing YAML', 'vela-system')
    .action(async (file: string, opts: { output?: string; namespace: string }) => {
      const text = await readFile(file, 'utf8').catch(() => {
        throw new VelahubError('ENOENT', `${file}: no such file`, { path: file });
      });
      let out: string;
      if (file.endsWith('.cue')) {
        out = await withEvaluator(async (cue) => {
          const inspected = await cue.inspect(text, file);
          return crToYaml(definitionToCR(inspected.header, inspected.template, opts.namespace));
        });
      } else if (/\.ya?ml$/.test(file)) {
        out = crToDefinitionCue(text, file).cue;
        // Evaluate the result, so a CR whose template does not compile is reported here.
        await withEvaluator((cue) => cue.inspect(out, file));
      } else {
        throw new VelahubError('EUSAGE', `${file}: expected a .cue or .yaml file`, { path: 'FILE' });
      }
      if (!opts.output) return void process.stdout.write(out);
      await writeFile(`${opts.output}.tmp`, out);
      await rename(`${opts.output}.tmp`, opts.output);
      process.stderr.write(`Wrote ${opts.output}\n`);
    });
}

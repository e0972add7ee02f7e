import { Command } from 'commander';
import { writeFile, rename } from 'node:fs/promises';
import { VelahubError } from '../../core/errors.ts';
import { inspectAddon } from '../../core/package/inspect.ts';
import { loadPackage } from '../../core/package/load.ts';
import { packFiles } from '../../core/package/archive.ts';
import { withEvaluator } from '../evaluator.ts';
import { printData, outputFormat } from '../output.ts';
import { printDiagnostics } from '../report.ts';

/** `velahub package PATH [-o FILE]`: a validated, reproducible archive. */
export function packageCommand(): Command {
  return new Command('package')
    .description('validate and pack an addon (or a single definition) into a reproducible .tgz')
    .argument('<path>', 'addon folder, or a .cue/.yaml definition (with --version)')
    .option('-o, --output <file>', 'archive to write (default: ./NAME-VERSION.tgz)')
    .option('--version <version>', 'version for a single-definition package')
    .option('--format <format>', 'summary as text, json or yaml', 'text')
    .action(async (path: string, opts: { output?: string; version?: string; format: string }) => {
      const format = opts.format === 'text' ? 'table' : outputFormat(opts.format, ['json', 'yaml']);
      const { manifest, archive } = await withEvaluator(async (cue) => {
        const loaded = await loadPackage(path, { cue, version: opts.version });
        const result = await inspectAddon(loaded.files, cue);
        if (!result.manifest) {
          const errors = result.diagnostics.filter((d) => d.severity === 'error');
          throw new VelahubError('EINVALID', `${path}: ${errors.length} error(s) found; nothing was packed`, { data: result.diagnostics, hint: `run velahub lint ${path}` });
        }
        printDiagnostics(result.manifest.warnings, path);
        const { name, version, description } = result.manifest.metadata;
        return { manifest: result.manifest, archive: packFiles(name, loaded.files, { name, version, description }) };
      });
      const { name, version } = manifest.metadata;
      const file = opts.output ?? `${name}-${version}.tgz`;
      await writeFile(`${file}.tmp`, archive.data);
      await rename(`${file}.tmp`, file);
      const summary = { name, version, file, digest: archive.digest, size: archive.size, definitions: manifest.definitions.map((d) => `${d.type}/${d.name}`) };
      if (format === 'json' || format === 'yaml') printData(summary, format);
      else process.stdout.write(`name:    ${name}\nversion: ${version}\nfile:    ${file}\nsha256:  ${archive.digest.slice(7)}\nsize:    ${archive.size} bytes\n`);
    });
}

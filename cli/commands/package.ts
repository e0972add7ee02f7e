import { Command, Option } from 'commander';
import { join } from 'node:path';
import { errorsOf } from '../../core/diagnostics.ts';
import { VelahubError } from '../../core/errors.ts';
import { assertDestination, destinationOption, warnDeprecated, writeWhole } from '../destination.ts';
import { isFormatName, outputFormat, outputOption, type OutputFormat } from '../output-format.ts';
import { printDiagnostics } from '../report.ts';

interface PackageFlags {
  destination: string;
  output: string;
  /** Deprecated alias of -o FORMAT. */
  format?: string;
  version?: string;
}

/**
 * The summary format and where the archive goes: `-d DIR` (NAME-VERSION.tgz inside), or the
 * deprecated `-o FILE` and `--format FORMAT` of the previous release, each with a warning.
 */
async function packageTarget(opts: PackageFlags, given: (flag: 'output' | 'destination') => boolean): Promise<{ format: OutputFormat; file?: string }> {
  const file = given('output') && !isFormatName(opts.output) ? opts.output : undefined;
  if (file !== undefined) {
    if (given('destination')) throw new VelahubError('EUSAGE', `-o ${JSON.stringify(file)} (an archive file) and -d cannot be used together: pass -d DIR, the archive is named NAME-VERSION.tgz`, { path: '-o' });
    warnDeprecated(`package -o FILE (${file})`, 'pass -d DIR; the archive is named NAME-VERSION.tgz');
  }
  const formats = ['table', 'json', 'yaml'] as const;
  if (opts.format !== undefined && given('output') && file === undefined) throw new VelahubError('EUSAGE', '--format is the deprecated name of -o: pass -o FORMAT only', { path: '--format' });
  const format = opts.format !== undefined ? outputFormat(opts.format, formats, '--format') : outputFormat(file === undefined ? opts.output : 'table', formats);
  if (opts.format !== undefined) warnDeprecated('package --format', 'pass -o FORMAT');
  if (file === undefined) await assertDestination(opts.destination);
  return { format, file };
}

/** `velahub package PATH [-d DIR]`: a validated, reproducible archive. */
export function packageCommand(): Command {
  return new Command('package')
    .description('validate and pack an addon (or a single definition) into a reproducible .tgz')
    .argument('<path>', 'addon folder, or a .cue/.yaml definition (with --version)')
    .addOption(destinationOption('folder to write NAME-VERSION.tgz into'))
    .addOption(outputOption(['table', 'json', 'yaml'], { orFile: true }))
    .addOption(new Option('--format <format>', 'deprecated: use -o').hideHelp())
    .option('--version <version>', 'version for a single-definition package')
    .action(async (path: string, opts: PackageFlags, cmd: Command) => {
      const [{ loadPackage }, { inspectAddon }, { packFiles }, { withEvaluator }, { printResult }] = await Promise.all([
        import('../../core/package/load.ts'),
        import('../../core/package/inspect.ts'),
        import('../../core/package/archive.ts'),
        import('../evaluator.ts'),
        import('../output.ts'),
      ]);
      const target = await packageTarget(opts, (flag) => cmd.getOptionValueSource(flag) === 'cli');
      const { manifest, archive } = await withEvaluator(async (cue) => {
        const loaded = await loadPackage(path, { cue, version: opts.version });
        const result = await inspectAddon(loaded.files, cue);
        if (!result.manifest) {
          throw new VelahubError('EINVALID', `${path}: ${errorsOf(result.diagnostics).length} error(s) found; nothing was packed`, { data: result.diagnostics, hint: `run velahub lint ${path}` });
        }
        printDiagnostics(result.manifest.warnings, path);
        const { name, version, description } = result.manifest.metadata;
        return { manifest: result.manifest, archive: packFiles(name, loaded.files, { name, version, description }) };
      });
      const { name, version } = manifest.metadata;
      const file = target.file ?? join(opts.destination, `${name}-${version}.tgz`);
      await writeWhole(file, archive.data);
      const summary = { name, version, file, digest: archive.digest, size: archive.size, definitions: manifest.definitions.map((d) => `${d.type}/${d.name}`) };
      printResult(target.format, summary, () => `name:    ${name}\nversion: ${version}\nfile:    ${file}\nsha256:  ${archive.digest.slice(7)}\nsize:    ${archive.size} bytes\n`);
    });
}

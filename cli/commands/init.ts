import { Command, Option } from 'commander';
import { mkdir, writeFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VelahubError } from '../../core/errors.ts';
import { destinationOption, warnDeprecated } from '../destination.ts';
import { printOut } from '../report.ts';

/** `velahub init NAME [--component|--trait]`: a new addon folder that lints clean. */
export function initCommand(): Command {
  return new Command('init')
    .description('create a new addon folder that lints clean')
    .argument('<name>', 'addon name (lowercase, dashes)')
    .option('--component', 'start with a component definition (default)')
    .option('--trait', 'start with a trait definition')
    .addOption(destinationOption('parent folder to create it in'))
    .addOption(new Option('--dir <dir>', 'deprecated: use -d').hideHelp())
    .action(async (name: string, opts: { component?: boolean; trait?: boolean; destination: string; dir?: string }) => {
      if (opts.component && opts.trait) throw new VelahubError('EUSAGE', '--component and --trait cannot be used together', { path: '--trait' });
      if (opts.dir !== undefined) warnDeprecated('init --dir', 'pass -d DIR (--destination)');
      const { scaffoldAddon } = await import('../../core/package/scaffold.ts');
      const files = scaffoldAddon(name, opts.trait ? 'trait' : 'component');
      const target = join(opts.dir ?? opts.destination, name);
      if (await stat(target).catch(() => undefined)) {
        throw new VelahubError('EEXIST', `${target} already exists: choose another name or remove it`, { path: target });
      }
      for (const [path, data] of files) {
        await mkdir(dirname(join(target, path)), { recursive: true });
        await writeFile(join(target, path), data);
      }
      printOut(`Created ${target}/ with ${[...files.keys()].join(', ')}\nNext: velahub lint ${target}\n`);
    });
}

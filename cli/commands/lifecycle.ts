import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';
import { printOut } from '../report.ts';

/** A command that marks one published version: `NAME@VERSION`, the registry flags and `--undo`. */
function versionMarkCommand(name: string, description: string, undo: string): Command {
  return withRegistryOptions(new Command(name).description(description).argument('<ref>', 'NAME@VERSION')).option('--undo', undo);
}

/** `velahub deprecate NAME@VERSION MESSAGE` (or `--undo`). */
export function deprecateCommand(): Command {
  return versionMarkCommand('deprecate', 'mark a version deprecated with a message (it stays installable; resolvers prefer others)', 'lift the deprecation')
    .argument('[message]', 'why, and what to use instead')
    .action(async (ref: string, message: string | undefined, opts: RegistryFlags & { undo?: boolean }) => {
      const [{ registryClient }, { nameAtVersion }] = await Promise.all([import('../config.ts'), import('./name-at-version.ts')]);
      const { name, version } = nameAtVersion(ref, true);
      if (!opts.undo && !message) throw new VelahubError('EUSAGE', 'a deprecation needs a message: velahub deprecate NAME@VERSION "use 2.x instead"', { path: 'MESSAGE' });
      await (await registryClient(opts)).deprecate(name, version!, opts.undo ? null : message!);
      printOut(opts.undo ? `${name}@${version} is no longer deprecated\n` : `${name}@${version} deprecated: ${message}\n`);
    });
}

/** `velahub yank NAME@VERSION [--reason R]` (or `--undo`). */
export function yankCommand(): Command {
  return versionMarkCommand('yank', 'yank a version: still downloadable by exact version, never chosen by a range, gone from index.yaml', 'restore the version')
    .option('--reason <text>', 'why it was yanked')
    .action(async (ref: string, opts: RegistryFlags & { reason?: string; undo?: boolean }) => {
      const [{ registryClient }, { nameAtVersion }] = await Promise.all([import('../config.ts'), import('./name-at-version.ts')]);
      const { name, version } = nameAtVersion(ref, true);
      await (await registryClient(opts)).yank(name, version!, opts.reason ?? null, opts.undo);
      printOut(opts.undo ? `${name}@${version} restored\n` : `${name}@${version} yanked\n`);
    });
}

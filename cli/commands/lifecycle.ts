import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import { registryClient } from '../config.ts';
import { nameAtVersion, withRegistryOptions, type RegistryFlags } from './registry-options.ts';

/** `velahub deprecate NAME@VERSION MESSAGE` (or `--undo`). */
export function deprecateCommand(): Command {
  return withRegistryOptions(
    new Command('deprecate')
      .description('mark a version deprecated with a message (it stays installable; resolvers prefer others)')
      .argument('<ref>', 'NAME@VERSION')
      .argument('[message]', 'why, and what to use instead')
      .option('--undo', 'lift the deprecation'),
  ).action(async (ref: string, message: string | undefined, opts: RegistryFlags & { undo?: boolean }) => {
    const { name, version } = nameAtVersion(ref, true);
    if (!opts.undo && !message) throw new VelahubError('EUSAGE', 'a deprecation needs a message: velahub deprecate NAME@VERSION "use 2.x instead"', { path: 'MESSAGE' });
    const client = await registryClient(opts);
    await client.deprecate(name, version!, opts.undo ? null : message!);
    process.stdout.write(opts.undo ? `${name}@${version} is no longer deprecated\n` : `${name}@${version} deprecated: ${message}\n`);
  });
}

/** `velahub yank NAME@VERSION [--reason R]` (or `--undo`). */
export function yankCommand(): Command {
  return withRegistryOptions(
    new Command('yank')
      .description('yank a version: still downloadable by exact version, never chosen by a range, gone from index.yaml')
      .argument('<ref>', 'NAME@VERSION')
      .option('--reason <text>', 'why it was yanked')
      .option('--undo', 'restore the version'),
  ).action(async (ref: string, opts: RegistryFlags & { reason?: string; undo?: boolean }) => {
    const { name, version } = nameAtVersion(ref, true);
    const client = await registryClient(opts);
    await client.yank(name, version!, opts.reason ?? null, opts.undo);
    process.stdout.write(opts.undo ? `${name}@${version} restored\n` : `${name}@${version} yanked\n`);
  });
}

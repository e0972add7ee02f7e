import type { Command } from 'commander';
import { enableCommand, planCommand, upgradeCommand } from './install.ts';
import { disableCommand, listCommand, statusCommand } from './cluster-state.ts';
import { registryCommand } from './registry.ts';
import { adoptCommand, exportCommand } from './contribute.ts';

/** Adds the commands that work on clusters and catalogs: plan, enable, upgrade, disable, list, status, registry, adopt, export. */
export function registerInstallerCommands(program: Command): void {
  for (const cmd of [planCommand(), enableCommand(), upgradeCommand(), disableCommand(), listCommand(), statusCommand(), registryCommand(), adoptCommand(), exportCommand()]) program.addCommand(cmd);
}

import type { Command } from 'commander';
import { initCommand } from './init.ts';
import { lintCommand } from './lint.ts';
import { packageCommand } from './package.ts';
import { showCommand } from './show.ts';
import { renderCommand } from './render.ts';

/** Adds the commands that work on local files: init, lint, package, show, render. */
export function registerAuthoringCommands(program: Command): void {
  for (const cmd of [initCommand(), lintCommand(), packageCommand(), showCommand(), renderCommand()]) program.addCommand(cmd);
}

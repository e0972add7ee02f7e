import type { Command } from 'commander';
import { initCommand } from './init.ts';
import { lintCommand } from './lint.ts';
import { packageCommand } from './package.ts';
import { showCommand } from './show.ts';
import { renderCommand } from './render.ts';
import { convertCommand } from './convert.ts';

/** Adds the commands that work on local files: init, lint, package, show, render, convert. */
export function registerAuthoringCommands(program: Command): void {
  for (const cmd of [initCommand(), lintCommand(), packageCommand(), showCommand(), renderCommand(), convertCommand()]) program.addCommand(cmd);
}

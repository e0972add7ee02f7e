import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { serveCommand } from './serve.ts';
import { gcCommand } from './gc.ts';
import { publishCommand } from './publish.ts';
import { searchCommand } from './search.ts';
import { infoCommand } from './info.ts';
import { deprecateCommand, yankCommand } from './lifecycle.ts';
import { tokenCommand } from './token.ts';
import { loginCommand, logoutCommand } from './login.ts';
import { chartCommand } from './chart.ts';

/** Adds the registry server and its client commands. */
export function registerRegistryCommands(program: Command, context: CliContext): void {
  for (const cmd of [serveCommand(), gcCommand(context), publishCommand(), searchCommand(), infoCommand(), deprecateCommand(), yankCommand(), tokenCommand(), loginCommand(), logoutCommand(), chartCommand()]) program.addCommand(cmd);
}

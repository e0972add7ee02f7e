import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.ts';
import { registerAuthoringCommands } from './commands/authoring.ts';
import { registerRegistryCommands } from './commands/registry-commands.ts';
import { registerInstallerCommands } from './commands/installer-commands.ts';
import { exitCodes, reportError } from './report.ts';
import { realContext, type CliContext } from './context.ts';

const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };

/** The `velahub` command tree, its commands reading `context` for the clock. */
function buildProgram(context: CliContext): Command {
  const program = new Command('velahub')
    .description('Registry, CLI and installer for KubeVela addons and X-Definitions')
    .version(pkg.version)
    .showSuggestionAfterError(true)
    // Root options only before the command: `package x.cue --version 1.0.0` is package's --version.
    .enablePositionalOptions()
    .exitOverride();
  registerAuthoringCommands(program);
  registerRegistryCommands(program, context);
  registerInstallerCommands(program);
  // Commands made with `new Command()` and added with addCommand() inherit no settings: without
  // this, a subcommand's usage error (an unknown flag) calls process.exit(1) behind run()'s back.
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().showSuggestionAfterError(true);
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Runs the CLI with argv and resolves to the exit code; `context` defaults to the real clock. */
export async function run(argv: string[], context: Partial<CliContext> = {}): Promise<number> {
  const program = buildProgram({ ...realContext, ...context });
  // Commands report failure through process.exitCode; read it for this run only and put it
  // back, so one run cannot leak its code into the next or into the process.
  const outer = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    return reportError(err);
  } finally {
    process.exitCode = outer;
  }
}

const isMain = process.argv[1] && (import.meta.url.endsWith(process.argv[1]) || /bin\/velahub(\.js)?$/.test(process.argv[1]));
if (isMain || process.env.VELAHUB_CLI_MAIN === '1') {
  process.exitCode = await run(process.argv.slice(2));
}

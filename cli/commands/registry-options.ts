import type { Command } from 'commander';

/** The flags every command talking to a registry takes. */
export interface RegistryFlags {
  registry?: string;
  token?: string;
}

/** Adds --registry and --token (env VELAHUB_REGISTRY / VELAHUB_TOKEN, then the config file). */
export function withRegistryOptions(cmd: Command): Command {
  return cmd
    .option('--registry <url>', 'registry URL (default: $VELAHUB_REGISTRY or the config file)')
    .option('--token <token>', 'API token (default: $VELAHUB_TOKEN or the config file)');
}

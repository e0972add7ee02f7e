import { Command } from 'commander';
import { registryClient } from '../config.ts';
import { outputFormat, printData, table } from '../output.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';

/** `velahub token create|list|revoke` (needs an admin token). */
export function tokenCommand(): Command {
  const token = new Command('token').description('manage API tokens (needs an admin token)');
  token.addCommand(
    withRegistryOptions(
      new Command('create')
        .description('create a token; its secret is printed once')
        .requiredOption('--scope <scope>', 'read, publish or admin')
        .option('--pattern <pattern>', 'for publish tokens: an addon name or prefix such as "bizworks-*"')
        .option('--description <text>', 'what the token is for')
        .option('-o, --output <format>', 'text, json or yaml', 'text'),
    ).action(async (opts: RegistryFlags & { scope: string; pattern?: string; description?: string; output: string }) => {
      const format = opts.output === 'text' ? 'table' : outputFormat(opts.output, ['json', 'yaml']);
      const client = await registryClient(opts);
      const created = await client.createToken({ scope: opts.scope, pattern: opts.pattern, description: opts.description });
      if (format !== 'table') return printData(created, format);
      process.stdout.write(`Created ${created.id} (${created.scope}${created.pattern ? ` ${created.pattern}` : ''}). The token, shown once:\n${created.token}\n`);
    }),
  );
  token.addCommand(
    withRegistryOptions(new Command('list').description('list tokens (never their secrets)').option('-o, --output <format>', 'table, json or yaml', 'table')).action(async (opts: RegistryFlags & { output: string }) => {
      const format = outputFormat(opts.output, ['table', 'json', 'yaml']);
      const { items } = await (await registryClient(opts)).listTokens();
      if (format !== 'table') return printData(items, format);
      process.stdout.write(table(['ID', 'SCOPE', 'PATTERN', 'CREATED', 'REVOKED', 'DESCRIPTION'], items.map((t) => [t.id, t.scope, t.pattern ?? '-', t.createdAt, t.revokedAt ?? '-', t.description])));
    }),
  );
  token.addCommand(
    withRegistryOptions(new Command('revoke').description('revoke a token by id').argument('<id>', 'token id (tok_...)')).action(async (id: string, opts: RegistryFlags) => {
      await (await registryClient(opts)).revokeToken(id);
      process.stdout.write(`Revoked ${id}\n`);
    }),
  );
  return token;
}

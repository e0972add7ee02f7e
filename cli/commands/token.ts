import { Command } from 'commander';
import { outputOption, type OutputFormat } from '../output-format.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';
import { printOut } from '../report.ts';

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
        .addOption(outputOption(['table', 'json', 'yaml'])),
    ).action(async (opts: RegistryFlags & { scope: string; pattern?: string; description?: string; output: OutputFormat }) => {
      const [{ registryClient }, { printResult }] = await Promise.all([import('../config.ts'), import('../output.ts')]);
      const client = await registryClient(opts);
      const created = await client.createToken({ scope: opts.scope, pattern: opts.pattern, description: opts.description });
      printResult(opts.output, created, () => `Created ${created.id} (${created.scope}${created.pattern ? ` ${created.pattern}` : ''}). The token, shown once:\n${created.token}\n`);
    }),
  );
  token.addCommand(
    withRegistryOptions(new Command('list').description('list tokens (never their secrets)').addOption(outputOption(['table', 'json', 'yaml']))).action(async (opts: RegistryFlags & { output: OutputFormat }) => {
      const [{ registryClient }, { printResult, table }] = await Promise.all([import('../config.ts'), import('../output.ts')]);
      const { items } = await (await registryClient(opts)).listTokens();
      printResult(opts.output, items, () => table(['ID', 'SCOPE', 'PATTERN', 'CREATED', 'REVOKED', 'DESCRIPTION'], items.map((t) => [t.id, t.scope, t.pattern ?? '-', t.createdAt, t.revokedAt ?? '-', t.description])));
    }),
  );
  token.addCommand(
    withRegistryOptions(new Command('revoke').description('revoke a token by id').argument('<id>', 'token id (tok_...)')).action(async (id: string, opts: RegistryFlags) => {
      const { registryClient } = await import('../config.ts');
      await (await registryClient(opts)).revokeToken(id);
      printOut(`Revoked ${id}\n`);
    }),
  );
  return token;
}

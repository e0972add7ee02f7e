import { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { VelahubError } from '../../core/errors.ts';
import { printOut } from '../report.ts';

async function readToken(): Promise<string> {
  if (!process.stdin.isTTY) {
    // A token piped in (`echo $TOKEN | velahub login ...`) keeps it out of the shell history.
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question('Token: ')).trim();
  } finally {
    rl.close();
  }
}

/** `velahub login --registry URL`: checks a token with the registry and keeps both in the 0600 config file. */
export function loginCommand(): Command {
  return new Command('login')
    .description('check a token with a registry and save both as the defaults in the config file (mode 0600)')
    .requiredOption('--registry <url>', 'registry URL')
    .option('--token <token>', 'API token (default: read from stdin, or asked for)')
    .action(async (opts: { registry: string; token?: string }) => {
      const [{ RegistryClient }, { configPath, readConfig, writeConfig }] = await Promise.all([import('../../registry/client.ts'), import('../config.ts')]);
      const token = opts.token ?? (await readToken());
      if (!token) throw new VelahubError('EUSAGE', 'no token given: pass --token, pipe it on stdin, or type it when asked', { path: '--token' });
      const me = await new RegistryClient(opts.registry, token).whoami();
      const config = await readConfig();
      await writeConfig({ ...config, registry: opts.registry.replace(/\/+$/, ''), token });
      printOut(`Logged in to ${opts.registry} as ${me.id} (${me.scope}${me.pattern ? ` ${me.pattern}` : ''}); saved in ${configPath()}\n`);
    });
}

/** `velahub logout`: forgets the saved token. */
export function logoutCommand(): Command {
  return new Command('logout').description('remove the saved token from the config file').action(async () => {
    const { configPath, readConfig, writeConfig } = await import('../config.ts');
    const { token: _t, ...rest } = await readConfig();
    await writeConfig(rest);
    printOut(`Removed the token from ${configPath()}\n`);
  });
}

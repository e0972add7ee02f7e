import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import { kubeClients, withKubeOptions, type KubeFlags } from '../kube-options.ts';
import { outputOption, type OutputFormat } from '../output-format.ts';
import { syncVelaRegistry, velaRegistryConfigMap } from '../../installer/vela-registry.ts';
import { printOut, printWarning } from '../report.ts';

/** `velahub registry add|list|remove`: the installer's registries, in priority order. */
export function registryCommand(): Command {
  const registry = new Command('registry').description("manage the installer's addon registries (kept in the config file, in priority order)");
  registry.addCommand(
    withKubeOptions(
      new Command('add')
        .description('add a Helm-type addon registry (velahub, or any KubeVela addon registry)')
        .argument('<name>', 'registry name (recorded on enabled addons)')
        .argument('<url>', 'registry base URL')
        .option('--token <token>', 'bearer token for a private registry (stored only in the 0600 config file)')
        .option('--priority <n>', 'position in the list, 1 = first (default: last)')
        .option('--sync', `also write it into each cluster's ${velaRegistryConfigMap} ConfigMap so vela sees it`),
    ).action(async (name: string, url: string, opts: KubeFlags & { token?: string; priority?: string; sync?: boolean }) => {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new VelahubError('EUSAGE', `registry name ${JSON.stringify(name)} is invalid: use lowercase letters, digits and dashes`, { path: 'NAME' });
      const [{ RegistryClient }, { configPath, readConfig, writeConfig }] = await Promise.all([import('../../registry/client.ts'), import('../config.ts')]);
      new RegistryClient(url);
      const config = await readConfig();
      const list = (config.registries ?? []).filter((r) => r.name !== name);
      const at = opts.priority === undefined ? list.length : Number(opts.priority) - 1;
      if (!Number.isInteger(at) || at < 0) throw new VelahubError('EUSAGE', `--priority ${JSON.stringify(opts.priority)} must be a whole number >= 1`, { path: '--priority' });
      list.splice(Math.min(at, list.length), 0, { name, url: url.replace(/\/+$/, ''), ...(opts.token ? { token: opts.token } : {}) });
      await writeConfig({ ...config, registries: list });
      printOut(`Added registry ${name} (${url}) at priority ${Math.min(at, list.length - 1) + 1} in ${configPath()}\n`);
      if (opts.sync) {
        if (opts.token) printWarning(`the token is not written to ${velaRegistryConfigMap}: vela keeps that ConfigMap in plain text`);
        for (const kube of await kubeClients(opts)) {
          const names = await syncVelaRegistry(kube, opts.velaNamespace, { name, url });
          printOut(`${kube.context}: wrote ${name} into ${opts.velaNamespace}/${velaRegistryConfigMap} (now: ${names.join(', ')})\n`);
        }
      }
    }),
  );
  registry.addCommand(
    new Command('list').description('list registries in priority order').addOption(outputOption(['table', 'json', 'yaml'])).action(async (opts: { output: OutputFormat }) => {
      const [{ readConfig }, { printResult, table }] = await Promise.all([import('../config.ts'), import('../output.ts')]);
      const list = ((await readConfig()).registries ?? []).map((r, i) => ({ priority: i + 1, name: r.name, url: r.url, auth: r.token ? 'token' : 'none' }));
      printResult(opts.output, list, () => (list.length ? table(['PRIORITY', 'NAME', 'URL', 'AUTH'], list.map((r) => [String(r.priority), r.name, r.url, r.auth])) : `No registries configured (velahub registry add NAME URL)\n`));
    }),
  );
  registry.addCommand(
    new Command('remove').description('remove a registry').argument('<name>', 'registry name').action(async (name: string) => {
      const { readConfig, writeConfig } = await import('../config.ts');
      const config = await readConfig();
      const list = config.registries ?? [];
      if (!list.some((r) => r.name === name)) throw new VelahubError('ENOT_FOUND', `no registry named ${JSON.stringify(name)}: configured are ${list.map((r) => r.name).join(', ') || 'none'}`);
      await writeConfig({ ...config, registries: list.filter((r) => r.name !== name) });
      printOut(`Removed registry ${name}\n`);
    }),
  );
  return registry;
}

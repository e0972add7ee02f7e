import { Command } from 'commander';
import { outputOption, type OutputFormat } from '../output-format.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';

/** `velahub search TEXT`: addons, or definitions with --definitions / --parameter. */
export function searchCommand(): Command {
  return withRegistryOptions(
    new Command('search')
      .description('search addons by name, description and tag; or definitions (--definitions, --parameter NAME)')
      .argument('[text]', 'words to search for')
      .option('--tag <tag>', 'only addons with this tag')
      .option('--type <type>', 'only addons/definitions of this definition type (component, trait, policy, workflow-step)')
      .option('--definitions', 'search definitions instead of addons')
      .option('--parameter <name>', 'definitions taking a parameter of this name (implies --definitions)')
      .option('--limit <n>', 'results to show (1-100)', '20')
      .addOption(outputOption(['table', 'json', 'yaml'])),
  ).action(async (text: string | undefined, opts: RegistryFlags & { tag?: string; type?: string; definitions?: boolean; parameter?: string; limit: string; output: OutputFormat }) => {
    const [{ registryClient }, { printResult, table }] = await Promise.all([import('../config.ts'), import('../output.ts')]);
    const client = await registryClient(opts);
    if (opts.definitions || opts.parameter) {
      const page = await client.searchDefinitions({ text, type: opts.type, parameter: opts.parameter, limit: Number(opts.limit) });
      return printResult(opts.output, page, () => (page.items.length ? table(['NAME', 'TYPE', 'ADDON', 'VERSION', 'DESCRIPTION'], page.items.map((d) => [d.name, d.type, d.addon, d.version, d.description])) : 'No definitions found\n'));
    }
    const page = await client.searchAddons({ text, tag: opts.tag, type: opts.type, limit: Number(opts.limit) });
    printResult(opts.output, page, () => (page.items.length ? table(['NAME', 'LATEST', 'PROVIDES', 'DESCRIPTION'], page.items.map((a) => [a.name, a.latest ?? '-', a.definitionTypes.join(',') || '-', a.description])) : 'No addons found\n'));
  });
}

import { Command } from 'commander';
import { outputOption, type OutputFormat } from '../output-format.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';

/** `velahub info NAME[@VERSION]`: an addon's versions, or one version's details. */
export function infoCommand(): Command {
  return withRegistryOptions(
    new Command('info')
      .description("show an addon's versions, or one version's details")
      .argument('<ref>', 'NAME or NAME@VERSION')
      .addOption(outputOption(['table', 'json', 'yaml'])),
  ).action(async (ref: string, opts: RegistryFlags & { output: OutputFormat }) => {
    const [{ registryClient }, { printResult, table }, { nameAtVersion }] = await Promise.all([import('../config.ts'), import('../output.ts'), import('./name-at-version.ts')]);
    const { name, version } = nameAtVersion(ref, false);
    const client = await registryClient(opts);
    const addon = await client.addon(name);
    const v = await client.version(name, version ?? addon.latest ?? addon.versions[0]!.version);
    printResult(opts.output, version ? v : { ...addon, latestVersion: v }, () => {
      const lines = [
        `${v.name}@${v.version}${v.deprecated ? `  DEPRECATED: ${v.deprecated}` : ''}${v.yanked ? '  YANKED' : ''}`,
        String(v.metadata.description ?? ''),
        '',
        `digest:       ${v.digest}`,
        `published:    ${v.createdAt}`,
        `requires:     KubeVela ${v.system.vela ?? 'any'}, Kubernetes ${v.system.kubernetes ?? 'any'}`,
        `dependencies: ${v.dependencies.map((d) => `${d.name}${d.version ? ` (${d.version})` : ''}`).join(', ') || 'none'}`,
        `definitions:  ${v.definitions.map((d) => `${d.type}/${d.name}`).join(', ') || 'none'}`,
        '',
      ];
      return lines.join('\n') + '\n' + (version ? '' : table(['VERSION', 'PUBLISHED', 'STATUS'], addon.versions.map((x) => [x.version, x.createdAt, x.yanked ? 'yanked' : x.deprecated ? 'deprecated' : x.version === addon.latest ? 'latest' : ''])));
    });
  });
}

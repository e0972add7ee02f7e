import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import type { AddonStatus } from '../../installer/status.ts';
import { kubeClients, withKubeOptions, type KubeFlags } from '../kube-options.ts';
import { outputOption, type OutputFormat } from '../output-format.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';
import { progress } from './install.ts';
import { printOut, printWarning } from '../report.ts';

/** `velahub disable NAME`: refuses while dependents or Applications need it. */
export function disableCommand(): Command {
  return withKubeOptions(new Command('disable'))
    .description('disable an addon: refused while another enabled addon or an Application needs it')
    .argument('<addon>', 'addon name')
    .option('--force', 'disable anyway (prints what still needs it)')
    .option('--dry-run', 'show what would be deleted')
    .action(async (name: string, opts: KubeFlags & { force?: boolean; dryRun?: boolean }) => {
      const { disableAddon } = await import('../../installer/disable.ts');
      for (const kube of (await kubeClients(opts))) {
        const r = await disableAddon(kube, name, { namespace: opts.velaNamespace, force: opts.force, dryRun: opts.dryRun });
        for (const w of r.warnings) printWarning(w);
        printOut(`${r.cluster}: ${opts.dryRun ? 'would delete' : 'deleted'} ${r.deleted.join(', ')}\n`);
      }
    });
}

async function statuses(opts: KubeFlags & RegistryFlags): Promise<AddonStatus[]> {
  const [{ installerRegistries }, { loadRegistries }, { addonStatus }] = await Promise.all([import('../config.ts'), import('../../installer/load-registries.ts'), import('../../installer/status.ts')]);
  const sources = await installerRegistries(opts);
  const snapshots = sources.length ? await loadRegistries(sources, progress) : [];
  const out: AddonStatus[] = [];
  for (const kube of (await kubeClients(opts))) out.push(...(await addonStatus(kube, snapshots, opts.velaNamespace)));
  return out;
}

/** `velahub list`: enabled addons per cluster, with newer versions and warnings. */
export function listCommand(): Command {
  return withKubeOptions(withRegistryOptions(new Command('list')))
    .description('list enabled addons on each cluster: version, registry, phase, newer versions, warnings')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (opts: KubeFlags & RegistryFlags & { output: OutputFormat }) => {
      const { printResult, table } = await import('../output.ts');
      const list = await statuses(opts);
      printResult(opts.output, list, () => (list.length ? table(['CLUSTER', 'ADDON', 'VERSION', 'REGISTRY', 'PHASE', 'NEWER', 'WARNINGS'], list.map((s) => [s.cluster, s.name, s.version, s.registry ?? '-', s.phase, s.newer[0] ?? '-', s.warnings.join('; ') || '-'])) : 'No addons enabled\n'));
    });
}

/** `velahub status NAME`: one addon on each cluster. */
export function statusCommand(): Command {
  return withKubeOptions(withRegistryOptions(new Command('status')))
    .description('show one addon on each cluster')
    .argument('<addon>', 'addon name')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (name: string, opts: KubeFlags & RegistryFlags & { output: OutputFormat }) => {
      const { printResult } = await import('../output.ts');
      const list = (await statuses(opts)).filter((s) => s.name === name);
      if (list.length === 0) throw new VelahubError('ENOT_FOUND', `addon ${name} is not enabled on ${(await kubeClients(opts)).map((k) => k.context).join(', ')}`);
      printResult(opts.output, list, () => list.map(statusText).join(''));
    });
}

/** One addon on one cluster as `status` shows it to people. */
function statusText(s: AddonStatus): string {
  const lines = [`${s.cluster}: ${s.name} ${s.version} (registry ${s.registry ?? 'unknown'}), phase ${s.phase}`];
  if (s.newer.length) lines.push(`  newer versions: ${s.newer.join(', ')}`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n') + '\n';
}

import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import { disableAddon } from '../../installer/disable.ts';
import { loadRegistries } from '../../installer/enable.ts';
import { addonStatus, type AddonStatus } from '../../installer/status.ts';
import { installerRegistries } from '../config.ts';
import { kubeClients, withKubeOptions, type KubeFlags } from '../kube-options.ts';
import { outputFormat, printData, table } from '../output.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';
import { progress } from './install.ts';

/** `velahub disable NAME`: refuses while dependents or Applications need it. */
export function disableCommand(): Command {
  return withKubeOptions(new Command('disable'))
    .description('disable an addon: refused while another enabled addon or an Application needs it')
    .argument('<addon>', 'addon name')
    .option('--force', 'disable anyway (prints what still needs it)')
    .option('--dry-run', 'show what would be deleted')
    .action(async (name: string, opts: KubeFlags & { force?: boolean; dryRun?: boolean }) => {
      for (const kube of (await kubeClients(opts))) {
        const r = await disableAddon(kube, name, { namespace: opts.velaNamespace, force: opts.force, dryRun: opts.dryRun });
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`${r.cluster}: ${opts.dryRun ? 'would delete' : 'deleted'} ${r.deleted.join(', ')}\n`);
      }
    });
}

async function statuses(opts: KubeFlags & RegistryFlags): Promise<AddonStatus[]> {
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
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (opts: KubeFlags & RegistryFlags & { output: string }) => {
      const format = outputFormat(opts.output, ['table', 'json', 'yaml']);
      const list = await statuses(opts);
      if (format !== 'table') return printData(list, format);
      process.stdout.write(list.length ? table(['CLUSTER', 'ADDON', 'VERSION', 'REGISTRY', 'PHASE', 'NEWER', 'WARNINGS'], list.map((s) => [s.cluster, s.name, s.version, s.registry ?? '-', s.phase, s.newer[0] ?? '-', s.warnings.join('; ') || '-'])) : 'No addons enabled\n');
    });
}

/** `velahub status NAME`: one addon on each cluster. */
export function statusCommand(): Command {
  return withKubeOptions(withRegistryOptions(new Command('status')))
    .description('show one addon on each cluster')
    .argument('<addon>', 'addon name')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .action(async (name: string, opts: KubeFlags & RegistryFlags & { output: string }) => {
      const format = opts.output === 'text' ? 'table' : outputFormat(opts.output, ['json', 'yaml']);
      const list = (await statuses(opts)).filter((s) => s.name === name);
      if (list.length === 0) throw new VelahubError('ENOT_FOUND', `addon ${name} is not enabled on ${(await kubeClients(opts)).map((k) => k.context).join(', ')}`);
      if (format !== 'table') return printData(list, format);
      for (const s of list) {
        process.stdout.write(`${s.cluster}: ${s.name} ${s.version} (registry ${s.registry ?? 'unknown'}), phase ${s.phase}\n`);
        if (s.newer.length) process.stdout.write(`  newer versions: ${s.newer.join(', ')}\n`);
        for (const w of s.warnings) process.stdout.write(`  warning: ${w}\n`);
      }
    });
}

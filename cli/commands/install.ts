import { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { VelahubError } from '../../core/errors.ts';
import type { Plan, Requested } from '../../core/resolve/types.ts';
import type { InstallEvent } from '../../installer/enable.ts';
import { lockFileName } from '../../installer/lock-file.ts';
import type { UpgradeReport } from '../../installer/upgrade-report.ts';
import { kubeClients, withKubeOptions, type KubeFlags } from '../kube-options.ts';
import { outputOption } from '../output-format.ts';
import { collectValues } from './render.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';
import { printNote, printOut } from '../report.ts';

/** Parses `NAME[@RANGE]` arguments. */
function parseRequests(refs: string[]): Requested[] {
  return refs.map((ref) => {
    const at = ref.indexOf('@');
    const name = at > 0 ? ref.slice(0, at) : ref;
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) throw new VelahubError('EUSAGE', `${JSON.stringify(ref)} is not ADDON[@RANGE]: names are lowercase letters and digits separated by dashes`, { path: 'ADDON' });
    return at > 0 ? { name, range: ref.slice(at + 1) } : { name };
  });
}

/** Prints progress events on stderr, so stdout stays clean for -o json. */
export function progress(e: InstallEvent): void {
  const line = (s: string) => printNote(s + '\n');
  switch (e.kind) {
    case 'registry':
      if (e.error) line(`warning: registry ${e.name} is unreachable (${e.error}); skipping it`);
      break;
    case 'fetch':
      line(`Fetching ${e.name} ${e.version} (verifying sha256) ...`);
      break;
    case 'apply':
      line(`${e.cluster}: ${e.name} ${e.version}: ${e.report.created.length} created, ${e.report.changed.length} changed, ${e.report.unchanged.length} unchanged`);
      for (const p of e.report.pruned) line(`warning: ${e.cluster}: ${e.name}: left out ${p}`);
      break;
    case 'wait':
      if (Math.round(e.elapsedMs / 1000) % 10 === 0) line(`${e.cluster}: waiting for addon-${e.name} to run (${Math.round(e.elapsedMs / 1000)} s)${e.unhealthy?.length ? `; not healthy yet: ${e.unhealthy.join('; ')}` : ''}`);
      break;
    case 'rollback':
      line(`${e.cluster}: rolled back this run's changes${e.problems.length ? `; could not undo: ${e.problems.join('; ')}` : ''}`);
      break;
    case 'warning':
      line(`warning: ${e.message}`);
      break;
    case 'plan':
    case 'upgrade-report':
    case 'upgraded':
      break;
  }
}

async function printPlans(plans: Plan[]): Promise<void> {
  const { table } = await import('../output.ts');
  for (const p of plans) {
    printOut(`Cluster ${p.cluster}:\n`);
    printOut(table(['ADDON', 'ACTION', 'VERSION', 'FROM', 'REGISTRY', 'REASON'], p.steps.map((s) => [s.name, s.action, s.version, s.from ?? '-', s.registry, s.reason])));
    for (const w of p.warnings) printOut(`warning: ${w}\n`);
    printOut('\n');
  }
}

const verifyHelp = "evaluate each archive's CUE even when its velahub registry stored the manifest for the same sha256";

const plansJson = (plans: Plan[]) => plans.map((p) => ({ cluster: p.cluster, warnings: p.warnings, steps: p.steps.map(({ candidate: _c, ...s }) => s) }));

/** `velahub plan ADDON[@RANGE]...`: what enable would do on each cluster; writes nothing. */
export function planCommand(): Command {
  return withKubeOptions(withRegistryOptions(new Command('plan')))
    .description('resolve addons and their dependencies for each cluster and show the plan; nothing is written')
    .argument('<addons...>', 'ADDON or ADDON@RANGE, e.g. bizworks-platform@^1.0.0')
    .option('--lock', `also write ${lockFileName} (addon, version, registry, sha256)`)
    .option('--upgrade', 'allow installed addons to move to newer versions')
    .option('--verify', verifyHelp)
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (refs: string[], opts: KubeFlags & RegistryFlags & { lock?: boolean; upgrade?: boolean; verify?: boolean; output: 'table' | 'json' | 'yaml' }) => {
      const [{ planAddons }, { lockFromPlans, writeLockFile }, { installerRegistries }, { withEvaluator }, { printData }] = await Promise.all([
        import('../../installer/plan.ts'),
        import('../../installer/lock-file.ts'),
        import('../config.ts'),
        import('../evaluator.ts'),
        import('../output.ts'),
      ]);
      const format = opts.output;
      const plans = await withEvaluator(async (cue) => planAddons({ requested: parseRequests(refs), clusters: (await kubeClients(opts)), registries: await installerRegistries(opts), cue, namespace: opts.velaNamespace, upgrade: opts.upgrade, verify: opts.verify, onEvent: progress }));
      if (opts.lock) {
        await writeLockFile(lockFileName, lockFromPlans(plans));
        printNote(`Wrote ${lockFileName}\n`);
      }
      if (format !== 'table') return printData(plansJson(plans), format);
      await printPlans(plans);
    });
}

/** `velahub enable ADDON[@RANGE]...`: resolve, verify and apply, dependencies first. */
export function enableCommand(): Command {
  const collect = (v: string, prev: string[]) => [...prev, v];
  return withKubeOptions(withRegistryOptions(new Command('enable')))
    .description('enable addons with their dependencies on one or more clusters, as vela addon enable would')
    .argument('[addons...]', 'ADDON or ADDON@RANGE (with --locked: taken from the lock file)')
    .option('--set <key=value>', 'addon parameter (repeatable), validated against its parameter.cue', collect, [])
    .option('-f, --values <file>', 'YAML file of addon parameters (repeatable)', collect, [])
    .option('--dry-run', 'validate everything with the API server (dryRun=All), write nothing; with -o yaml|json, print every object it would apply')
    .option('--override-definitions', 'take over definitions owned by another addon or applied by hand')
    .option('--locked', `install exactly what ${lockFileName} pins, verifying digests`)
    .option('--wait-timeout <seconds>', 'how long to wait for each addon to run (when vela-core runs)', '300')
    .option('--no-wait', 'apply every addon without waiting for its Application to run (dependencies included)')
    .option('--verify', verifyHelp)
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (refs: string[], opts: KubeFlags & RegistryFlags & { set: string[]; values: string[]; dryRun?: boolean; overrideDefinitions?: boolean; locked?: boolean; verify?: boolean; waitTimeout: string; wait: boolean; output: 'table' | 'json' | 'yaml' }) => {
      const [{ enableAddons }, { readLockFile }, { installerRegistries }, { withEvaluator }, { printData, printObjects }] = await Promise.all([
        import('../../installer/enable.ts'),
        import('../../installer/lock-file.ts'),
        import('../config.ts'),
        import('../evaluator.ts'),
        import('../output.ts'),
      ]);
      const format = opts.output;
      const lock = opts.locked ? await readLockFile(lockFileName) : undefined;
      const requested = refs.length ? parseRequests(refs) : (lock ?? []).map((l) => ({ name: l.name, range: l.version }));
      if (requested.length === 0) throw new VelahubError('EUSAGE', 'name at least one addon (or use --locked with a lock file)', { path: 'ADDON' });
      const parameters = await collectValues(opts.values, opts.set);
      const results = await withEvaluator(async (cue) =>
        enableAddons({ requested, clusters: (await kubeClients(opts)), registries: await installerRegistries(opts), cue, parameters, dryRun: opts.dryRun, overrideDefinitions: opts.overrideDefinitions, lock, namespace: opts.velaNamespace, verify: opts.verify, waitTimeoutMs: Number(opts.waitTimeout) * 1000, wait: opts.wait, onEvent: progress }),
      );
      if (format !== 'table' && opts.dryRun) return printObjects(results.map((r) => ({ cluster: r.cluster, objects: r.applied.flatMap((a) => a.report.objects ?? []) })), format);
      if (format !== 'table') return printData(results.map((r) => ({ cluster: r.cluster, applied: r.applied, warnings: r.plan.warnings })), format);
      for (const r of results) {
        for (const w of r.plan.warnings) printOut(`warning: ${w}\n`);
        const kept = r.plan.steps.filter((s) => s.action === 'keep').map((s) => `${s.name} ${s.version}`);
        printOut(`${r.cluster}: ${opts.dryRun ? 'would enable' : 'enabled'} ${r.applied.map((a) => `${a.name} ${a.version}`).join(', ') || 'nothing new'}${kept.length ? `; kept ${kept.join(', ')}` : ''}\n`);
        // NOTES.cue, printed as `vela addon enable` prints it, once per addon however many clusters.
        for (const a of r.applied) if (a.notes && r === results.find((x) => x.applied.some((y) => y.name === a.name && y.notes))) printOut(`\n${a.name}:\n${a.notes.trimEnd()}\n`);
      }
    });
}

/** `velahub upgrade NAME[@RANGE]`: shows schema changes and affected Applications, then upgrades. */
export function upgradeCommand(): Command {
  return withKubeOptions(withRegistryOptions(new Command('upgrade')))
    .description('upgrade an enabled addon within a range, after showing parameter changes and affected Applications')
    .argument('<addon>', 'ADDON or ADDON@RANGE (never moves past the range)')
    .option('--yes', 'do not ask for confirmation')
    .option('--dry-run', 'show the report and validate, write nothing')
    .option('--verify', verifyHelp)
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (ref: string, opts: KubeFlags & RegistryFlags & { yes?: boolean; dryRun?: boolean; verify?: boolean; output: 'table' | 'json' | 'yaml' }) => {
      const [{ upgradeAddon }, { installerRegistries }, { withEvaluator }, { printData }] = await Promise.all([
        import('../../installer/upgrade.ts'),
        import('../config.ts'),
        import('../evaluator.ts'),
        import('../output.ts'),
      ]);
      const format = opts.output;
      const [req] = parseRequests([ref]);
      const { name, range } = req!;
      const onEvent = (e: InstallEvent) => {
        if (e.kind === 'upgrade-report') printUpgradeReport(e.report, name, format, printData);
        else if (e.kind === 'upgraded') {
          if (format === 'table') printOut(`${e.cluster}: ${opts.dryRun ? 'would upgrade' : 'upgraded'} ${e.name} to ${e.version}\n`);
        } else progress(e);
      };
      const confirm = async (report: UpgradeReport) => {
        if (!process.stdin.isTTY) throw new VelahubError('EUSAGE', 'confirmation needed: pass --yes to upgrade without a prompt', { path: '--yes' });
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`Upgrade ${name} on ${report.cluster} to ${report.to}? [y/N] `);
        rl.close();
        const yes = /^y(es)?$/i.test(answer.trim());
        if (!yes) printNote('Cancelled\n');
        return yes;
      };
      await withEvaluator(async (cue) =>
        upgradeAddon({ name, range, registries: await installerRegistries(opts), clusters: await kubeClients(opts), cue, namespace: opts.velaNamespace, dryRun: opts.dryRun, verify: opts.verify, confirm: opts.yes || opts.dryRun ? undefined : confirm, onEvent }),
      );
    });
}

/** An upgrade's report for one cluster: the versions, each definition's parameter changes, the Applications a breaking change affects. */
function printUpgradeReport(report: UpgradeReport, name: string, format: 'table' | 'json' | 'yaml', printData: typeof import('../output.ts').printData): void {
  if (format !== 'table') return printData({ ...report, plan: plansJson([report.plan])[0] }, format);
  printOut(`${report.cluster}: ${name} ${report.from} → ${report.to}\n`);
  for (const d of report.definitions) {
    printOut(`  ${d.definition}: ${d.changes.length ? '' : 'no parameter changes'}\n`);
    for (const c of d.changes) printOut(`    ${c.breaking ? 'BREAKING' : 'compatible'}: ${c.message}\n`);
  }
  if (report.affectedApplications.length) printOut(`  Applications affected by breaking changes: ${report.affectedApplications.join(', ')}\n`);
}

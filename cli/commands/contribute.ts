import { Command, Option } from 'commander';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { errorsOf } from '../../core/diagnostics.ts';
import { VelahubError } from '../../core/errors.ts';
import type { CatalogTrack, ExistingCatalogAddon } from '../../core/package/catalog-export.ts';
import type { PackageFiles } from '../../core/package/files.ts';
import { assertDestination, destinationOption, warnDeprecated } from '../destination.ts';
import { kubeClients, withKubeOptions, type KubeFlags } from '../kube-options.ts';
import { printDiagnostics, printNote, printOut } from '../report.ts';
import { outputOption } from '../output-format.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';
import { progress } from './install.ts';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Writes files into a folder that must not exist yet, atomically (temp folder, then rename). */
async function writeFolder(folder: string, files: PackageFiles, replace: boolean): Promise<void> {
  // resolve() drops a trailing slash: `-o out/` must not put the temp folder inside out/.
  const target = resolve(folder);
  const tmp = `${target}.velahub-tmp`;
  await rm(tmp, { recursive: true, force: true });
  for (const [path, data] of files) {
    await mkdir(dirname(join(tmp, path)), { recursive: true });
    await writeFile(join(tmp, path), data);
  }
  if (replace) await rm(target, { recursive: true, force: true });
  await mkdir(dirname(target), { recursive: true });
  await rename(tmp, target);
}

async function ask(question: string, flag: string): Promise<string> {
  if (!process.stdin.isTTY) throw new VelahubError('EUSAGE', `${flag} is required (no terminal to ask on)`, { path: flag });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** `velahub adopt --context C [-d DIR]`: a cluster's own definitions as an addon folder DIR/NAME. */
export function adoptCommand(): Command {
  return withKubeOptions(new Command('adopt'))
    .description("turn the definitions in a cluster that no addon owns into an addon folder (KubeVela layout)")
    .addOption(destinationOption('parent folder of the addon folder NAME (which must not exist)'))
    .addOption(new Option('-o, --output <dir>', 'deprecated: the exact folder to create; use -d').hideHelp())
    .option('-n, --namespace <ns>', 'namespace holding the definitions', 'vela-system')
    .option('--select <names>', 'only these definitions (comma separated)')
    .option('--name <name>', 'addon name (asked when omitted)')
    .option('--version <version>', 'addon version', '1.0.0')
    .option('--description <text>', 'addon description (asked when omitted)')
    .action(async (opts: KubeFlags & { destination: string; output?: string; namespace: string; select?: string; name?: string; version: string; description?: string }, cmd: Command) => {
      const destinationGiven = cmd.getOptionValueSource('destination') === 'cli';
      if (opts.output !== undefined) {
        if (destinationGiven) throw new VelahubError('EUSAGE', `-o ${JSON.stringify(opts.output)} and -d cannot be used together: pass -d DIR`, { path: '-o' });
        warnDeprecated('adopt -o DIR', 'pass -d PARENT (--destination); the folder is PARENT/NAME');
        if (await exists(opts.output)) throw new VelahubError('EEXIST', `${opts.output} already exists: choose a new folder`, { path: '-o' });
      } else {
        await assertDestination(opts.destination);
        if (opts.name !== undefined && (await exists(join(opts.destination, opts.name)))) throw new VelahubError('EEXIST', `${join(opts.destination, opts.name)} already exists: choose another --name or -d`, { path: '--name' });
      }
      const [{ unownedDefinitions }, { adoptDefinitions }, { withEvaluator }] = await Promise.all([import('../../installer/adopt.ts'), import('../../core/package/adopt.ts'), import('../evaluator.ts')]);
      const [kube, ...more] = (await kubeClients(opts));
      if (more.length) throw new VelahubError('EUSAGE', 'adopt reads one cluster: pass one --context', { path: '--context' });
      const crs = await unownedDefinitions(kube!, opts.namespace, opts.select?.split(',').map((s) => s.trim()).filter(Boolean));
      printNote(`${kube!.context}: adopting ${crs.map((c) => `${c.kind} ${c.metadata.name}`).join(', ')}\n`);
      const name = opts.name ?? (await ask('Addon name: ', '--name'));
      const description = opts.description ?? (await ask('Description: ', '--description'));
      const target = opts.output ?? join(opts.destination, name);
      if (opts.output === undefined && (await exists(target))) throw new VelahubError('EEXIST', `${target} already exists: choose another --name or -d`, { path: '--name' });
      const result = await withEvaluator((cue) => adoptDefinitions(crs, { name, version: opts.version, description }, cue));
      await writeFolder(target, result.files, false);
      printDiagnostics(result.diagnostics, target);
      const errors = errorsOf(result.diagnostics).length;
      printOut(`Wrote ${target}/ (${[...result.files.keys()].join(', ')})\n`);
      printOut(errors ? `${errors} error(s) to fix before publishing; then: velahub lint ${target}\n` : `It lints clean. Next: velahub publish ${target}\n`);
      if (errors) process.exitCode = 1;
    });
}

/** `velahub export ADDON[@VERSION] --catalog DIR`: write an addon into a community catalog checkout. */
export function exportCommand(): Command {
  return withRegistryOptions(new Command('export'))
    .description('write a published addon into a checkout of the KubeVela community catalog, ready for a pull request')
    .argument('<addon>', 'ADDON or ADDON@VERSION (default: the latest)')
    .requiredOption('--catalog <dir>', 'the catalog checkout (holds addons/ and experimental/addons/)')
    .option('--experimental', 'put a new addon in experimental/addons/ (the default for new addons)')
    .option('--stable', 'put a new addon in addons/')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (ref: string, opts: RegistryFlags & { catalog: string; experimental?: boolean; stable?: boolean; output: 'table' | 'json' | 'yaml' }) => {
      const format = opts.output;
      if (opts.experimental && opts.stable) throw new VelahubError('EUSAGE', '--experimental and --stable cannot be used together', { path: '--stable' });
      const [{ nameAtVersion }, { prepareCatalogExport }, { pickVersion }, { AddonFetcher }, { loadRegistries }, { installerRegistries }, { withEvaluator }, { printData }] = await Promise.all([
        import('./name-at-version.ts'),
        import('../../core/package/catalog-export.ts'),
        import('../../core/resolve/pick-version.ts'),
        import('../../installer/fetch-addon.ts'),
        import('../../installer/load-registries.ts'),
        import('../config.ts'),
        import('../evaluator.ts'),
        import('../output.ts'),
      ]);
      const { name, version } = nameAtVersion(ref, false);
      if (!(await exists(join(opts.catalog, 'addons'))) && !(await exists(join(opts.catalog, 'experimental', 'addons')))) {
        throw new VelahubError('EUSAGE', `${opts.catalog} is not a catalog checkout: it has neither addons/ nor experimental/addons/`, { path: '--catalog' });
      }
      let existing: ExistingCatalogAddon | undefined;
      for (const track of ['addons', 'experimental/addons'] as CatalogTrack[]) {
        const meta = join(opts.catalog, track, name, 'metadata.yaml');
        if (await exists(meta)) existing = { track, metadataText: await readFile(meta, 'utf8') };
      }
      const sources = await installerRegistries(opts);
      const result = await withEvaluator(async (cue) => {
        const snapshots = await loadRegistries(sources, progress);
        const fetched = await new AddonFetcher(cue, sources).fetch(pickVersion(snapshots, name, version));
        return prepareCatalogExport({ files: fetched.files, manifest: fetched.manifest, existing, track: opts.stable ? 'addons' : opts.experimental ? 'experimental/addons' : undefined });
      });
      await writeFolder(join(opts.catalog, result.folder), result.files, result.change === 'update');
      if (format !== 'table') return printData({ folder: result.folder, change: result.change, previousVersion: result.previousVersion, files: [...result.files.keys()], pullRequest: result.pullRequest }, format);
      printOut(`Wrote ${join(opts.catalog, result.folder)}/ (${result.change}${result.previousVersion ? ` from ${result.previousVersion}` : ''})\n\n`);
      printOut(`Pull request:\n  git -C ${opts.catalog} checkout -b ${result.pullRequest.branch}\n  git -C ${opts.catalog} add ${result.folder}\n  git -C ${opts.catalog} commit -s -m "${result.pullRequest.title}"\n\nTitle: ${result.pullRequest.title}\n\n${result.pullRequest.body}\n`);
    });
}

import { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { refusal } from '../../core/diagnostics.ts';
import { VelahubError } from '../../core/errors.ts';
import { assertDestination, destinationOption, writeWhole } from '../destination.ts';
import { outputOption, type OutputFormat } from '../output-format.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';
import { printNote } from '../report.ts';

/**
 * The bytes to upload for CHART.tgz (as they are, so the digest is the
 * file's; the server validates) or a chart folder (its .helmignore applied,
 * validated here first, packed with the chart's name as top folder).
 */
async function chartArchiveOf(path: string): Promise<Uint8Array> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new VelahubError('ENOENT', `${path}: no such file or directory`, { path, hint: 'pass a chart .tgz (helm package output) or a chart folder' });
  if (info.isFile()) {
    if (!/\.(tgz|tar\.gz)$/.test(path)) throw new VelahubError('EUSAGE', `${path} is not a chart archive: pass a .tgz (helm package output) or a chart folder`, { path: 'CHART' });
    return readFile(path);
  }
  const [{ parseChartYaml }, { applyHelmignore }, { inspectChart }, { packFiles }, { textOf }, { readFolder }] = await Promise.all([
    import('../../core/chart/chart-yaml.ts'),
    import('../../core/chart/helmignore.ts'),
    import('../../core/chart/inspect.ts'),
    import('../../core/package/archive.ts'),
    import('../../core/package/files.ts'),
    import('../../core/package/read-folder.ts'),
  ]);
  const files = applyHelmignore(await readFolder(path));
  const name = parseChartYaml(textOf(files, 'Chart.yaml') ?? '').name;
  const inspection = inspectChart(name ?? path, files);
  if (!inspection.manifest) throw refusal(path, inspection.diagnostics);
  const m = inspection.manifest.metadata;
  return packFiles(m.name, files, m).data;
}

/** The flags of every chart command: the registry's, and `-o` with the human format as default. */
function chartOptions(cmd: Command): Command {
  return withRegistryOptions(cmd).addOption(outputOption(['table', 'json', 'yaml']));
}

type ChartFlags = RegistryFlags & { output: OutputFormat };

/** What every chart action uses, loaded when one runs (not for --help). */
async function chartActionModules() {
  const [{ registryClient }, { printResult, table }, { nameAtVersion }] = await Promise.all([import('../config.ts'), import('../output.ts'), import('./name-at-version.ts')]);
  return { registryClient, printResult, table, nameAtVersion };
}

/** `velahub chart push|list|info|pull|delete`: the registry's Helm chart repository. */
export function chartCommand(): Command {
  const chart = new Command('chart').description("application Helm charts in the registry's chart repository (<registry>/helm)");

  chart.addCommand(
    chartOptions(
      new Command('push')
        .description('upload a chart: a .tgz from helm package, or a chart folder (validated and packed, .helmignore applied); a new version is an update, versions never change')
        .argument('<chart>', 'CHART.tgz or a chart folder'),
    ).action(async (path: string, opts: ChartFlags) => {
      const { registryClient, printResult } = await chartActionModules();
      const client = await registryClient(opts);
      const archive = await chartArchiveOf(path);
      printNote(`Uploading ${path} (${archive.length} bytes) to ${client.baseUrl}/helm ...\n`);
      const result = await client.pushChart(archive);
      printResult(opts.output, result, () => (result.status === 'created' ? `Uploaded chart ${result.name}@${result.version} (${result.digest})\n` : `chart ${result.name}@${result.version} is already uploaded with identical content (${result.digest})\n`));
    }),
  );

  chart.addCommand(
    chartOptions(
      new Command('list')
        .description('list the charts and their newest versions')
        .option('-q, --query <text>', 'only charts whose name or description contains this text'),
    ).action(async (opts: ChartFlags & { query?: string }) => {
      const { registryClient, printResult, table } = await chartActionModules();
      const client = await registryClient(opts);
      const items: Awaited<ReturnType<typeof client.listCharts>>['items'] = [];
      for (let offset = 0; ; offset += 100) {
        const page = await client.listCharts({ text: opts.query, limit: 100, offset });
        items.push(...page.items);
        if (offset + 100 >= page.total) break;
      }
      printResult(opts.output, items, () => table(['NAME', 'VERSION', 'APP VERSION', 'VERSIONS', 'DESCRIPTION'], items.map((c) => [c.name, c.latest, c.appVersion ?? '-', String(c.versions), c.description])));
    }),
  );

  chart.addCommand(
    chartOptions(
      new Command('info')
        .description("show a chart's versions, or one version: values, dependencies, digest and a helm-component Application")
        .argument('<ref>', 'NAME or NAME@VERSION'),
    ).action(async (ref: string, opts: ChartFlags) => {
      const { registryClient, printResult, table, nameAtVersion } = await chartActionModules();
      const { name, version } = nameAtVersion(ref, false);
      const client = await registryClient(opts);
      const detail = await client.chart(name);
      const v = await client.chartVersion(name, version ?? detail.latest);
      printResult(opts.output, version ? v : { ...detail, latestVersion: v }, () => {
        const lines = [
          `${v.name}@${v.version}${v.appVersion ? `  (app ${v.appVersion})` : ''}`,
          v.description,
          '',
          `digest:       ${v.digest}`,
          `uploaded:     ${v.createdAt}`,
          `repository:   ${v.repository}`,
          `dependencies: ${v.dependencies.map((d) => `${d.name} ${d.version}`).join(', ') || 'none'}`,
          `values from:  ${v.parameterSource}`,
          '',
          'Application (helm-component):',
          v.application.trimEnd(),
          '',
        ];
        return lines.join('\n') + '\n' + (version ? '' : table(['VERSION', 'APP VERSION', 'UPLOADED'], detail.versions.map((x) => [x.version, x.appVersion ?? '-', x.createdAt])));
      });
    }),
  );

  chart.addCommand(
    chartOptions(
      new Command('pull')
        .description('download a chart archive (the newest version unless NAME@VERSION), its sha256 checked against the registry')
        .argument('<ref>', 'NAME or NAME@VERSION')
        .addOption(destinationOption('folder to write NAME-VERSION.tgz into')),
    ).action(async (ref: string, opts: ChartFlags & { destination: string }) => {
      const { registryClient, printResult, nameAtVersion } = await chartActionModules();
      const { name, version } = nameAtVersion(ref, false);
      await assertDestination(opts.destination);
      const client = await registryClient(opts);
      const v = await client.chartVersion(name, version ?? (await client.chart(name)).latest);
      const data = await client.download(v.archive);
      const digest = (await import('../../core/package/archive.ts')).sha256(data);
      if (digest !== v.digest) throw new VelahubError('EDIGEST', `${v.archive} has sha256 ${digest}, but the registry lists ${v.digest} for ${name}@${v.version}; nothing was written`);
      const file = join(opts.destination, `${v.name}-${v.version}.tgz`);
      await writeWhole(file, data);
      const summary = { name: v.name, version: v.version, file, digest, size: data.length };
      printResult(opts.output, summary, () => `Pulled ${v.name}@${v.version} to ${file} (${digest})\n`);
    }),
  );

  chart.addCommand(
    chartOptions(
      new Command('delete')
        .description('delete a chart version (admin token); clusters that installed it keep their release, and the version number is never reused')
        .argument('<ref>', 'NAME@VERSION'),
    ).action(async (ref: string, opts: ChartFlags) => {
      const { registryClient, printResult, nameAtVersion } = await chartActionModules();
      const { name, version } = nameAtVersion(ref, true);
      const result = await (await registryClient(opts)).deleteChart(name, version!);
      printResult(opts.output, result, () => `Deleted chart ${name}@${version}: it left /helm/index.yaml; releases already installed from it are not touched\n`);
    }),
  );
  return chart;
}

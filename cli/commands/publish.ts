import { Command } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import { readFile } from 'node:fs/promises';
import { outputOption, type OutputFormat } from '../output-format.ts';
import { printDiagnostics, printNote } from '../report.ts';
import { withRegistryOptions, type RegistryFlags } from './registry-options.ts';

/** `velahub publish PATH|FILE.tgz|FILE.cue`: validate locally, then upload. */
export function publishCommand(): Command {
  return withRegistryOptions(
    new Command('publish')
      .description('publish an addon folder, a .tgz, or a single definition (with --version) to a registry')
      .argument('<path>', 'addon folder, .tgz archive, or .cue/.yaml definition')
      .option('--version <version>', 'version for a single-definition package')
      .addOption(outputOption(['table', 'json', 'yaml'])),
  ).action(async (path: string, opts: RegistryFlags & { version?: string; output: OutputFormat }) => {
    const [{ registryClient }, { withEvaluator }, { printResult }] = await Promise.all([import('../config.ts'), import('../evaluator.ts'), import('../output.ts')]);
    const client = await registryClient(opts);
    let archive: Uint8Array;
    if (/\.(tgz|tar\.gz)$/.test(path)) {
      // The server validates everything again; upload the bytes as they are so the digest is the file's.
      archive = await readFile(path).catch(() => {
        throw new VelahubError('ENOENT', `${path}: no such file`, { path });
      });
    } else {
      const [{ loadPackage }, { inspectAddon }, { packFiles }] = await Promise.all([import('../../core/package/load.ts'), import('../../core/package/inspect.ts'), import('../../core/package/archive.ts')]);
      archive = await withEvaluator(async (cue) => {
        const loaded = await loadPackage(path, { cue, version: opts.version });
        const result = await inspectAddon(loaded.files, cue);
        if (!result.manifest) throw new VelahubError('EINVALID', `${path} has errors; nothing was published`, { data: result.diagnostics, hint: `run velahub lint ${path}` });
        printDiagnostics(result.manifest.warnings, path);
        const m = result.manifest.metadata;
        return packFiles(m.name, loaded.files, m).data;
      });
    }
    printNote(`Publishing ${path} (${archive.length} bytes) to ${client.baseUrl} ...\n`);
    const result = await client.publish(archive);
    printResult(opts.output, result, () => (result.status === 'created' ? `Published ${result.name}@${result.version} (${result.digest})\n` : `${result.name}@${result.version} is already published with identical content (${result.digest})\n`));
  });
}

import { Command } from 'commander';
import { errorsOf, hasErrors, sortDiagnostics, type Diagnostic } from '../../core/diagnostics.ts';
import { isVelahubError } from '../../core/errors.ts';
import { outputOption, type OutputFormat } from '../output-format.ts';
import { exitCodes, printDiagnostics, printOut } from '../report.ts';

/** `velahub lint PATH...`: every problem of every package at once. */
export function lintCommand(): Command {
  return new Command('lint')
    .description('validate addons and definitions: metadata, layout, and every definition evaluated by CUE')
    .argument('<path...>', 'addon folders, .tgz archives or single .cue/.yaml definitions')
    .option('--strict', 'treat warnings as errors')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (paths: string[], opts: { strict?: boolean; output: OutputFormat }) => {
      const [{ withEvaluator }, { loadPackage }, { inspectAddon }, { printData }] = await Promise.all([
        import('../evaluator.ts'),
        import('../../core/package/load.ts'),
        import('../../core/package/inspect.ts'),
        import('../output.ts'),
      ]);
      // Diagnostics of a folder or archive name files inside it and are printed under its path;
      // those of a single definition or of a package that could not be loaded name the file itself.
      const unprefixed = new Set<string>();
      const results = await withEvaluator(async (cue) => {
        const out: Array<{ path: string; diagnostics: Diagnostic[] }> = [];
        for (const path of paths) {
          try {
            const loaded = await loadPackage(path, { cue, version: '0.0.0' });
            const { diagnostics } = await inspectAddon(loaded.files, cue, { strict: opts.strict });
            if (loaded.kind === 'definition') unprefixed.add(path);
            out.push({ path, diagnostics: sortDiagnostics(loaded.kind === 'definition' ? diagnostics.map((d) => ({ ...d, file: path })) : diagnostics) });
          } catch (err) {
            if (!isVelahubError(err)) throw err;
            unprefixed.add(path);
            const list = Array.isArray(err.data) ? (err.data as Diagnostic[]).map((d) => ({ ...d, file: path })) : [{ severity: 'error' as const, code: err.code.toLowerCase(), file: path, message: err.message }];
            out.push({ path, diagnostics: list });
          }
        }
        return out;
      });
      const failed = results.some((r) => hasErrors(r.diagnostics, opts.strict));
      if (opts.output === 'json' || opts.output === 'yaml') {
        printData(results.map((r) => ({ ...r, ok: !hasErrors(r.diagnostics, opts.strict) })), opts.output);
      } else {
        for (const r of results) {
          const errors = errorsOf(r.diagnostics).length;
          const warnings = r.diagnostics.length - errors;
          printDiagnostics(r.diagnostics, unprefixed.has(r.path) ? '' : r.path.replace(/\/$/, ''));
          printOut(`${r.path}: ${errors} error(s), ${warnings} warning(s)\n`);
        }
      }
      if (failed) process.exitCode = exitCodes.invalid;
    });
}

import { Command, Option } from 'commander';
import { VelahubError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { printOut } from '../report.ts';

/** `1h`, `30m`, `90s` (or plain milliseconds) as milliseconds; throws EUSAGE naming the flag. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new VelahubError('EUSAGE', `${flag} ${JSON.stringify(text)} is not a duration: use e.g. 1h, 30m or 90s`, { path: flag });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Number(m[1]) * unit;
}

/**
 * `velahub gc`: removes archive blobs no version refers to (left by crashes between the blob
 * write and the commit), once older than --older-than. The server also runs it every hour; run
 * this against a stopped server's data folder (PGlite serves one process) or a PostgreSQL store.
 */
export function gcCommand(context: CliContext): Command {
  return new Command('gc')
    .description('remove unreferenced archive blobs older than --older-than (the server does this hourly)')
    .addOption(new Option('--data <dir>', 'data folder (blobs, embedded database)').env('VELAHUB_DATA').default('./.velahub'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL (default: embedded PGlite in the data folder)').env('DATABASE_URL'))
    .option('--older-than <duration>', 'only blobs last written longer ago than this', '1h')
    .option('--dry-run', 'list what would be removed; remove nothing')
    .action(async (opts: { data: string; databaseUrl?: string; olderThan: string; dryRun?: boolean }) => {
      const olderThanMs = parseDuration(opts.olderThan, '--older-than');
      const [{ collectGarbage }, { openRegistry }] = await Promise.all([import('../../registry/gc.ts'), import('../../registry/registry.ts')]);
      const registry = await openRegistry({ dataDir: opts.data, databaseUrl: opts.databaseUrl });
      try {
        const r = await collectGarbage(registry, { olderThanMs, now: context.now(), dryRun: opts.dryRun });
        const verb = opts.dryRun ? 'would remove' : 'removed';
        for (const d of r.removed) printOut(`${verb} ${d}\n`);
        for (const f of r.tempFiles) printOut(`${verb} temp file ${f}\n`);
        for (const id of r.uploads) printOut(`${verb} unfinished OCI upload ${id}\n`);
        for (const link of r.links) printOut(`${verb} OCI blob link ${link} (no manifest names it)\n`);
        printOut(`${r.referenced} referenced blob(s) kept; ${verb} ${r.removed.length} unreferenced blob(s) and ${r.tempFiles.length} temp file(s); ${r.young.length} unreferenced blob(s) younger than ${opts.olderThan} kept\n`);
      } finally {
        await registry.close();
      }
    });
}

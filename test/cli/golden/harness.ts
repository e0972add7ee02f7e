/**
 * What the golden-file tests of the CLI share: a registry holding small fixture addons published
 * at a fixed time, the CLI run in this process with a fixed clock, and the normalising of what
 * differs between runs (the registry's port, the test namespace, times the database stamps).
 */
import { packFiles } from '../../../core/package/archive.ts';
import type { PackageFiles } from '../../../core/package/files.ts';
import { run } from '../../../cli/main.ts';
import { publishArchive } from '../../../registry/publish.ts';
import type { TokenRecord } from '../../../registry/store/records.ts';
import { captureOutput } from '../../support/capture.ts';
import type { CliResult } from '../../support/cli.ts';
import { componentCue, metadata, startTestRegistry, traitCue, type TestRegistry, type Tree } from '../../installer/harness.ts';

/** The time every golden run sees, on the CLI's clock and the registry's publish clock. */
export const goldenTime = new Date('2025-01-02T03:04:05.000Z');

const clock = () => new Date(goldenTime);

const publisher: TokenRecord = { id: 'golden-tests', description: 'golden tests', scope: 'admin', pattern: null, createdAt: goldenTime.toISOString(), revokedAt: null };

/**
 * The fixture catalog: golden-dep 1.0.0 (a trait); golden-app 0.9.0 (yanked), 1.0.0
 * (deprecated) and 1.1.0, a component depending on golden-dep, with NOTES.cue.
 */
const catalog: Tree[] = [
  { 'metadata.yaml': metadata('golden-dep', '1.0.0'), 'definitions/golden-label.cue': traitCue('golden-label') },
  ...['0.9.0', '1.0.0', '1.1.0'].map((version) => ({
    'metadata.yaml': metadata('golden-app', version, { deps: { 'golden-dep': '>=1.0.0' }, vela: '>=1.6.0', kubernetes: '>=1.20' }),
    'definitions/golden-web.cue': componentCue('golden-web'),
    'NOTES.cue': 'notes: "golden-app \\(context.metadata.version) is enabled: use component type golden-web"\n',
  })),
];

/** Starts an unseeded registry holding the fixture catalog, every version published at {@link goldenTime}. */
export async function startGoldenRegistry(): Promise<TestRegistry> {
  const registry = await startTestRegistry({ seed: false });
  for (const tree of catalog) {
    const files: PackageFiles = new Map(Object.entries(tree).map(([p, t]) => [p, Buffer.from(t)]));
    const [, name, version] = /^name: (\S+)\nversion: (\S+)/.exec(tree['metadata.yaml']!)!;
    await publishArchive({ ...registry.server.registry, now: clock }, packFiles(name!, files, { name: name!, version: version! }).data, publisher);
  }
  await registry.yank('golden-app', '0.9.0', 'broken build');
  await registry.deprecate('golden-app', '1.0.0', 'use 1.1.0');
  return registry;
}

/**
 * Runs `velahub ...args` in this process at {@link goldenTime}, with a config file of the
 * test's own (`configFile`) so the user's never leaks in. Calls must not overlap.
 */
export async function velahubAt(args: string[], configFile: string): Promise<CliResult> {
  const saved = { config: process.env.VELAHUB_CONFIG, registry: process.env.VELAHUB_REGISTRY, token: process.env.VELAHUB_TOKEN };
  process.env.VELAHUB_CONFIG = configFile;
  delete process.env.VELAHUB_REGISTRY;
  delete process.env.VELAHUB_TOKEN;
  try {
    const { value, stdout, stderr } = await captureOutput(() => run(args, { now: clock }));
    return { code: value, stdout, stderr };
  } finally {
    for (const [key, name] of [['config', 'VELAHUB_CONFIG'], ['registry', 'VELAHUB_REGISTRY'], ['token', 'VELAHUB_TOKEN']] as const) {
      if (saved[key] === undefined) delete process.env[name];
      else process.env[name] = saved[key];
    }
  }
}

const isoTime = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;

/**
 * Output with what changes from run to run replaced by stable words: the registry URL by
 * `http://registry.test`, `namespace` by `vela-test`, and times other than {@link goldenTime}
 * (the database stamps `updatedAt` with its own clock) by `<database time>`.
 */
export function normalise(text: string, opts: { registry: string; namespace?: string }): string {
  let out = text.replaceAll(opts.registry, 'http://registry.test');
  if (opts.namespace) out = out.replaceAll(opts.namespace, 'vela-test');
  return out.replace(isoTime, (t) => (t === goldenTime.toISOString() ? t : '<database time>'));
}

/** The `-o` variants pinned for every command: the table (the default, so no flag), json and yaml. */
export const formats: Array<{ name: string; args: string[] }> = [
  { name: 'table', args: [] },
  { name: 'json', args: ['-o', 'json'] },
  { name: 'yaml', args: ['-o', 'yaml'] },
];

import { chmod, mkdir, readFile, stat, writeFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { VelahubError } from '../core/errors.ts';
import { RegistryClient } from '../registry/client.ts';
import { printWarning } from './report.ts';

/** What `~/.config/velahub/config.yaml` holds. */
export interface CliConfig {
  /** Default registry URL. */
  registry?: string;
  /** Token for the default registry. */
  token?: string;
  /** Registries the installer reads, in priority order (first wins for an addon). */
  registries?: Array<{ name: string; url: string; token?: string }>;
  [key: string]: unknown;
}

/** The config file path (XDG_CONFIG_HOME respected; VELAHUB_CONFIG overrides). */
export function configPath(): string {
  if (process.env.VELAHUB_CONFIG) return process.env.VELAHUB_CONFIG;
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'velahub', 'config.yaml');
}

/** Reads the config file; a missing file is an empty config. */
export async function readConfig(): Promise<CliConfig> {
  const path = configPath();
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  if (!text.trim()) return {};
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new VelahubError('EINVALID', `${path}: invalid YAML: ${(err as Error).message.split('\n')[0]}`, { path });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new VelahubError('EINVALID', `${path}: expected a YAML mapping`, { path });
  const mode = (await stat(path)).mode & 0o777;
  if (mode & 0o077 && (doc as CliConfig).token) {
    printWarning(`${path} holds a token and is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`);
  }
  return doc as CliConfig;
}

/** Writes the config file atomically with mode 0600 (it may hold tokens). */
export async function writeConfig(config: CliConfig): Promise<void> {
  const path = configPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(`${path}.tmp`, stringify(config), { mode: 0o600 });
  await chmod(`${path}.tmp`, 0o600);
  await rename(`${path}.tmp`, path);
}

/** The registry and token to use: flags, then env, then the config file. */
export async function registryClient(opts: { registry?: string; token?: string }): Promise<RegistryClient> {
  const config = await readConfig();
  const url = opts.registry ?? process.env.VELAHUB_REGISTRY ?? config.registry;
  if (!url) {
    throw new VelahubError('EUSAGE', 'no registry given: pass --registry URL, set VELAHUB_REGISTRY, or add "registry:" to ' + configPath(), { path: '--registry' });
  }
  return new RegistryClient(url, opts.token ?? process.env.VELAHUB_TOKEN ?? config.token);
}

/**
 * The registries the installer reads, in priority order: `--registry` (or
 * VELAHUB_REGISTRY, or the config's `registry:`) first, named "default", then
 * the config file's `registries:` list in its order.
 */
export async function installerRegistries(opts: { registry?: string; token?: string }): Promise<Array<{ name: string; url: string; token?: string }>> {
  const config = await readConfig();
  const list = [...(config.registries ?? [])];
  const url = opts.registry ?? process.env.VELAHUB_REGISTRY ?? config.registry;
  if (url && !list.some((r) => r.url.replace(/\/+$/, '') === url.replace(/\/+$/, ''))) {
    list.unshift({ name: 'default', url, token: opts.token ?? process.env.VELAHUB_TOKEN ?? config.token });
  }
  return list;
}

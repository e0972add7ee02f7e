import { parse } from 'yaml';
import { VelahubError } from '../core/errors.ts';
import { sha256 } from '../core/package/archive.ts';
import type { Candidate, RegistrySnapshot } from '../core/resolve/types.ts';
import { indexAnnotations } from '../core/package/index-annotations.ts';

/** A registry the installer reads from, in priority order. */
export interface RegistrySource {
  name: string;
  /** Base URL of a Helm-type addon registry (velahub or any other). */
  url: string;
  /** Bearer token, for private registries. */
  token?: string;
}

interface IndexEntry {
  name?: string;
  version?: string;
  digest?: string;
  urls?: string[];
  deprecated?: boolean;
  annotations?: Record<string, string>;
}

/** The headers of a request to a registry: its bearer token, when it has one. */
export function registryHeaders(source: RegistrySource): Record<string, string> {
  return source.token ? { authorization: `Bearer ${source.token}` } : {};
}

/**
 * What a refused read says: the registry's own reason (velahub's and ChartMuseum's JSON `error`)
 * and, for 401/403, what to do about the token.
 */
async function refusal(source: RegistrySource, url: string, res: Response): Promise<string> {
  const body = await res.text().catch(() => '');
  const reason = parseJson<{ error?: unknown }>(body, {}).error;
  const said = typeof reason === 'string' && reason ? ` (${reason.slice(0, 300)})` : '';
  let todo = '';
  if (res.status === 401) {
    todo = source.token
      ? `; registry ${source.name} refused its token: create another (velahub token create --scope read) and run velahub registry add ${source.name} ${source.url} --token TOKEN`
      : `; registry ${source.name} needs a token: velahub registry add ${source.name} ${source.url} --token TOKEN (or --token / VELAHUB_TOKEN with --registry)`;
  } else if (res.status === 403) {
    todo = `; the token of registry ${source.name} may not read this`;
  }
  return `GET ${url} answered HTTP ${res.status}${said}${todo}`;
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * Reads a registry's index.yaml into a snapshot. An unreachable or unreadable
 * registry yields a snapshot with `error` set — the resolver skips it and
 * reports it only if it was needed. Dependencies and provided definitions come
 * from velahub's annotations; KubeVela's `system.*` annotations are read as is.
 */
export async function readRegistryIndex(source: RegistrySource, signal?: AbortSignal): Promise<RegistrySnapshot> {
  const base = source.url.replace(/\/+$/, '');
  let text: string;
  try {
    const res = await fetch(`${base}/index.yaml`, { headers: registryHeaders(source), signal: signal ?? AbortSignal.timeout(30_000) });
    if (!res.ok) return { name: source.name, addons: new Map(), error: await refusal(source, `${base}/index.yaml`, res) };
    text = await res.text();
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    return { name: source.name, addons: new Map(), error: `GET ${base}/index.yaml: ${cause}` };
  }
  let doc: { entries?: Record<string, IndexEntry[]> };
  try {
    doc = parse(text) as typeof doc;
  } catch (err) {
    return { name: source.name, addons: new Map(), error: `${base}/index.yaml is not valid YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  const addons = new Map<string, Candidate[]>();
  for (const [name, versions] of Object.entries(doc?.entries ?? {})) {
    const list: Candidate[] = [];
    for (const e of versions ?? []) {
      if (!e?.version || !e.urls?.length) continue;
      const a = e.annotations ?? {};
      list.push({
        name,
        version: String(e.version).replace(/^v/, ''),
        registry: source.name,
        digest: e.digest ? `sha256:${e.digest.replace(/^sha256:/, '')}` : '',
        url: new URL(e.urls[0]!, `${base}/`).toString(),
        dependencies: parseJson<Array<{ name: string; version?: string }>>(a[indexAnnotations.dependencies], []).map((d) => ({ name: d.name, range: d.version })),
        dependenciesKnown: indexAnnotations.dependencies in a,
        system: { vela: a[indexAnnotations.systemVela], kubernetes: a[indexAnnotations.systemKubernetes] },
        deprecated: e.deprecated ? (a[indexAnnotations.deprecation] ?? 'deprecated') : undefined,
        definitions: parseJson(a[indexAnnotations.definitions], []),
        // velahub's own annotation marks a velahub registry, which serves the manifest it stored at publish.
        ...(indexAnnotations.dependencies in a ? { manifestUrl: `${base}/api/v1/addons/${encodeURIComponent(name)}/versions/${encodeURIComponent(String(e.version))}/manifest` } : {}),
      });
    }
    if (list.length) addons.set(name, list);
  }
  return { name: source.name, addons };
}

/**
 * Downloads an archive and checks it against the digest the index promised;
 * a mismatch is refused (KubeVela never checks it).
 */
export async function downloadVerified(candidate: Candidate, source: RegistrySource | undefined, signal?: AbortSignal): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(candidate.url, { headers: source ? registryHeaders(source) : {}, signal: signal ?? AbortSignal.timeout(120_000) });
  } catch (err) {
    throw new VelahubError('EUNREACHABLE', `cannot download ${candidate.name} ${candidate.version} from ${candidate.url}: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const why = source ? await refusal(source, candidate.url, res) : `GET ${candidate.url} answered HTTP ${res.status}`;
    throw new VelahubError('EREGISTRY', `cannot download ${candidate.name} ${candidate.version}: ${why}`);
  }
  const data = Buffer.from(await res.arrayBuffer());
  if (!candidate.digest) throw new VelahubError('EDIGEST', `${candidate.name} ${candidate.version} from ${candidate.registry} has no digest in its index: refusing an unverifiable archive`);
  const actual = sha256(data);
  if (actual !== candidate.digest) {
    throw new VelahubError('EDIGEST', `${candidate.name} ${candidate.version}: the archive from ${candidate.url} has digest ${actual}, but the index says ${candidate.digest}; refusing it`, { hint: 'the registry served different bytes than it indexed: report it to the registry owner' });
  }
  return data;
}

import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VelahubError } from '../../core/errors.ts';
import { FileBlobStore, type BlobStore } from './blob-store.ts';
import { S3BlobStore, type S3Location } from './s3-blob-store.ts';

/** The flag (and environment variable) every message names. */
const flag = '--blob-store';
const valid = 'use file:///absolute/path or s3://BUCKET/PREFIX?region=REGION[&endpoint=http://host:port][&pathStyle=true|false]';

/** A parsed `--blob-store` URL. */
export type BlobStoreSpec = { kind: 'file'; dir: string } | ({ kind: 's3' } & S3Location);

/** A blob store opened from a URL, with what releases it. */
export interface OpenedBlobStore {
  blobs: BlobStore;
  /** A description for logs (never credentials). */
  describe: string;
  close(): void;
}

function bad(value: string, why: string): VelahubError {
  return new VelahubError('EUSAGE', `${flag} ${JSON.stringify(value)} is invalid: ${why}`, { hint: valid, path: flag });
}

/** The default: today's files under the data folder. */
export function defaultBlobStoreUrl(dataDir: string): string {
  return pathToFileURL(join(resolve(dataDir), 'blobs')).href;
}

// S3's bucket naming rules (the DNS-compatible ones every S3-compatible server accepts).
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const s3Params = ['region', 'endpoint', 'pathStyle'];

/**
 * Parses `--blob-store`: `file:///path` or `s3://BUCKET/PREFIX?region=…&endpoint=…&pathStyle=…`.
 * The region falls back to AWS_REGION / AWS_DEFAULT_REGION like the AWS CLI. Every refusal names
 * the flag and what would be valid.
 */
export function parseBlobStoreUrl(value: string, env: NodeJS.ProcessEnv = process.env): BlobStoreSpec {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(value, 'not a URL');
  }
  if (url.protocol === 'file:') {
    if (url.search || url.hash) throw bad(value, 'a file: URL takes no query or fragment');
    if (url.hostname && url.hostname !== 'localhost') throw bad(value, `a file: URL names a local folder, not host "${url.hostname}"`);
    const dir = fileURLToPath(url);
    if (!isAbsolute(dir) || dir === '/') throw bad(value, 'name an absolute folder other than /');
    return { kind: 'file', dir };
  }
  if (url.protocol !== 's3:') throw bad(value, `scheme "${url.protocol.slice(0, -1)}" is not supported`);
  if (url.username || url.password) throw bad(value, 'credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  const bucket = url.hostname;
  if (!bucketPattern.test(bucket) || bucket.includes('..')) throw bad(value, `bucket "${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
  if (url.port) throw bad(value, 'the bucket takes no port: put the server in endpoint=');
  const unknown = [...url.searchParams.keys()].filter((k) => !s3Params.includes(k));
  if (unknown.length) throw bad(value, `unknown parameter(s) ${unknown.join(', ')}: the parameters are ${s3Params.join(', ')}`);
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  // The raw text, because URL parsing already folded "a/../b" into "b".
  const rawPath = value.slice('s3://'.length).split(/[?#]/)[0]!.split('/').slice(1);
  if (rawPath.some((p) => p === '.' || p === '..' || /^%2e(%2e)?$/i.test(p)) || prefix.includes('//')) throw bad(value, `prefix "${prefix}" must not hold empty, "." or ".." segments`);
  const region = url.searchParams.get('region') || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw bad(value, 'no region: add ?region=… (for most S3-compatible servers any name works, e.g. us-east-1) or set AWS_REGION');
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined) {
    let e: URL;
    try {
      e = new URL(endpoint);
    } catch {
      throw bad(value, `endpoint ${JSON.stringify(endpoint)} is not a URL: use http(s)://host:port`);
    }
    if (e.protocol !== 'http:' && e.protocol !== 'https:') throw bad(value, `endpoint ${JSON.stringify(endpoint)} must be an http:// or https:// URL`);
    if (e.pathname !== '/' || e.search) throw bad(value, `endpoint ${JSON.stringify(endpoint)} must be the server's root (no path or query): the bucket and prefix go in the s3:// URL`);
  }
  const pathStyle = url.searchParams.get('pathStyle');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false') throw bad(value, `pathStyle=${JSON.stringify(pathStyle)}: use true or false`);
  return {
    kind: 's3',
    bucket,
    prefix: prefix ? `${prefix}/` : '',
    region,
    endpoint: endpoint?.replace(/\/$/, ''),
    // S3-compatible servers are mostly reached by address, where virtual-host buckets cannot resolve.
    forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true',
  };
}

/**
 * Opens the blob store a URL names. An S3 store is probed (bucket exists, credentials accepted)
 * so a wrong setting fails at start. Partial AWS credentials in the environment are refused
 * up front: the SDK would otherwise skip them silently and try other sources.
 */
export async function openBlobStore(value: string, env: NodeJS.ProcessEnv = process.env): Promise<OpenedBlobStore> {
  const spec = parseBlobStoreUrl(value, env);
  if (spec.kind === 'file') return { blobs: new FileBlobStore(spec.dir), describe: pathToFileURL(spec.dir).href, close: () => undefined };
  const hasId = Boolean(env.AWS_ACCESS_KEY_ID);
  const hasSecret = Boolean(env.AWS_SECRET_ACCESS_KEY);
  if (hasId !== hasSecret) {
    throw new VelahubError('EUSAGE', `${flag} ${value}: ${hasId ? 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not' : 'AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not'}`, {
      hint: 'set both, or neither (to use a profile, web identity or instance credentials)',
      path: 'AWS_SECRET_ACCESS_KEY',
    });
  }
  const { kind: _kind, ...location } = spec;
  // Keys from `env` are passed on explicitly, so the caller's environment (not only process.env) decides.
  const keys = hasId ? { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN || undefined } : undefined;
  const store = new S3BlobStore(location, keys);
  try {
    await store.probe();
  } catch (err) {
    store.close();
    throw err;
  }
  return { blobs: store, describe: `${store.url}${spec.endpoint ? ` at ${spec.endpoint}` : ''}`, close: () => store.close() };
}

/**
 * A real, throwaway S3 server for the tests: SeaweedFS (`weed server -filer -s3`, built by
 * test/s3/build.ts) on free loopback ports, data in a temp dir, one identity whose keys the
 * tests pass to the AWS SDK. Telemetry and the extra listeners (Iceberg, Lance) are off, so
 * nothing leaves the machine. `stop()` ends it and removes its files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { freePorts } from '../support/free-ports.ts';
import { ensureSeaweedfs } from './build.ts';

/** A running SeaweedFS S3 gateway. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>`: the S3 API. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The environment a velahub process needs to reach it (AWS_ACCESS_KEY_ID, …). */
  env: Record<string, string>;
  /** An SDK client with these credentials. */
  client: S3Client;
  /** Creates a bucket with a fresh name and returns it. */
  freshBucket(): Promise<string>;
  /** The `--blob-store` URL of a bucket and prefix on this server. */
  blobStoreUrl(bucket: string, prefix?: string): string;
  /** Everything the server printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts SeaweedFS (building it first when the cache is cold) and waits until S3 answers (up to 90 s). */
export async function startSeaweedfs(options: { weed?: string } = {}): Promise<TestS3> {
  const weed = options.weed ?? process.env.VELAHUB_WEED ?? (await ensureSeaweedfs());
  const dir = await mkdtemp(join(tmpdir(), 'velahub-s3-'));
  const accessKeyId = `test${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  const config = join(dir, 's3.json');
  await writeFile(
    config,
    JSON.stringify({ identities: [{ name: 'velahub-tests', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }),
  );
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await freePorts(8);
  const args = [
    'server',
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-dir=${join(dir, 'data')}`,
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    '-master.telemetry=false',
    '-master.volumeSizeLimitMB=64',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-volume.max=16',
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${join(dir, 'filer.sock')}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.localSocket=${join(dir, 's3.sock')}`,
    `-s3.config=${config}`,
  ];
  await mkdir(join(dir, 'data'));
  let output = '';
  const child: ChildProcess = spawn(weed, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (c: Buffer): void => {
    output = (output + c.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const killNow = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  // If the test process dies without calling stop(), do not leave a server behind.
  process.once('exit', killNow);
  const endpoint = `http://127.0.0.1:${s3}`;
  // As velahub's S3 store does: the SDK's Node 22 notice is moot for the pinned release.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const region = 'us-east-1';
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killNow);
    client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(killNow, 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`SeaweedFS exited with code ${child.exitCode} while starting:\n${output}`);
      try {
        await client.send(new ListBucketsCommand({}));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`SeaweedFS S3 on ${endpoint} did not answer within 90 s (last: ${(err as Error).message}):\n${output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  let buckets = 0;
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    env: { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: region },
    client,
    async freshBucket() {
      const name = `velahub-test-${process.pid}-${++buckets}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    blobStoreUrl: (bucket, prefix = '') => `s3://${bucket}/${prefix}?region=${region}&endpoint=${encodeURIComponent(endpoint)}`,
    log: () => output,
    stop,
  };
}


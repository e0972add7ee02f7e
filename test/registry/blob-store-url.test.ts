/**
 * `--blob-store` URLs: what each form means, and a clear refusal (naming the flag and what would
 * be valid) for every bad one. Opening an S3 store against a real SeaweedFS server: wrong keys, a
 * missing bucket, half-set credentials, and `velahub serve` with no credentials at all.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { isVelahubError } from '../../core/errors.ts';
import { defaultBlobStoreUrl, openBlobStore, parseBlobStoreUrl } from '../../registry/store/blob-store-url.ts';
import { startSeaweedfs, type TestS3 } from '../s3/seaweedfs.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('parseBlobStoreUrl', () => {
  test('file:///path is a folder', () => {
    assert.deepEqual(parseBlobStoreUrl('file:///var/lib/velahub/blobs'), { kind: 'file', dir: '/var/lib/velahub/blobs' });
    assert.deepEqual(parseBlobStoreUrl('file://localhost/srv/blobs'), { kind: 'file', dir: '/srv/blobs' });
  });

  test('the default is today\'s folder under the data dir', () => {
    assert.deepEqual(parseBlobStoreUrl(defaultBlobStoreUrl('/data/velahub')), { kind: 'file', dir: '/data/velahub/blobs' });
  });

  test('s3://bucket/prefix with region and endpoint; path style by default only with an endpoint', () => {
    assert.deepEqual(parseBlobStoreUrl('s3://my-bucket/velahub/blobs/?region=eu-west-1&endpoint=http://10.0.0.5:8333', {}), {
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'velahub/blobs/',
      region: 'eu-west-1',
      endpoint: 'http://10.0.0.5:8333',
      forcePathStyle: true,
    });
    assert.deepEqual(parseBlobStoreUrl('s3://my.bucket?region=us-east-1', {}), { kind: 's3', bucket: 'my.bucket', prefix: '', region: 'us-east-1', endpoint: undefined, forcePathStyle: false });
    assert.equal((parseBlobStoreUrl('s3://b-1/p?region=r&endpoint=https://s3.example:443&pathStyle=false', {}) as { forcePathStyle: boolean }).forcePathStyle, false);
  });

  test('the region falls back to AWS_REGION, then AWS_DEFAULT_REGION', () => {
    assert.equal((parseBlobStoreUrl('s3://bucket', { AWS_REGION: 'ap-south-1' }) as { region: string }).region, 'ap-south-1');
    assert.equal((parseBlobStoreUrl('s3://bucket', { AWS_DEFAULT_REGION: 'sa-east-1' }) as { region: string }).region, 'sa-east-1');
  });

  const bad: Array<[string, RegExp]> = [
    ['blobs', /not a URL/],
    ['/var/lib/blobs', /not a URL/],
    ['http://host/blobs', /scheme "http" is not supported/],
    ['gs://bucket/x', /scheme "gs" is not supported/],
    ['file://server/share', /local folder, not host "server"/],
    ['file:///', /absolute folder other than \//],
    ['file:///x?sync=1', /no query/],
    ['s3://Bad_Bucket/x?region=r', /not a valid S3 bucket name/],
    ['s3://ab?region=r', /not a valid S3 bucket name/],
    ['s3://bucket:9000/x?region=r', /no port: put the server in endpoint=/],
    ['s3://key:secret@bucket/x?region=r', /credentials do not belong in the URL: set AWS_ACCESS_KEY_ID/],
    ['s3://bucket/x?region=r&acl=public', /unknown parameter\(s\) acl: the parameters are region, endpoint, pathStyle/],
    ['s3://bucket/x', /no region: add \?region=/],
    ['s3://bucket/a/../b?region=r', /must not hold empty, "\." or "\.\." segments/],
    ['s3://bucket/x?region=r&endpoint=localhost:8333', /endpoint "localhost:8333" must be an http:\/\/ or https:\/\/ URL/],
    ['s3://bucket/x?region=r&endpoint=nope', /endpoint "nope" is not a URL/],
    ['s3://bucket/x?region=r&endpoint=http://h:1/bucket', /must be the server's root/],
    ['s3://bucket/x?region=r&pathStyle=yes', /pathStyle="yes": use true or false/],
  ];
  for (const [value, why] of bad) {
    test(`refuses ${value}`, () => {
      assert.throws(
        () => parseBlobStoreUrl(value, {}),
        (e) => isVelahubError(e, 'EUSAGE') && e.path === '--blob-store' && e.message.startsWith(`--blob-store ${JSON.stringify(value)} is invalid: `) && why.test(e.message) && /file:\/\/\/absolute\/path or s3:\/\/BUCKET/.test(e.hint ?? ''),
      );
    });
  }
});

describe('openBlobStore against SeaweedFS', () => {
  let s3: TestS3;
  let bucket: string;
  before(async () => {
    s3 = await startSeaweedfs();
    bucket = await s3.freshBucket();
  });
  after(async () => s3?.stop());

  test('half-set credentials are refused before any request, naming the missing variable', async () => {
    await assert.rejects(openBlobStore(s3.blobStoreUrl(bucket), { AWS_ACCESS_KEY_ID: s3.accessKeyId }), (e) => isVelahubError(e, 'EUSAGE') && /AWS_SECRET_ACCESS_KEY is not/.test(e.message));
    await assert.rejects(openBlobStore(s3.blobStoreUrl(bucket), { AWS_SECRET_ACCESS_KEY: 'x' }), (e) => isVelahubError(e, 'EUSAGE') && /AWS_ACCESS_KEY_ID is not/.test(e.message));
  });

  test('wrong keys: the server refuses them and the message says which settings to check', async () => {
    await assert.rejects(
      openBlobStore(s3.blobStoreUrl(bucket), { AWS_ACCESS_KEY_ID: 'nobody', AWS_SECRET_ACCESS_KEY: 'wrong' }),
      (e) => isVelahubError(e, 'EBLOB_STORE') && /refused the credentials/.test(e.message) && /AWS_ACCESS_KEY_ID/.test(e.hint ?? ''),
    );
  });

  test('a missing bucket fails at open, naming the bucket', async () => {
    await assert.rejects(openBlobStore(s3.blobStoreUrl('no-such-bucket'), s3.env), (e) => isVelahubError(e, 'EBLOB_STORE') && /bucket "no-such-bucket" does not exist/.test(e.message));
  });

  test('an endpoint nobody listens on fails at open, naming endpoint= and region=', async () => {
    await assert.rejects(
      openBlobStore(`s3://${bucket}?region=us-east-1&endpoint=http://127.0.0.1:9`, s3.env),
      (e) => isVelahubError(e, 'EBLOB_STORE') && /cannot reach the S3 server/.test(e.message) && /endpoint= and region=/.test(e.hint ?? ''),
    );
  });

  test('velahub serve with no credentials anywhere exits 4 naming AWS_ACCESS_KEY_ID and --blob-store', async () => {
    const data = await mkdtemp(join(tmpdir(), 'velahub-nocreds-'));
    try {
      // Only what node needs: no AWS keys, no profile files, no instance metadata lookups off this machine.
      const env = { PATH: process.env.PATH ?? '', HOME: data, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(data, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(data, 'none') };
      const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--data', data, '--no-seed', '--blob-store', s3.blobStoreUrl(bucket)], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 4, out);
      assert.match(out, /no AWS credentials found for --blob-store s3:\/\//);
      assert.match(out, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});

/**
 * The BlobStore contract, one suite run against every backend: files under a folder
 * (file:///path, the default) and S3 on a real SeaweedFS server (s3://bucket/prefix). Both are
 * opened the way `velahub serve` opens them: from their --blob-store URL.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { isVelahubError } from '../../core/errors.ts';
import { sha256 } from '../../core/package/archive.ts';
import { openBlobStore, type OpenedBlobStore } from '../../registry/store/blob-store-url.ts';
import { startSeaweedfs, type TestS3 } from '../s3/seaweedfs.ts';

/** How the suite reaches one backend: a fresh store, and a look at what it holds underneath. */
interface Backend {
  name: string;
  /** A store over an empty location. */
  open(): Promise<OpenedBlobStore>;
  /** Every name stored underneath (temp files or objects included). */
  names(): Promise<string[]>;
  /** When and how a digest's bytes were last written (mtime / ETag+Last-Modified), to see rewrites. */
  fingerprint(digest: string): Promise<string>;
  /** Puts other bytes under a digest's name behind the store's back. */
  tamper(digest: string, bytes: Uint8Array): Promise<void>;
  shutdown(): Promise<void>;
}

async function filesUnder(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full, root)));
    else out.push(relative(root, full));
  }
  return out.sort();
}

function fileBackend(): Backend {
  let dir = '';
  const pathOf = (digest: string) => join(dir, 'sha256', digest.slice(7, 9), digest.slice(7));
  return {
    name: 'file://',
    async open() {
      dir = await mkdtemp(join(tmpdir(), 'velahub-blobs-'));
      return openBlobStore(pathToFileURL(dir).href);
    },
    names: () => filesUnder(dir),
    fingerprint: async (digest) => String((await stat(pathOf(digest))).ino),
    async tamper(digest, bytes) {
      await mkdir(join(pathOf(digest), '..'), { recursive: true });
      await writeFile(pathOf(digest), bytes);
    },
    shutdown: () => rm(dir, { recursive: true, force: true }),
  };
}

function s3Backend(): Backend {
  let s3: TestS3 | undefined;
  let bucket = '';
  const prefix = 'velahub/blobs/';
  const keyOf = (digest: string) => `${prefix}sha256/${digest.slice(7, 9)}/${digest.slice(7)}`;
  return {
    name: 's3:// (SeaweedFS)',
    async open() {
      s3 ??= await startSeaweedfs();
      bucket = await s3.freshBucket();
      return openBlobStore(s3.blobStoreUrl(bucket, prefix), { ...process.env, ...s3.env });
    },
    async names() {
      const out = await s3!.client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    },
    async fingerprint(digest) {
      const h = await s3!.client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(digest) }));
      return String(h.ETag);
    },
    async tamper(digest, bytes) {
      await s3!.client.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(digest), Body: bytes }));
    },
    shutdown: async () => s3?.stop(),
  };
}

function blobContract(backend: Backend): void {
  describe(`BlobStore on ${backend.name}`, () => {
    let opened: OpenedBlobStore;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      opened?.close();
      await backend.shutdown();
    });

    test('put returns the sha256 digest; has and get then find exactly those bytes', async () => {
      const data = randomBytes(10_000);
      const digest = await opened.blobs.put(data);
      assert.equal(digest, `sha256:${createHash('sha256').update(data).digest('hex')}`);
      assert.equal(await opened.blobs.has(digest), true);
      assert.deepEqual(await opened.blobs.get(digest), Buffer.from(data));
    });

    test('an absent digest: has is false, get is undefined', async () => {
      const digest = sha256(randomBytes(16));
      assert.equal(await opened.blobs.has(digest), false);
      assert.equal(await opened.blobs.get(digest), undefined);
    });

    test('an empty blob is stored and read back', async () => {
      const digest = await opened.blobs.put(new Uint8Array(0));
      assert.deepEqual(await opened.blobs.get(digest), Buffer.alloc(0));
    });

    test('a malformed digest is refused by has and get with EBAD_DIGEST, before any I/O', async () => {
      for (const bad of ['sha256:abc', 'md5:' + 'a'.repeat(32), '../../etc/passwd', 'sha256:' + 'A'.repeat(64)]) {
        await assert.rejects(opened.blobs.has(bad), (e) => isVelahubError(e, 'EBAD_DIGEST'), bad);
        await assert.rejects(opened.blobs.get(bad), (e) => isVelahubError(e, 'EBAD_DIGEST'), bad);
      }
    });

    test('write-once: putting the same bytes again neither rewrites nor duplicates them, and marks them just written', async () => {
      const data = randomBytes(4096);
      const digest = await opened.blobs.put(data);
      const before = await backend.fingerprint(digest);
      const namesBefore = await backend.names();
      const writtenBefore = (await opened.blobs.list()).find((b) => b.digest === digest)!.writtenAt;
      await new Promise((r) => setTimeout(r, 1100)); // mtimes and Last-Modified have 1 s resolution on some servers
      assert.equal(await opened.blobs.put(data), digest);
      assert.equal(await backend.fingerprint(digest), before);
      assert.deepEqual(await backend.names(), namesBefore);
      const writtenAfter = (await opened.blobs.list()).find((b) => b.digest === digest)!.writtenAt;
      assert.ok(writtenAfter > writtenBefore, 'a put of stored bytes must mark them written, so gc spares a blob a publish reuses');
    });

    test('gc contract: list finds a blob; removeIfStale keeps a blob written after the cutoff and removes an older one', async () => {
      const digest = await opened.blobs.put(randomBytes(2048));
      assert.ok((await opened.blobs.list()).some((b) => b.digest === digest));
      assert.equal(await opened.blobs.removeIfStale(digest, new Date(Date.now() - 3_600_000)), false);
      assert.equal(await opened.blobs.has(digest), true);
      assert.equal(await opened.blobs.removeIfStale(digest, new Date(Date.now() + 60_000)), true);
      assert.equal(await opened.blobs.has(digest), false);
      assert.equal(await opened.blobs.removeIfStale(digest, new Date(Date.now() + 60_000)), false, 'removing an absent blob is a no-op');
    });

    test('20 concurrent puts of one blob and of 20 different blobs: every digest readable, one object each, no temp left', async () => {
      const same = randomBytes(50_000);
      const different = Array.from({ length: 20 }, () => randomBytes(20_000));
      const before = new Set(await backend.names());
      const digests = await Promise.all([...Array.from({ length: 20 }, () => opened.blobs.put(same)), ...different.map((d) => opened.blobs.put(d))]);
      assert.equal(new Set(digests.slice(0, 20)).size, 1);
      assert.deepEqual(await opened.blobs.get(digests[0]!), Buffer.from(same));
      for (const [i, d] of different.entries()) assert.deepEqual(await opened.blobs.get(digests[20 + i]!), Buffer.from(d));
      const added = (await backend.names()).filter((n) => !before.has(n));
      assert.equal(added.length, 21, `one name per distinct blob, nothing else: ${added.join(', ')}`);
      // Never a partial or foreign object under a digest name: each name is the digest of its bytes.
      for (const name of added) {
        const hex = name.split('/').pop()!;
        assert.match(hex, /^[0-9a-f]{64}$/);
        assert.equal(sha256((await opened.blobs.get(`sha256:${hex}`))!), `sha256:${hex}`);
      }
    });

    test('a 6 MB blob (several upload parts on S3 servers that split) round-trips byte for byte', async () => {
      const data = randomBytes(6 * 1024 * 1024);
      const digest = await opened.blobs.put(data);
      assert.ok(Buffer.from(data).equals((await opened.blobs.get(digest))!));
    });

    // Files are trusted as put wrote them (fsync + rename, same machine); objects cross a network
    // and other tools' hands, so the S3 store checks what it reads.
    test('other bytes planted under a digest name are refused on read, never served as that digest', { skip: backend.name.startsWith('file') ? 'files are trusted as written by put' : undefined }, async () => {
      const digest = sha256(randomBytes(1000));
      await backend.tamper(digest, Buffer.from('not the archive'));
      await assert.rejects(opened.blobs.get(digest), (e) => isVelahubError(e, 'EBLOB_CORRUPT') && /restore it from a backup/.test(e.message));
    });
  });
}

blobContract(fileBackend());
blobContract(s3Backend());

import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { VelahubError } from '../../core/errors.ts';
import { sha256 } from '../../core/package/archive.ts';
import type { BlobStore } from './blob-store.ts';

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/** Where an S3 blob store keeps its objects, and how to reach the server. */
export interface S3Location {
  bucket: string;
  /** Key prefix, empty or ending in `/`. */
  prefix: string;
  region: string;
  /** An S3-compatible server (SeaweedFS, MinIO, Ceph…); AWS itself when absent. */
  endpoint?: string;
  /** Bucket in the path (`endpoint/bucket/key`) rather than the host name; what most S3-compatible servers need. */
  forcePathStyle: boolean;
}

/** HTTP status of an SDK error, when the server answered. */
function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Blobs as S3 objects under `<prefix>sha256/<first 2>/<hex>`, by content digest.
 *
 * Never a partial object under a digest name: S3 makes an object visible only once its upload is
 * complete, and each upload carries the body's SHA-256 (`x-amz-checksum-sha256`) so a server
 * that checks it refuses corrupted bytes. Write-once: a put looks first and skips existing
 * digests, and the upload is conditional (`If-None-Match: *`), so a concurrent writer of the same
 * digest never replaces the object (both wrote the same bytes anyway). Reads check the digest of
 * what came back, so a tampered or damaged object is an error, not a silently wrong archive.
 * Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a
 * profile, web identity, instance metadata).
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;

  /** `credentials`: explicit keys; omitted, the SDK's default chain finds them. */
  constructor(readonly location: S3Location, credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
    // The SDK warns on Node 20 that its releases after January 2027 need Node 22; package.json pins
    // a release that runs on 20, so the warning would only alarm operators. Their own setting wins.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: location.region,
      credentials,
      endpoint: location.endpoint,
      forcePathStyle: location.forcePathStyle,
      // Checksums only where the API requires them: the SDK's default adds CRC32 trailers
      // (aws-chunked uploads) that several S3-compatible servers refuse. We send SHA-256 ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** The object key of a digest. */
  key(digest: string): string {
    if (!digestPattern.test(digest)) throw new VelahubError('EBAD_DIGEST', `invalid digest ${JSON.stringify(digest)}: expected sha256:<64 hex>`);
    const hex = digest.slice(7);
    return `${this.location.prefix}sha256/${hex.slice(0, 2)}/${hex}`;
  }

  /** `s3://bucket/prefix` for messages. */
  get url(): string {
    return `s3://${this.location.bucket}/${this.location.prefix}`;
  }

  /**
   * Checks that the bucket exists and the credentials are accepted, so a wrong setting fails at
   * start with a message naming it, not on the first publish.
   */
  async probe(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.location.bucket }));
    } catch (err) {
      throw this.#explain(err, `bucket "${this.location.bucket}"`);
    }
  }

  async put(data: Uint8Array): Promise<string> {
    const digest = sha256(data);
    const key = this.key(digest);
    if (await this.has(digest)) {
      await this.#touch(key);
      return digest;
    }
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.location.bucket,
          Key: key,
          Body: data,
          ContentLength: data.length,
          ContentType: 'application/gzip',
          ChecksumSHA256: Buffer.from(digest.slice(7), 'hex').toString('base64'),
          IfNoneMatch: '*',
        }),
      );
    } catch (err) {
      // 412: the object appeared since we looked (a concurrent put of the same bytes); 409: the
      // same race seen by a server that reports conditional-write conflicts that way.
      const status = statusOf(err);
      if ((status === 412 || status === 409) && (await this.has(digest))) return digest;
      throw this.#explain(err, `object ${key}`);
    }
    return digest;
  }

  async get(digest: string): Promise<Buffer | undefined> {
    const key = this.key(digest);
    let data: Buffer;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
      data = Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.#explain(err, `object ${key}`);
    }
    const actual = sha256(data);
    if (actual !== digest) throw new VelahubError('EBLOB_CORRUPT', `object ${key} in ${this.url} holds ${data.length} bytes whose digest is ${actual}, not ${digest}: restore it from a backup`);
    return data;
  }

  async has(digest: string): Promise<boolean> {
    const key = this.key(digest);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw this.#explain(err, `object ${key}`);
    }
  }

  /**
   * Marks an existing object as just written (a copy onto itself moves its LastModified), so
   * garbage collection spares a blob a publish is about to reference.
   */
  async #touch(key: string): Promise<void> {
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.location.bucket,
          Key: key,
          CopySource: `${this.location.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'REPLACE',
          ContentType: 'application/gzip',
          Metadata: { 'velahub-written': new Date().toISOString() },
        }),
      );
    } catch (err) {
      throw this.#explain(err, `object ${key}`);
    }
  }

  async list(): Promise<Array<{ digest: string | undefined; path: string; writtenAt: Date }>> {
    const out: Array<{ digest: string | undefined; path: string; writtenAt: Date }> = [];
    const prefix = `${this.location.prefix}sha256/`;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (err) {
        throw this.#explain(err, `objects under ${prefix}`);
      }
      for (const o of page.Contents ?? []) {
        const hex = o.Key?.split('/').pop() ?? '';
        // Only objects named by a digest are blobs: S3 has no temp files (an upload is invisible until complete).
        if (/^[0-9a-f]{64}$/.test(hex)) out.push({ digest: `sha256:${hex}`, path: o.Key!, writtenAt: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /**
   * Deletes a blob last written before `cutoff`. S3 cannot move an object aside atomically, so a
   * put that touches the blob between this check and the delete can lose it; garbage collection
   * only considers blobs an hour old, unreferenced, which a publish reuses only by uploading
   * identical bytes again.
   */
  async removeIfStale(digest: string, cutoff: Date): Promise<boolean> {
    const key = this.key(digest);
    let written: Date | undefined;
    try {
      written = (await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key }))).LastModified;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw this.#explain(err, `object ${key}`);
    }
    if (!written || written >= cutoff) return false;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: key }));
    } catch (err) {
      throw this.#explain(err, `object ${key}`);
    }
    return true;
  }

  /** S3 leaves no temp files: an upload becomes visible only when complete. */
  async removeTempIfStale(): Promise<boolean> {
    return false;
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }

  /** An SDK error as a VelahubError that names the setting to fix. */
  #explain(err: unknown, what: string): VelahubError {
    const where = `${this.url}${this.location.endpoint ? ` at ${this.location.endpoint}` : ''}`;
    const name = (err as Error).name;
    const status = statusOf(err);
    if (name === 'CredentialsProviderError' || (status === undefined && /credential/i.test((err as Error).message))) {
      return new VelahubError('EBLOB_STORE', `no AWS credentials found for --blob-store ${where}: ${(err as Error).message}`, {
        hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or a web identity token) in the environment',
        path: '--blob-store',
        cause: err,
      });
    }
    if (status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
      return new VelahubError('EBLOB_STORE', `the S3 server refused the credentials for ${what} in ${where} (${name}, HTTP ${status ?? '?'})`, {
        hint: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and that they may read and write the bucket',
        path: '--blob-store',
        cause: err,
      });
    }
    if (status === 404 && what.startsWith('bucket')) {
      return new VelahubError('EBLOB_STORE', `${what} does not exist in ${where}`, { hint: 'create the bucket first, or fix the bucket name in --blob-store', path: '--blob-store', cause: err });
    }
    if (err instanceof S3ServiceException) {
      return new VelahubError('EBLOB_STORE', `S3 request for ${what} in ${where} failed: ${name} (HTTP ${status ?? '?'}): ${err.message}`, { path: '--blob-store', cause: err });
    }
    return new VelahubError('EBLOB_STORE', `cannot reach the S3 server for ${what} in ${where}: ${(err as Error).message}`, {
      hint: 'check the endpoint= and region= of --blob-store and that the server is up',
      path: '--blob-store',
      cause: err,
    });
  }
}

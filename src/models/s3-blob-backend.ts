/**
 * Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, R2, GCS through
 * its S3 interoperability endpoint), under an optional key prefix so that
 * several stores can share one bucket. Create-only writes use the conditional
 * `If-None-Match: *` PUT that AWS S3 (since 2024-08), MinIO and R2 honour; a
 * server that ignores the header silently turns them into plain writes.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { MlaasError } from '../errors.js';
import { assertBlobKey, type BlobBackend, type BlobBody, type BlobInfo } from './blob-backend.js';

export interface S3BlobBackendOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. `team-a/models`; none by default. */
  prefix?: string;
  /** Endpoint URL for anything but AWS S3, e.g. `http://127.0.0.1:9000` for MinIO. */
  endpoint?: string;
  /** Defaults to `us-east-1`, which MinIO and most S3-compatible servers accept. */
  region?: string;
  /** `bucket.host/key` (false, AWS's default) or `host/bucket/key` (true, what MinIO needs). */
  forcePathStyle?: boolean;
  /** Static credentials; without them the AWS SDK's default chain (env, profile, instance role) applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

interface S3Failure {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as S3Failure).$metadata?.httpStatusCode;
}

function isMissingKey(err: unknown): boolean {
  const name = (err as S3Failure).name;
  return name !== 'NoSuchBucket' && (name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404);
}

export class S3BlobBackend implements BlobBackend {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3BlobBackendOptions) {
    this.bucket = options.bucket;
    const trimmed = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (trimmed !== '') assertBlobKey(trimmed);
    this.prefix = trimmed === '' ? '' : `${trimmed}/`;
    this.location = `s3://${this.bucket}/${this.prefix}${options.endpoint === undefined ? '' : ` at ${options.endpoint}`}`;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      // The registry keeps its own sha256 of every model; the SDK's default CRC
      // trailers (aws-chunked uploads) are not understood by many S3-compatible servers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: BlobBody): Promise<void> {
    const Key = this.objectKey(key);
    if (body instanceof Uint8Array) {
      await this.send('PUT', key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body })));
      return;
    }
    // The SDK does not watch its body for errors: a source that fails would leave
    // the request waiting for bytes forever. Abort it instead.
    const abort = new AbortController();
    const onError = (err: unknown) => abort.abort(err);
    body.stream.once('error', onError);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body.stream, ContentLength: body.size }), {
        abortSignal: abort.signal,
      });
    } catch (err) {
      throw this.failure('PUT', key, abort.signal.aborted ? abort.signal.reason : err);
    } finally {
      body.stream.off('error', onError);
    }
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      // 412: the key exists; 409: another conditional write of that key is in flight and wins.
      if (statusOf(err) === 412 || statusOf(err) === 409) return false;
      throw this.failure('PUT', key, err);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const Key = this.objectKey(key);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return answer.Body === undefined ? new Uint8Array() : await answer.Body.transformToByteArray();
    } catch (err) {
      if (isMissingKey(err)) return undefined;
      throw this.failure('GET', key, err);
    }
  }

  async getStream(key: string): Promise<Readable | undefined> {
    const Key = this.objectKey(key);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      // In Node the SDK's body is the HTTP response itself: an IncomingMessage.
      return answer.Body as Readable | undefined;
    } catch (err) {
      if (isMissingKey(err)) return undefined;
      throw this.failure('GET', key, err);
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const Key = this.objectKey(key);
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: answer.ContentLength ?? 0 };
    } catch (err) {
      if (isMissingKey(err)) return undefined;
      throw this.failure('HEAD', key, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.send('LIST', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) keys.push(object.Key.slice(this.prefix.length));
      }
      ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    await this.send('DELETE', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return this.prefix + key;
  }

  private async send<T>(verb: string, key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw this.failure(verb, key, err);
    }
  }

  private failure(verb: string, key: string, err: unknown): MlaasError {
    const { name = 'Error', message = String(err) } = err as S3Failure;
    const status = statusOf(err);
    return new MlaasError(
      'MODEL_STORE_FAILED',
      `${verb} s3://${this.bucket}/${this.prefix}${key}: ${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`,
      { cause: err },
    );
  }
}

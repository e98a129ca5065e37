/**
 * A pass-through stream that hashes (sha256) and counts what flows through it,
 * so a model is digested while it is written or fetched, never read twice.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class DigestStream extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  /** `onProgress(bytesDone, bytesTotal)` is called after every chunk. */
  constructor(
    private readonly total: number,
    private readonly onProgress?: (bytesDone: number, bytesTotal: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onProgress?.(this.bytes, this.total);
    callback(null, chunk);
  }

  /** Lower-case hex sha256 of everything that went through; call once, after the end. */
  hex(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Blobs as files under one directory (`.mlaas/models` by default): key
 * `spam/versions/3/meta.json` is the file of that relative path. Every write
 * goes to a hidden temp file in the same directory, is fsync'd, then renamed
 * (or hard-linked, for create-only writes) into place, so a reader sees a
 * whole file or none. A temp file names its writer (see writer-tag.ts); the
 * next write into its directory removes those that writers died leaving.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobKey, type BlobBackend, type BlobBody, type BlobInfo } from './blob-backend.js';
import { ABANDONED_AFTER_MS, isAbandoned, WRITER_TAG, WRITER_TAG_PATTERN } from './writer-tag.js';

const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** `.<file>.<host>.<pid>.<random>.tmp`; an older mlaas wrote `.<file>.<random>.tmp`, writer unknown. */
const TEMP = new RegExp(`^\\..+?(?:\\.${WRITER_TAG_PATTERN})?\\.[0-9a-f]{12}\\.tmp$`);

function isAbsent(err: unknown): boolean {
  return ABSENT.has((err as NodeJS.ErrnoException).code ?? '');
}

export class FsBlobBackend implements BlobBackend {
  readonly location: string;

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  async put(key: string, body: BlobBody): Promise<void> {
    const target = this.pathOf(key);
    const temp = await this.writeTemp(target, body);
    try {
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const target = this.pathOf(key);
    const temp = await this.writeTemp(target, body);
    try {
      // link(2) fails with EEXIST instead of replacing: an atomic create-only rename.
      await link(temp, target);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  async getStream(key: string): Promise<Readable | undefined> {
    try {
      const handle = await open(this.pathOf(key), 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        return undefined;
      }
      return handle.createReadStream();
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    if (base !== '') assertBlobKey(base);
    const keys: string[] = [];
    await this.walk(base, keys);
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  close(): void {
    // Nothing held open between calls.
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return path.join(this.location, ...key.split('/'));
  }

  private async walk(dirKey: string, into: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dirKey === '' ? this.location : this.pathOf(dirKey), { withFileTypes: true });
    } catch (err) {
      if (isAbsent(err)) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // temp files and anything that is not a blob
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) await this.walk(key, into);
      else if (entry.isFile()) into.push(key);
    }
  }

  private async writeTemp(target: string, body: BlobBody): Promise<string> {
    const dir = path.dirname(target);
    await mkdir(dir, { recursive: true });
    await this.removeAbandonedTemps(dir);
    const temp = path.join(dir, `.${path.basename(target)}.${WRITER_TAG}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // flush: fsync before close, so a crash after the rename cannot leave an empty file behind.
      if (body instanceof Uint8Array) await writeFile(temp, body, { flag: 'wx', flush: true });
      else await pipeline(body.stream, createWriteStream(temp, { flags: 'wx', flush: true }));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return temp;
  }

  /** Temp files of writers that died before their rename; a write in progress elsewhere keeps its own. */
  private async removeAbandonedTemps(dir: string): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(dir)) {
      const match = TEMP.exec(name);
      if (match === null) continue;
      const file = path.join(dir, name);
      const modified = await stat(file).then((info) => info.mtimeMs, () => undefined);
      if (modified === undefined) continue;
      const [, host, pid] = match;
      const abandoned = host === undefined ? now - modified > ABANDONED_AFTER_MS : isAbandoned(host, Number(pid), now - modified);
      if (abandoned) await rm(file, { force: true });
    }
  }
}

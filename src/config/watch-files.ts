/**
 * Tells when configuration files change, in a way that survives how editors
 * and deploy tools save. A file replaced by a rename (vim, atomic saves, a
 * Kubernetes ConfigMap's symlink swap) is a new inode, and a watch on the old
 * one never hears of it again; so the watch is on each file's directory (and
 * on the directory of the file a symlink points at). An event there,
 * debounced, leads to a stat of every watched file, and only a file whose
 * stamp (device, inode, size, mtime, ctime) moved counts as changed: other
 * files of the directory cost a stat, never a reload.
 */
import { realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { debounce, type DebounceOptions } from './debounce.js';

export interface FileWatchOptions extends Partial<DebounceOptions> {
  /** A directory that cannot be watched (gone, no permission): the others still are. */
  onError?: (err: unknown, dir: string) => void;
}

export interface FileWatch {
  /** Watches these files from now on (a reload may name another gateway document or flags file). */
  setFiles(files: readonly string[]): void;
  close(): void;
}

/** Quick enough that a flags file applies well within flagd's 1 s, slow enough to let an editor finish its save. */
export const WATCH_DEBOUNCE: DebounceOptions = { quietMs: 100, maxWaitMs: 300 };

/**
 * @example
 * const watch = watchFiles(['mlaas.yaml', 'api-gateway.yaml'], (changed) => void reload(changed));
 */
export function watchFiles(files: readonly string[], onChange: (changed: string[]) => void, options: FileWatchOptions = {}): FileWatch {
  const onError = options.onError ?? (() => {});
  const watchers = new Map<string, FSWatcher>();
  let stamps = new Map<string, string>();
  let closed = false;

  const check = (): void => {
    if (closed) return;
    const changed: string[] = [];
    for (const [file, before] of stamps) {
      const now = stampOf(file);
      if (now === before) continue;
      stamps.set(file, now);
      changed.push(file);
    }
    if (changed.length === 0) return;
    // A symlink may point somewhere else now.
    watchDirs([...stamps.keys()]);
    onChange(changed);
  };
  const debounced = debounce(check, { ...WATCH_DEBOUNCE, ...options });

  function watchDirs(list: readonly string[]): void {
    const wanted = new Set(list.flatMap(dirsOf));
    for (const [dir, watcher] of watchers) {
      if (wanted.has(dir)) continue;
      watcher.close();
      watchers.delete(dir);
    }
    for (const dir of wanted) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => debounced.trigger());
        watcher.on('error', (err) => {
          watcher.close();
          watchers.delete(dir);
          onError(err, dir);
        });
        watchers.set(dir, watcher);
      } catch (err) {
        onError(err, dir);
      }
    }
  }

  const fileWatch: FileWatch = {
    setFiles(next) {
      if (closed) return;
      const absolute = next.map((f) => path.resolve(f));
      stamps = new Map(absolute.map((f) => [f, stamps.get(f) ?? stampOf(f)]));
      watchDirs(absolute);
    },
    close() {
      closed = true;
      debounced.cancel();
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
  fileWatch.setFiles(files);
  return fileWatch;
}

/** The file's directory, and the directory of what it links to when that is elsewhere. */
function dirsOf(file: string): string[] {
  const dirs = [path.dirname(file)];
  try {
    const target = path.dirname(realpathSync(file));
    if (target !== dirs[0]) dirs.push(target);
  } catch {
    // Missing for now: its own directory's events say when it is back.
  }
  return dirs;
}

function stampOf(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

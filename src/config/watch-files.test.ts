import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WATCH_DEBOUNCE, watchFiles, type FileWatch } from './watch-files.js';

/** How long a test waits for a change to be reported before it fails: generous, a loaded machine is slow. */
const REPORT_WITHIN_MS = 5000;

let dir: string;
let watch: FileWatch | undefined;
let reports: string[][];
let waiting: Array<() => void>;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-watch-'));
  reports = [];
  waiting = [];
});

afterEach(() => {
  watch?.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(files: readonly string[]): void {
  watch = watchFiles(files, (changed) => {
    reports.push(changed);
    for (const wake of waiting.splice(0)) wake();
  });
}

/** Resolves with the report number `n` (1-based) once it came; rejects after REPORT_WITHIN_MS. */
async function report(n: number): Promise<string[]> {
  const deadline = Date.now() + REPORT_WITHIN_MS;
  while (reports.length < n) {
    if (Date.now() > deadline) throw new Error(`report ${n} did not come within ${REPORT_WITHIN_MS} ms; got ${JSON.stringify(reports)}`);
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      setTimeout(resolve, 50);
    });
  }
  return reports[n - 1] ?? [];
}

/** Long enough for any debounced report of what came before to have been made. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, WATCH_DEBOUNCE.maxWaitMs * 3));

/** What vim and atomic-save editors do: write a new file beside it, rename it over the old one. */
function saveByRename(file: string, text: string): void {
  const tmp = `${file}.tmp~`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

describe('watchFiles', () => {
  it('reports a file written in place, once for the several events of one save', async () => {
    const file = path.join(dir, 'api-gateway.yaml');
    writeFileSync(file, 'a');
    start([file]);
    writeFileSync(file, 'ab');
    writeFileSync(file, 'abc');
    expect(await report(1)).toEqual([file]);
    await settle();
    expect(reports).toHaveLength(1);
  });

  it('keeps reporting after rename-and-replace saves and after a delete and re-create', async () => {
    const file = path.join(dir, 'mlaas.yaml');
    writeFileSync(file, 'v1');
    start([file]);
    saveByRename(file, 'v2');
    expect(await report(1)).toEqual([file]);
    saveByRename(file, 'v3');
    expect(await report(2)).toEqual([file]);
    unlinkSync(file);
    expect(await report(3)).toEqual([file]);
    writeFileSync(file, 'v4');
    expect(await report(4)).toEqual([file]);
    // Same size as before, written in place: the stamp still moves.
    writeFileSync(file, 'v5');
    expect(await report(5)).toEqual([file]);
  });

  it('does not report other files of the directory, nor the editor’s temporary files', async () => {
    const file = path.join(dir, 'flags.json');
    writeFileSync(file, '{}');
    start([file]);
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    writeFileSync(path.join(dir, '.flags.json.swp'), 'x');
    await settle();
    expect(reports).toEqual([]);
    writeFileSync(file, '{"flags":{}}');
    expect(await report(1)).toEqual([file]);
  });

  it('follows setFiles: a file in a new directory is watched, a dropped one no longer reported', async () => {
    const first = path.join(dir, 'a.yaml');
    mkdirSync(path.join(dir, 'docs'));
    const second = path.join(dir, 'docs', 'b.yaml');
    writeFileSync(first, '1');
    writeFileSync(second, '1');
    start([first]);
    watch?.setFiles([second]);
    writeFileSync(first, '22');
    await settle();
    expect(reports).toEqual([]);
    writeFileSync(second, '22');
    expect(await report(1)).toEqual([second]);
  });

  it('reports an edit of the file a symlink points at, in another directory, and a swap of the link (ConfigMap style)', async () => {
    mkdirSync(path.join(dir, 'v1'));
    mkdirSync(path.join(dir, 'v2'));
    writeFileSync(path.join(dir, 'v1', 'flags.json'), '1');
    writeFileSync(path.join(dir, 'v2', 'flags.json'), '2');
    const link = path.join(dir, 'flags.json');
    symlinkSync(path.join(dir, 'v1', 'flags.json'), link);
    start([link]);
    writeFileSync(path.join(dir, 'v1', 'flags.json'), '11');
    expect(await report(1)).toEqual([link]);
    const tmp = path.join(dir, 'flags.json.new');
    symlinkSync(path.join(dir, 'v2', 'flags.json'), tmp);
    renameSync(tmp, link);
    expect(await report(2)).toEqual([link]);
  });

  it('reports nothing after close', async () => {
    const file = path.join(dir, 'mlaas.yaml');
    writeFileSync(file, 'v1');
    start([file]);
    watch?.close();
    writeFileSync(file, 'v2');
    await settle();
    expect(reports).toEqual([]);
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SizeRotatedFile } from './size-rotated-file.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-rotate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SizeRotatedFile', () => {
  it('rotates by size, keeps the newest files, and loses no line', async () => {
    const file = path.join(dir, 'logs', 'requests.log');
    const out = new SizeRotatedFile({ file, maxBytes: 4096, keep: 2 });
    for (let i = 0; i < 300; i++) out.write(`${JSON.stringify({ i, pad: 'x'.repeat(40), msg: 'request' })}\n`);
    await out.close();
    expect(readdirSync(path.dirname(file)).sort()).toEqual(['requests.log', 'requests.log.1', 'requests.log.2']);
    for (const name of ['requests.log.1', 'requests.log.2']) {
      expect(statSync(path.join(path.dirname(file), name)).size).toBeLessThan(4096 + 200);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The newest lines are all there, in order, up to the last one written.
    const kept = ['requests.log.2', 'requests.log.1', 'requests.log']
      .flatMap((name) => readFileSync(path.join(path.dirname(file), name), 'utf8').split('\n'))
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { i: number }).i);
    expect(kept.at(-1)).toBe(299);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 300 - kept.length + k));
  });

  it('writes a lone line out without being closed, for a follower', async () => {
    const file = path.join(dir, 'lone.log');
    const out = new SizeRotatedFile({ file, maxBytes: 1 << 20, keep: 1 });
    out.write('{"msg":"alone"}\n');
    for (let i = 0; i < 100 && readFileSync(file, 'utf8') === ''; i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(file, 'utf8')).toBe('{"msg":"alone"}\n');
    await out.close();
  });

  it('appends to an existing file and counts its size', async () => {
    const file = path.join(dir, 'again.log');
    const first = new SizeRotatedFile({ file, maxBytes: 100, keep: 1 });
    first.write(`${'a'.repeat(60)}\n`);
    await first.close();
    const second = new SizeRotatedFile({ file, maxBytes: 100, keep: 1 });
    second.write(`${'b'.repeat(60)}\n`);
    await second.close();
    expect(readFileSync(`${file}.1`, 'utf8')).toBe(`${'a'.repeat(60)}\n${'b'.repeat(60)}\n`);
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});

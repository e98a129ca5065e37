import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { InstanceOutput, MAX_LINE_CHARS } from './instance-output.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlaas-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('InstanceOutput', () => {
  it('cuts a line without end into pieces, keeps characters split across chunks, and ends with the last note', async () => {
    const file = path.join(dir, 'a.log');
    const output = new InstanceOutput(file, { service: 'svc', revision: undefined, instance: 'svc-1' });
    const stdout = new PassThrough();
    output.attach(stdout, 'stdout');
    const euro = Buffer.from('€ ok\r\n');
    stdout.write(euro.subarray(0, 1));
    stdout.write(euro.subarray(1));
    stdout.write('x'.repeat(MAX_LINE_CHARS + 10));
    stdout.end();
    stdout.destroy();
    await output.end('svc-1 stopped: exited with code 0');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['stream'], String(l['msg']).length])).toEqual([
      ['stdout', 4],
      ['stdout', MAX_LINE_CHARS],
      ['stdout', 10],
      ['mlaas', 'svc-1 stopped: exited with code 0'.length],
    ]);
    expect(lines[0]).toMatchObject({ msg: '€ ok', service: 'svc', instance: 'svc-1' });
    expect(lines[0]).not.toHaveProperty('revision');
  });
});

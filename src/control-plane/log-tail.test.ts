import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogTail } from './log-tail.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'mlaas-log-tail-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const line = (fields: Record<string, unknown>) => `${JSON.stringify({ level: 30, ...fields })}\n`;

function logsDir(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'echo'), { recursive: true });
  writeFileSync(path.join(dir, 'echo', 'echo-00001-aa.log'), line({ time: 10, revision: 'echo-00001', msg: 'a1' }) + line({ time: 30, revision: 'echo-00001', msg: 'a2' }));
  writeFileSync(path.join(dir, 'echo', 'echo-00002-bb.log'), line({ time: 20, revision: 'echo-00002', msg: 'b1' }));
  writeFileSync(
    path.join(dir, 'requests.log'),
    line({ time: 5, service: 'echo', revision: 'echo-00001', instance: 'echo-00001-aa', msg: 'request', requestId: 'r1' }) +
      line({ time: 6, service: 'other', msg: 'request', requestId: 'r2' }) +
      line({ time: 7, service: 'echo', revision: 'echo-00002', instance: 'echo-00002-bb', msg: 'request', requestId: 'r3' }),
  );
  return dir;
}

const msgs = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { msg: string; requestId?: string }).requestId ?? (JSON.parse(l) as { msg: string }).msg);

describe('LogTail', () => {
  it("reads a service's instance logs in time order, filtered by revision, instance and time", () => {
    const dir = logsDir('filters');
    expect(msgs(new LogTail(dir, { service: 'echo', requests: false }).read())).toEqual(['a1', 'b1', 'a2']);
    expect(msgs(new LogTail(dir, { service: 'echo', revision: 'echo-00002', requests: false }).read())).toEqual(['b1']);
    expect(msgs(new LogTail(dir, { service: 'echo', instance: 'echo-00001-aa', requests: false }).read())).toEqual(['a1', 'a2']);
    expect(msgs(new LogTail(dir, { service: 'echo', sinceMs: 15, requests: false }).read())).toEqual(['b1', 'a2']);
    expect(new LogTail(dir, { service: 'nosuch', requests: false }).read()).toEqual([]);
  });

  it("reads the service's own lines of the request log", () => {
    const dir = logsDir('requests');
    expect(msgs(new LogTail(dir, { service: 'echo', requests: true }).read())).toEqual(['r1', 'r3']);
    expect(msgs(new LogTail(dir, { service: 'echo', requests: true, instance: 'echo-00002-bb' }).read())).toEqual(['r3']);
  });

  it('then reads only what was appended, a new instance file included, holding back a line not yet ended', () => {
    const dir = logsDir('follow');
    const tail = new LogTail(dir, { service: 'echo', requests: false });
    expect(tail.read()).toHaveLength(3);
    expect(tail.read()).toEqual([]);
    appendFileSync(path.join(dir, 'echo', 'echo-00001-aa.log'), line({ time: 40, msg: 'a3' }) + '{"time":50,"msg":"half');
    writeFileSync(path.join(dir, 'echo', 'echo-00002-cc.log'), line({ time: 45, msg: 'c1' }));
    expect(msgs(tail.read())).toEqual(['a3', 'c1']);
    appendFileSync(path.join(dir, 'echo', 'echo-00001-aa.log'), ' done"}\n');
    expect(msgs(tail.read())).toEqual(['half done']);
  });
});

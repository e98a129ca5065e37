import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findHaproxy } from './haproxy-binary.js';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mlaas-haproxy-bin-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function fakeHaproxy(name: string, versionLine: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `#!/bin/sh\necho '${versionLine}'\n`, { mode: 0o755 });
  return file;
}

describe('findHaproxy', () => {
  it('falls back to /usr/sbin/haproxy when PATH has none, and reads its version', async () => {
    expect(await findHaproxy({ PATH: dir })).toEqual({ path: '/usr/sbin/haproxy', version: expect.stringMatching(/^2\.6\.\d+/) });
  });

  it('takes haproxy from PATH before /usr/sbin', async () => {
    const onPath = path.join(dir, 'bin');
    await fs.mkdir(onPath, { recursive: true });
    const file = await fakeHaproxy('bin/haproxy', 'HAProxy version 2.8.3-1 2023/09/08 - https://haproxy.org/');
    expect(await findHaproxy({ PATH: onPath })).toEqual({ path: file, version: '2.8.3-1' });
  });

  it('takes $MLAAS_HAPROXY first', async () => {
    const file = await fakeHaproxy('chosen', 'HAProxy version 3.0.0 2024/05/29 - https://haproxy.org/');
    expect((await findHaproxy({ MLAAS_HAPROXY: file, PATH: '' })).path).toBe(file);
  });

  it('refuses a version below 2.6, saying what was found and how to install', async () => {
    const file = await fakeHaproxy('old', 'HAProxy version 2.4.22-0ubuntu0.22.04.3 2023/08/14 - https://haproxy.org/');
    await expect(findHaproxy({ MLAAS_HAPROXY: file })).rejects.toMatchObject({
      code: 'HAPROXY_UNAVAILABLE',
      message: expect.stringMatching(new RegExp(`${file} is HAProxy 2\\.4, need ≥ 2\\.6.*apt-get install haproxy`)),
    });
  });

  it('says where it looked when no haproxy runs there', async () => {
    await expect(findHaproxy({ MLAAS_HAPROXY: path.join(dir, 'missing') })).rejects.toMatchObject({
      code: 'HAPROXY_UNAVAILABLE',
      message: expect.stringMatching(/no runnable haproxy at .*missing \(from MLAAS_HAPROXY\).*apt-get install haproxy/),
    });
  });

  it('refuses a program that does not print an HAProxy version', async () => {
    const file = await fakeHaproxy('other', 'nginx version: nginx/1.22.1');
    await expect(findHaproxy({ MLAAS_HAPROXY: file })).rejects.toThrow(/did not print an HAProxy version.*nginx/);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MlaasError } from '../errors.js';
import { assertReachable, blockedPathFor, chooseInstanceUser, resolveInstanceUser } from './instance-user.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlaas-user-'));
const passwd = path.join(root, 'passwd');
fs.writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nsvc:x:1001:1001::/home/svc:/bin/sh\n');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof MlaasError ? `${err.code}: ${err.message}` : String(err);
  }
  return undefined;
}

describe('resolveInstanceUser', () => {
  it('runs instances as nobody when mlaas is root and nothing is set', () => {
    expect(resolveInstanceUser(undefined, { platformUid: 0, passwd })).toEqual({ name: 'nobody', uid: 65534, gid: 65534 });
  });

  it('takes a name or a uid, and a uid with no passwd entry as its own group', () => {
    expect(resolveInstanceUser('svc', { platformUid: 0, passwd })).toEqual({ name: 'svc', uid: 1001, gid: 1001 });
    expect(resolveInstanceUser(1001, { platformUid: 0, passwd })).toEqual({ name: 'svc', uid: 1001, gid: 1001 });
    expect(resolveInstanceUser(4242, { platformUid: 0, passwd })).toEqual({ name: '4242', uid: 4242, gid: 4242 });
  });

  it('runs instances as the platform’s own user when that is asked for or when mlaas is not root', () => {
    expect(resolveInstanceUser('root', { platformUid: 0, passwd })).toBeUndefined();
    expect(resolveInstanceUser(undefined, { platformUid: 1001, passwd })).toBeUndefined();
    expect(resolveInstanceUser('svc', { platformUid: 1001, passwd })).toBeUndefined();
  });

  it('refuses an unknown user, and another user when mlaas cannot switch to it', () => {
    expect(codeOf(() => resolveInstanceUser('nosuch', { platformUid: 0, passwd }))).toBe(
      'CONFIG_INVALID: instances.user: expected a user of this machine, got "nosuch" (not in the passwd database)',
    );
    expect(codeOf(() => resolveInstanceUser('nobody', { platformUid: 1001, passwd }))).toMatch(
      /^CONFIG_INVALID: instances.user: mlaas runs as uid 1001 and cannot start instances as nobody \(uid 65534\)/,
    );
  });
});

describe('chooseInstanceUser', () => {
  const closed = path.join(root, 'installed-under-a-closed-dir');
  fs.mkdirSync(path.join(closed, 'mlaas'), { recursive: true });
  fs.chmodSync(root, 0o755);
  fs.chmodSync(closed, 0o700);
  const open = os.tmpdir();

  it('runs instances as nobody when nobody reaches what they need', () => {
    expect(chooseInstanceUser(undefined, { platformUid: 0, passwd, needs: [open] })).toEqual({ user: { name: 'nobody', uid: 65534, gid: 65534 } });
  });

  it('falls back to the platform’s user, saying why, when the default user cannot reach the installation', () => {
    expect(chooseInstanceUser(undefined, { platformUid: 0, passwd, needs: [open, path.join(closed, 'mlaas')] })).toEqual({
      user: undefined,
      shared: `nobody cannot enter ${closed} (it needs ${path.join(closed, 'mlaas')}); set instances.user or install mlaas where nobody can read`,
    });
  });

  it('refuses to start when the user mlaas.yaml names cannot reach it', () => {
    expect(codeOf(() => chooseInstanceUser('nobody', { platformUid: 0, passwd, needs: [path.join(closed, 'mlaas')] }))).toMatch(/^RUNTIME_PATH_UNREACHABLE/);
  });

  it('says why instances share the platform’s user when mlaas is not root', () => {
    expect(chooseInstanceUser(undefined, { platformUid: 1001, passwd, needs: [open] })).toEqual({ user: undefined, shared: 'mlaas is not root and cannot switch users' });
  });
});

describe('blockedPathFor', () => {
  const nobody = { name: 'nobody', uid: 65534, gid: 65534 };

  it('names the first directory on the way that others cannot enter', () => {
    const closed = path.join(root, 'closed');
    fs.mkdirSync(path.join(closed, 'inner'), { recursive: true });
    fs.chmodSync(root, 0o755);
    fs.chmodSync(closed, 0o700);
    expect(blockedPathFor(nobody, path.join(closed, 'inner'))).toBe(closed);
    expect(codeOf(() => assertReachable(nobody, [path.join(closed, 'inner')]))).toMatch(
      new RegExp(`^RUNTIME_PATH_UNREACHABLE: instances run as nobody \\(uid 65534\\) and need .*, but cannot enter ${closed}`),
    );
    fs.chmodSync(closed, 0o755);
    expect(blockedPathFor(nobody, path.join(closed, 'inner'))).toBeUndefined();
  });

  it('counts the owner bits for the owner', () => {
    const own = path.join(root, 'own');
    fs.mkdirSync(own, { mode: 0o700 });
    const me = { name: 'me', uid: fs.statSync(own).uid, gid: fs.statSync(own).gid };
    expect(blockedPathFor(me, own)).toBeUndefined();
  });
});

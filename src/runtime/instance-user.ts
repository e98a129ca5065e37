/**
 * Which user instances run as. A service must not read what the platform
 * keeps (the admin token, state.db, the demo keys, the platform's own
 * environment in /proc): a container gives Cloud Run that much, and on one
 * machine a separate user does. Started as root, mlaas runs instances as
 * `instances.user` (default `nobody`); started as anyone else it cannot
 * switch users, so instances run as the platform's own user and can read
 * what that user can — `mlaas up` says so when it starts. So does it when
 * the default user cannot reach what instances need (mlaas installed under
 * /root, say): the platform still starts, and says why instances share its user.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MlaasError } from '../errors.js';

export interface InstanceUser {
  name: string;
  uid: number;
  gid: number;
}

/** The default of `instances.user` when mlaas runs as root. */
export const DEFAULT_INSTANCE_USER = 'nobody';

export interface ResolveUserOptions {
  /** The platform's uid: `process.getuid()`. */
  platformUid: number;
  /** The passwd database, `/etc/passwd` by default. */
  passwd?: string;
}

/**
 * The user instances run as, or undefined when it is the platform's own.
 *
 * @throws MlaasError CONFIG_INVALID when the user is unknown, or when mlaas is not root and was asked for another user.
 * @example
 * resolveInstanceUser(undefined, { platformUid: 0 }); // { name: 'nobody', uid: 65534, gid: 65534 }
 */
export function resolveInstanceUser(setting: string | number | undefined, options: ResolveUserOptions): InstanceUser | undefined {
  const { platformUid } = options;
  if (setting === undefined && platformUid !== 0) return undefined;
  const wanted = setting ?? DEFAULT_INSTANCE_USER;
  const entry = lookUp(wanted, options.passwd ?? '/etc/passwd');
  if (entry === undefined) {
    throw new MlaasError('CONFIG_INVALID', `instances.user: expected a user of this machine, got ${JSON.stringify(wanted)} (not in the passwd database)`);
  }
  if (entry.uid === platformUid) return undefined;
  if (platformUid !== 0) {
    throw new MlaasError(
      'CONFIG_INVALID',
      `instances.user: mlaas runs as uid ${platformUid} and cannot start instances as ${entry.name} (uid ${entry.uid}); run mlaas as root or remove instances.user`,
    );
  }
  return entry;
}

function lookUp(wanted: string | number, passwdFile: string): InstanceUser | undefined {
  let text: string;
  try {
    text = fs.readFileSync(passwdFile, 'utf8');
  } catch {
    text = '';
  }
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || uid === undefined || gid === undefined) continue;
    if (name === wanted || Number(uid) === wanted || uid === wanted) return { name, uid: Number(uid), gid: Number(gid) };
  }
  // A bare uid with no passwd entry (common in containers) is still a user: its group is the same number.
  return typeof wanted === 'number' ? { name: String(wanted), uid: wanted, gid: wanted } : undefined;
}

/**
 * The first directory on the way to `target` (or `target` itself) that
 * `user` cannot enter, or undefined when it can read its way there. Only
 * mode bits count: instances run with no supplementary groups.
 */
export function blockedPathFor(user: InstanceUser, target: string): string | undefined {
  const absolute = path.resolve(target);
  const parts = absolute.split(path.sep).filter((p) => p !== '');
  let current: string = path.sep;
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) current = path.join(current, parts[i - 1] as string);
    let st: fs.Stats;
    try {
      st = fs.statSync(current);
    } catch {
      return undefined;
    }
    const shift = st.uid === user.uid ? 6 : st.gid === user.gid ? 3 : 0;
    const bits = (st.mode >> shift) & 0o7;
    const needed = st.isDirectory() ? 0o1 | (i === parts.length ? 0o4 : 0) : 0o4;
    if ((bits & needed) !== needed) return current;
  }
  return undefined;
}

export interface InstanceUserChoice {
  /** Undefined: instances run as the platform's own user. */
  user: InstanceUser | undefined;
  /** Why they share the platform's user, when they do. */
  shared?: string;
}

/**
 * `resolveInstanceUser`, then a check that the user can reach `needs` (the
 * cache, the installation): an unreachable path is an error when
 * `instances.user` was set, and when it was not, the reason instances run
 * as the platform's own user.
 *
 * @example
 * chooseInstanceUser(undefined, { platformUid: 0, needs: ['/var/cache/mlaas', '/opt/mlaas'] }); // { user: nobody }
 */
export function chooseInstanceUser(
  setting: string | number | undefined,
  options: ResolveUserOptions & { needs: readonly string[] },
): InstanceUserChoice {
  const user = resolveInstanceUser(setting, options);
  if (user === undefined) {
    const why = options.platformUid === 0 ? 'instances.user is the platform’s own user' : 'mlaas is not root and cannot switch users';
    return { user, shared: why };
  }
  if (setting !== undefined) {
    assertReachable(user, options.needs);
    return { user };
  }
  for (const target of options.needs) {
    const blocked = blockedPathFor(user, target);
    if (blocked !== undefined) return { user: undefined, shared: `${user.name} cannot enter ${blocked} (it needs ${target}); set instances.user or install mlaas where ${user.name} can read` };
  }
  return { user };
}

/**
 * @throws MlaasError RUNTIME_PATH_UNREACHABLE naming the first path `user`
 *   cannot reach, so that a misplaced cache or installation fails at start-up
 *   and not as every instance's EACCES.
 */
export function assertReachable(user: InstanceUser, targets: readonly string[]): void {
  for (const target of targets) {
    const blocked = blockedPathFor(user, target);
    if (blocked !== undefined) {
      throw new MlaasError(
        'RUNTIME_PATH_UNREACHABLE',
        `instances run as ${user.name} (uid ${user.uid}) and need ${target}, but cannot enter ${blocked}: ` +
          'set MLAAS_CACHE_DIR (or install mlaas) where that user can read, or choose another instances.user',
      );
    }
  }
}

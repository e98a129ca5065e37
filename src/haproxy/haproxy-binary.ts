/**
 * Finds the HAProxy binary the native data plane runs, and checks it is new
 * enough for what the runtime API layer relies on (dynamic servers, map
 * versions with `prepare`/`commit`, payload `add map`: all in 2.6).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MlaasError } from '../errors.js';
import { findExecutable } from '../runtime/find-executable.js';

const run = promisify(execFile);

export const MIN_HAPROXY_VERSION = [2, 6] as const;
const DEBIAN_PATH = '/usr/sbin/haproxy';
const INSTALL_HINT = 'install it with `apt-get install haproxy` (Debian 12 ships 2.6) or set MLAAS_HAPROXY to its path';

export interface HaproxyBinary {
  path: string;
  /** As `haproxy -v` prints it, e.g. `2.6.12-1+deb12u4`. */
  version: string;
}

/**
 * `$MLAAS_HAPROXY`, else `haproxy` on PATH, else /usr/sbin/haproxy (not on a
 * non-root user's PATH on Debian); fails with HAPROXY_UNAVAILABLE saying what
 * was found when none runs or its version is below 2.6.
 *
 * @example
 * const { path, version } = await findHaproxy(process.env); // '/usr/sbin/haproxy', '2.6.12-1+deb12u4'
 */
export async function findHaproxy(env: NodeJS.ProcessEnv): Promise<HaproxyBinary> {
  const explicit = env['MLAAS_HAPROXY'];
  const file = explicit !== undefined && explicit !== ''
    ? explicit
    : (findExecutable('haproxy', process.cwd(), env['PATH']) ?? DEBIAN_PATH);
  let output: string;
  try {
    output = (await run(file, ['-v'], { timeout: 10_000 })).stdout;
  } catch (error) {
    const from = explicit ? 'MLAAS_HAPROXY' : 'PATH or /usr/sbin';
    throw new MlaasError('HAPROXY_UNAVAILABLE', `no runnable haproxy at ${file} (from ${from}): ${(error as Error).message.split('\n')[0]}; ${INSTALL_HINT}`, { cause: error });
  }
  const match = /HAProxy version (\d+)\.(\d+)(\S*)/.exec(output);
  if (match === null) {
    throw new MlaasError('HAPROXY_UNAVAILABLE', `${file} -v did not print an HAProxy version (got ${JSON.stringify(output.slice(0, 80))}); ${INSTALL_HINT}`);
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < MIN_HAPROXY_VERSION[0] || (major === MIN_HAPROXY_VERSION[0] && minor < MIN_HAPROXY_VERSION[1])) {
    throw new MlaasError('HAPROXY_UNAVAILABLE', `${file} is HAProxy ${major}.${minor}, need ≥ ${MIN_HAPROXY_VERSION.join('.')}; ${INSTALL_HINT}`);
  }
  return { path: file, version: `${major}.${minor}${match[3]}` };
}

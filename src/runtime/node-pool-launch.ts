/**
 * Whether an instance can start from the runtime pool, and from which of its
 * pools: its command must be `node SCRIPT [ARGS…]` (no Node options, on the
 * command line or in NODE_OPTIONS), because a pooled process was started
 * before its revision was known. What Node and native libraries read only
 * at start-up (locale, time zone, NODE_*, UV_*, OMP_*, …) and the modules
 * preloaded for the script set the pool a process comes from: an instance
 * only takes a process that started with the same values it would have.
 */
import fs from 'node:fs';
import path from 'node:path';
import { esmPackageEntry } from './esm-package-entry.js';
import { findExecutable } from './find-executable.js';
import type { PoolLaunch } from './pool-launch.js';
import { startEnvironmentOf } from './start-environment.js';

/** What pooled Node processes load before they are taken, when the script's node_modules has them. */
export const PRELOADED_PACKAGES: readonly string[] = ['onnxruntime-node', '@mlaas/sdk', 'zod'];

/** Variables read when a process (or a native library it loads) starts, not when a service reads them. */
const START_TIME_VARIABLE = /^(LANG|LANGUAGE|LC_\w+|TZ|NODE_\w+|UV_\w+|OMP_\w+|ORT_\w+|LD_\w+|MALLOC_\w+|OPENSSL_\w+|SSL_CERT_\w+)$/;

/** Per script: artifacts are immutable, so the preloads of a script never change. */
const preloadCache = new Map<string, string[]>();

/**
 * @example
 * nodePoolLaunchOf(['node', 'dist/server.js'], '/cache/artifacts/ab12', env, { MLAAS_OWNER: '/srv/.mlaas' });
 * // { key: '…', program: 'node', executable: '/usr/bin/node', preloads: ['/cache/deps/…/onnxruntime-node/dist/index.js', …], … }
 */
export function nodePoolLaunchOf(
  command: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
  marks: Readonly<Record<string, string>> = {},
): PoolLaunch | undefined {
  const [program, script, ...args] = command;
  if (program === undefined || script === undefined || script.startsWith('-')) return undefined;
  if ((env['NODE_OPTIONS'] ?? '') !== '') return undefined;
  const found = findExecutable(program, cwd, env['PATH']);
  const executable = found === undefined ? undefined : fs.realpathSync(found);
  if (executable === undefined || !/^node(js)?$/.test(path.basename(executable))) return undefined;
  const scriptFile = path.resolve(cwd, script);
  const preloads = preloadsOf(scriptFile);
  if (preloads === undefined) return undefined;
  const startEnv = startEnvironmentOf(env, START_TIME_VARIABLE, marks);
  return {
    key: JSON.stringify(['node', program, executable, preloads, startEnv]),
    runtime: 'node',
    program,
    executable,
    argv0: program,
    preloads,
    env: startEnv,
    argv: [script, ...args],
  };
}

function preloadsOf(scriptFile: string): string[] | undefined {
  let preloads = preloadCache.get(scriptFile);
  if (preloads === undefined) {
    let real: string;
    try {
      real = fs.realpathSync(scriptFile);
    } catch {
      // No such script: a fresh start says so in the instance's own log.
      return undefined;
    }
    preloads = PRELOADED_PACKAGES.flatMap((name) => esmPackageEntry(name, real) ?? []);
    preloadCache.set(scriptFile, preloads);
  }
  return preloads;
}

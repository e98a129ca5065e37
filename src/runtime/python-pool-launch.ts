/**
 * Whether an instance can start from a pool of pre-started Python runtimes
 * (python-pool-host.py), and from which: its command must be
 * `python SCRIPT.py [ARGS…]` (no interpreter options, no `-m`, no `-c`),
 * `python` being an interpreter binary found on the instance's PATH — the
 * artifact's venv first — because a pooled process was started before its
 * revision was known. The interpreter as found (a venv's `bin/python` is its
 * own runtime: Python finds its venv from that path), what Python reads
 * only at start-up (PYTHON*, locale, time zone, HOME for the user
 * site-packages, …) and the modules imported ahead set the pool a process
 * comes from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findExecutable } from './find-executable.js';
import type { PoolLaunch } from './pool-launch.js';
import { startEnvironmentOf } from './start-environment.js';

/**
 * What pooled Python processes import ahead, those the venv has: the web
 * stack and the parts of uvicorn that `uvicorn.run` imports only when it runs.
 */
export const PRELOADED_MODULES: readonly string[] = [
  'uvicorn',
  'uvicorn.lifespan.on',
  'uvicorn.loops.asyncio',
  'uvicorn.protocols.http.h11_impl',
  'uvicorn.protocols.http.httptools_impl',
  'uvicorn.protocols.websockets.wsproto_impl',
  'uvicorn.protocols.websockets.websockets_impl',
  'starlette',
  'pydantic',
  'fastapi',
];

/** Variables read when the interpreter (or a native library it loads) starts, not when a service reads them. */
const START_TIME_VARIABLE = /^(PYTHON\w+|LANG|LANGUAGE|LC_\w+|TZ|HOME|OMP_\w+|OPENBLAS_\w+|MKL_\w+|LD_\w+|MALLOC_\w+|OPENSSL_\w+|SSL_CERT_\w+)$/;

/** An interpreter binary's name: python, python3, python3.11 (a pyenv shim or a wrapper script is no interpreter). */
const INTERPRETER = /^python\d*(\.\d+)?$/;

/** Per interpreter (real path): whether it is a binary, not a script that starts one. */
const binaryCache = new Map<string, boolean>();
/** Per script directory, Python's sys.path[0]: artifacts are immutable, so what it shadows never changes. */
const preloadCache = new Map<string, string[]>();

/**
 * @example
 * pythonPoolLaunchOf(['python', 'serve.py'], '/cache/artifacts/ab12', { PATH: '/cache/deps/py-1f/bin:/usr/bin', LANG: 'C.UTF-8', PORT: '4100' });
 * // { runtime: 'python', executable: '/cache/deps/py-1f/bin/python', argv0: '/cache/deps/py-1f/bin/python', env: { LANG: 'C.UTF-8' }, … }
 */
export function pythonPoolLaunchOf(
  command: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
  marks: Readonly<Record<string, string>> = {},
): PoolLaunch | undefined {
  const [program, script, ...args] = command;
  if (program === undefined || script === undefined || script.startsWith('-') || !script.endsWith('.py')) return undefined;
  const executable = findExecutable(program, cwd, env['PATH']);
  if (executable === undefined || !isInterpreter(executable)) return undefined;
  const preloads = preloadsOf(path.resolve(cwd, script));
  if (preloads === undefined) return undefined;
  const startEnv = startEnvironmentOf(env, START_TIME_VARIABLE, marks);
  return {
    key: JSON.stringify(['python', executable, preloads, startEnv]),
    runtime: 'python',
    program,
    executable,
    argv0: executable,
    preloads,
    env: startEnv,
    argv: [script, ...args],
  };
}

function isInterpreter(executable: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync(executable);
  } catch {
    return false;
  }
  let binary = binaryCache.get(real);
  if (binary === undefined) {
    binary = INTERPRETER.test(path.basename(real)) && startsWithElfMagic(real);
    binaryCache.set(real, binary);
  }
  return binary;
}

function startsWithElfMagic(file: string): boolean {
  const head = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    fs.readSync(fd, head, 0, 4, 0);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
}

/** The modules to import ahead, less those the script's own directory would shadow; undefined without the script. */
function preloadsOf(scriptFile: string): string[] | undefined {
  let real: string;
  try {
    real = fs.realpathSync(scriptFile);
    if (!fs.statSync(real).isFile()) return undefined;
  } catch {
    // No such script: a fresh start says so in the instance's own log.
    return undefined;
  }
  const dir = path.dirname(real);
  let preloads = preloadCache.get(dir);
  if (preloads === undefined) {
    const entries = fs.readdirSync(dir);
    // `fastapi.py`, a `fastapi/` package, `fastapi.cpython-311-x86_64-linux-gnu.so`: the service's own, imported first.
    const shadows = (top: string) => entries.some((e) => e === top || e.startsWith(`${top}.`));
    preloads = PRELOADED_MODULES.filter((name) => !shadows(name.split('.')[0] as string));
    preloadCache.set(dir, preloads);
  }
  return preloads;
}

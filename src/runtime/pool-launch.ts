/**
 * Which pool of pre-started runtimes (runtime-pool.ts) an instance's command
 * can take from: `node SCRIPT …` (node-pool-launch.ts) or `python SCRIPT.py …`
 * (python-pool-launch.ts); undefined for anything else, which starts fresh.
 */
import { nodePoolLaunchOf } from './node-pool-launch.js';
import { pythonPoolLaunchOf } from './python-pool-launch.js';

export type RuntimeKind = 'node' | 'python';

export interface PoolLaunch {
  /** The pool: processes in it are interchangeable. */
  key: string;
  runtime: RuntimeKind;
  /** `command[0]` as written (`node`, `python`). */
  program: string;
  /** The binary it names, found on the instance's PATH: what the pool spawns. */
  executable: string;
  /** The pooled process's argv[0]: Python finds its venv from it, so there it is the venv's own path. */
  argv0: string;
  /** What a pooled process loads ahead: Node, real paths of files; Python, module names. */
  preloads: string[];
  /** The environment a pooled process starts with: the start-time variables and the platform's marks. */
  env: Record<string, string>;
  /** The script and its arguments, as the instance's command has them. */
  argv: [string, ...string[]];
}

/**
 * @example
 * poolLaunchOf(['python', 'serve.py'], '/cache/artifacts/ab12', { PATH: '/cache/deps/py-1f/bin:/usr/bin', PORT: '4100' });
 * // { runtime: 'python', executable: '/cache/deps/py-1f/bin/python', preloads: ['uvicorn', …], argv: ['serve.py'], … }
 */
export function poolLaunchOf(
  command: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
  marks: Readonly<Record<string, string>> = {},
): PoolLaunch | undefined {
  return nodePoolLaunchOf(command, cwd, env, marks) ?? pythonPoolLaunchOf(command, cwd, env, marks);
}

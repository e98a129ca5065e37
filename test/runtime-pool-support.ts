/**
 * What the supervisor and runtime-pool tests share: polling for a condition,
 * a pool warmed for a spec's runtime, and an instance's log.
 */
import fs from 'node:fs';
import type { RuntimePool } from '../src/runtime/runtime-pool.js';
import type { InstanceSpec, Supervisor } from '../src/runtime/supervisor.js';

export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets the pool start its process for `s`'s runtime and waits until it has loaded what it loads ahead; returns its pid. */
export async function warmPool(sup: Supervisor, pool: RuntimePool, s: InstanceSpec): Promise<number> {
  sup.scale(s, 0);
  await until(() => pool.status()[0]?.warm === 1, 20_000);
  return pool.status()[0]?.pids[0] as number;
}

/** The log of the first instance of revision `key`. */
export function logOf(sup: Supervisor, key: string): string {
  const file = sup.status().find((k) => k.key === key)?.instances[0]?.logFile as string;
  return fs.readFileSync(file, 'utf8');
}

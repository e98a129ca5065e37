/**
 * The shadow-traffic part of `mlaas status`: per mirrored service, how many
 * copies went out and how their answers compared with the primary's.
 */
import type { ShadowStats } from '../gateway/shadow-mirror.js';
import { printTable } from './output-format.js';

export function printShadowTable(shadows: readonly ShadowStats[]): void {
  const ms = (v: number | undefined): string => (v === undefined ? '-' : `${v} ms`);
  process.stdout.write('\n');
  printTable(
    ['shadow of', 'mirror', 'requests', 'mirrored', 'same', 'different', 'failed', 'dropped', 'p50 primary / mirror'],
    shadows.map((s) => [
      s.service,
      `${s.tag} (${s.revision}) ${s.percent}%`,
      String(s.requests),
      String(s.mirrored),
      String(s.same),
      String(s.different),
      String(s.failed),
      String(s.dropped),
      `${ms(s.primaryP50Ms)} / ${ms(s.mirrorP50Ms)}`,
    ]),
  );
}

/**
 * CPU time a process and its children have used so far, from /proc (Linux):
 * what a benchmark divides by requests served to read a stack's cost per
 * request, a figure that drifts less than requests/s on a shared machine.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** [ppid, utime + stime in clock ticks of 1/100 s, command name] of a process, or undefined once it is gone. */
function stat(pid: number): [number, number, string] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the fields after its last ')' do not.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[1]), Number(fields[11]) + Number(fields[12]), text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'))];
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of `pid` itself (not its children); throws once it is gone. */
export function processCpuSeconds(pid: number): number {
  const s = stat(pid);
  if (s === undefined) throw new Error(`process ${pid} is gone`);
  return s[1] / 100;
}

/** The live children of `pid` whose command name is `name` (as /proc shows it). */
export function childPidsNamed(pid: number, name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      const s = stat(Number(entry));
      return s !== undefined && s[0] === pid && s[2] === name;
    })
    .map(Number);
}

/** User + system CPU seconds of `pid` and every live descendant of it. */
export function processTreeCpuSeconds(pid: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s === undefined) continue;
    ticks.set(Number(entry), s[1]);
    children.set(s[0], [...(children.get(s[0]) ?? []), Number(entry)]);
  }
  let total = 0;
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    total += ticks.get(next) ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total / 100;
}

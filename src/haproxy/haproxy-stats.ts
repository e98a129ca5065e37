/**
 * HAProxy's `show stat` CSV as rows, for the autoscaler's concurrency
 * signal (scur, qcur per server) and for draining (a server's scur reaching 0).
 */
import type { HaproxyRuntimeApi } from './haproxy-runtime-api.js';

export interface HaproxyStatRow {
  /** pxname: the frontend or backend. */
  backend: string;
  /** svname: a server's name, or FRONTEND / BACKEND for the proxy's own row. */
  server: string;
  /** Current sessions (connections being served). */
  scur: number;
  /** Requests queued, waiting for a server slot. */
  qcur: number;
  /** Sessions since start. */
  stot: number;
  /** As HAProxy prints it: UP, DOWN, MAINT, DRAIN, `no check` (a server without health check), OPEN (a frontend). */
  status: string;
  weight: number;
  /** Every column by its header name, as text. */
  fields: Readonly<Record<string, string>>;
}

/**
 * Parses `show stat` output: a header line `# pxname,svname,...` then one
 * line per proxy or server. Columns are found by name, as their set grows
 * with HAProxy versions.
 */
export function parseShowStat(csv: string): HaproxyStatRow[] {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines.shift();
  if (header === undefined || !header.startsWith('# ')) return [];
  const names = header.slice(2).split(',');
  const number = (fields: Record<string, string>, name: string): number => {
    const value = Number(fields[name] ?? '');
    return Number.isFinite(value) ? value : 0;
  };
  return lines.map((line) => {
    const cells = line.split(',');
    const fields: Record<string, string> = {};
    names.forEach((name, i) => {
      if (name !== '') fields[name] = cells[i] ?? '';
    });
    return {
      backend: fields['pxname'] ?? '',
      server: fields['svname'] ?? '',
      scur: number(fields, 'scur'),
      qcur: number(fields, 'qcur'),
      stot: number(fields, 'stot'),
      status: fields['status'] ?? '',
      weight: number(fields, 'weight'),
      fields,
    };
  });
}

/** Reads and parses `show stat` from the running worker. */
export async function readStats(api: HaproxyRuntimeApi): Promise<HaproxyStatRow[]> {
  const [csv = ''] = await api.execute(['show stat']);
  return parseShowStat(csv);
}

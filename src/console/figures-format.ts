/** How the console prints rates, latencies and times. */

export function formatRate(perSecond: number | undefined): string {
  return perSecond === undefined ? '–' : `${perSecond.toFixed(perSecond < 10 ? 2 : 0)}/s`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function formatTime(iso: string | undefined): string {
  return iso === undefined ? '–' : new Date(iso).toLocaleString();
}

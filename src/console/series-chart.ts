/** A live line chart of one or more series over time, drawn by uPlot; the data is replaced as new samples arrive. */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartLine {
  label: string;
  values: readonly (number | null)[];
  color: string;
}

export interface SeriesChartProps {
  title: string;
  /** Unix ms of each sample. */
  t: readonly number[];
  lines: readonly ChartLine[];
  unit: string;
}

const WIDTH = 520;
const HEIGHT = 180;
const WINDOW_S = 15 * 60;

export function SeriesChart({ title, t, lines, unit }: SeriesChartProps): VNode {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [t.map((ms) => ms / 1000), ...lines.map((l) => l.values as (number | null)[])];
  const shape = lines.map((l) => l.label).join('|');

  useEffect(() => {
    if (box.current === null) return undefined;
    const opts: uPlot.Options = {
      title,
      width: WIDTH,
      height: HEIGHT,
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, spanGaps: false }))],
      axes: [{}, { label: unit, size: 60 }],
      // Always the last 15 minutes, however few samples there are yet; from 0 up, so a flat line reads as what it is.
      scales: { x: { time: true, range: (_u, _min, max) => [max - WINDOW_S, max] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      legend: { live: true },
    };
    plot.current = new uPlot(opts, data, box.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, title]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return html`<figure class="chart" aria-label=${title}><div ref=${box}></div></figure>`;
}

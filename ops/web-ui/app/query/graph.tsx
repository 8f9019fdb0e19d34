import uPlot, { type AlignedData, type Options } from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { seriesName } from '../components/labels';
import type { MatrixSeries } from './result-types';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The User Timing measure of each graph: uPlot's construction and first draw. */
export const GRAPH_DRAWN = 'tidemark:graph-drawn';

/** The plotted series: a shared time axis (seconds) and each series' values on it (null where it has none). */
export interface GraphData {
  readonly names: string[];
  readonly data: AlignedData;
  /** Series with native histogram samples only, which a line cannot show. */
  readonly histogramOnly: number;
}

/** Aligns query_range series to the steps start, start+step, ..., end. */
export function graphData(series: readonly MatrixSeries[], startMs: number, endMs: number, stepMs: number): GraphData {
  const n = Math.floor((endMs - startMs) / stepMs) + 1;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = (startMs + i * stepMs) / 1000;
  const names: string[] = [];
  const columns: Array<Array<number | null>> = [];
  let histogramOnly = 0;
  for (const s of series) {
    if (s.values === undefined || s.values.length === 0) {
      if (s.histograms !== undefined) histogramOnly++;
      continue;
    }
    const col = new Array<number | null>(n).fill(null);
    for (const [t, v] of s.values) {
      const i = Math.round((t * 1000 - startMs) / stepMs);
      if (i >= 0 && i < n) col[i] = parseValue(v);
    }
    names.push(seriesName(s.metric));
    columns.push(col);
  }
  return { names, data: [xs as unknown as number[], ...columns], histogramOnly };
}

/** Axis ticks with as many digits as they need (uPlot's default rounds small steps together). */
function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e6 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(6)));
}

function parseValue(v: string): number | null {
  const x = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
  // uPlot cannot place infinities; NaN is a gap as in Prometheus' graph.
  return Number.isFinite(x) ? x : null;
}

/** Cumulative sums for a stacked graph (gaps count as 0 below and stay gaps themselves). */
function stack(data: AlignedData): AlignedData {
  const out: Array<ArrayLike<number | null>> = [data[0]];
  const acc = new Array<number>(data[0].length).fill(0);
  for (let s = 1; s < data.length; s++) {
    const col = data[s] as ArrayLike<number | null>;
    const sums = new Array<number | null>(col.length);
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (v === null || v === undefined) sums[i] = null;
      else sums[i] = acc[i] += v;
    }
    out.push(sums);
  }
  return out as AlignedData;
}

/** The plot as the page shows it; the uPlot instance is on the element (`uplot`) for whoever inspects the page. */
export interface GraphElement extends HTMLDivElement {
  uplot?: uPlot;
  graphData?: GraphData;
}

/**
 * A uPlot line graph (stacked areas when `stacked`) with a legend of series whose values follow
 * the cursor; a click on a legend entry hides or shows its series.
 */
export function Graph({ graph, stacked }: { graph: GraphData; stacked: boolean }) {
  const host = useRef<GraphElement>(null);
  useEffect(() => {
    const el = host.current!;
    const raw = graph.data;
    const shown = stacked ? stack(raw) : raw;
    const opts: Options = {
      width: Math.max(el.clientWidth, 300),
      height: 360,
      cursor: { drag: { x: true, y: false }, focus: { prox: 16 } },
      focus: { alpha: 0.3 },
      legend: { live: true },
      scales: { x: { time: true } },
      // UTC, as the end and evaluation time inputs.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      axes: [{}, { size: 70, values: (_u, splits) => splits.map(formatTick) }],
      series: [
        { label: 'Time', value: (_u, v) => (v === null ? '' : new Date(v * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')) },
        ...graph.names.map((name, i) => ({
          label: name,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          fill: stacked ? `${COLORS[i % COLORS.length]}55` : undefined,
          spanGaps: false,
          points: { show: false },
          // The legend shows each series' own value, also when the plot draws the stacked sum.
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => {
            const v = idx === null ? null : (raw[i + 1] as ArrayLike<number | null>)[idx];
            return v === null || v === undefined ? '' : String(v);
          },
        })),
      ],
      bands: stacked ? graph.names.slice(1).map((_, i) => ({ series: [i + 2, i + 1] as [number, number] })) : undefined,
    };
    const t0 = performance.now();
    let drawn = false;
    // A User Timing measure for whoever profiles the page (the web-ui benchmark reads it): from
    // building the plot to the end of its first draw, which uPlot does after the constructor.
    opts.hooks = {
      draw: [
        () => {
          if (drawn) return;
          drawn = true;
          performance.measure(GRAPH_DRAWN, { start: t0, end: performance.now() });
        },
      ],
    };
    const plot = new uPlot(opts, shown, el);
    el.uplot = plot;
    el.graphData = graph;
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 300), height: 360 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      el.uplot = undefined;
    };
  }, [graph, stacked]);
  return <div class="graph" ref={host} data-testid="graph" />;
}

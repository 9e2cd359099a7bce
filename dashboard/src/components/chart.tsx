/**
 * uPlot line/band charts (smooth with 100,000 points). The chart is created once per series layout
 * and fed new data with setData, so live updates do not rebuild it.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartLine {
  label: string;
  color: string;
  /** Drawn as a band between two other lines (indexes into `lines`, 0-based) instead of a line. */
  hidden?: boolean;
  fill?: string;
  width?: number;
  dash?: number[];
}

export interface ChartProps {
  x: number[];
  ys: (number | null)[][];
  lines: ChartLine[];
  /** Pairs [upper, lower] of `lines` indexes to fill between. */
  bands?: { upper: number; lower: number; fill: string }[];
  height?: number;
  yRange?: [number, number];
  yFormat?: (v: number) => string;
  xLabel?: string;
  yLabel?: string;
  testId?: string;
}

export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const layout = props.lines.map((l) => `${l.label}|${l.color}|${l.hidden ? 1 : 0}`).join(',') + JSON.stringify(props.yRange ?? null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const yFormat = props.yFormat ?? ((v: number) => String(v));
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 220,
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: { x: { time: false }, y: props.yRange ? { range: props.yRange } : { auto: true } },
      axes: [
        { label: props.xLabel, stroke: '#5b6573', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#d9dde3' }, values: (_u, vals) => vals.map((v) => compact(v)) },
        { label: props.yLabel, stroke: '#5b6573', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#d9dde3' }, size: 62, values: (_u, vals) => vals.map((v) => yFormat(v)) },
      ],
      series: [
        {},
        ...props.lines.map((l) => ({
          label: l.label,
          stroke: l.hidden ? 'transparent' : l.color,
          width: l.hidden ? 0 : (l.width ?? 2),
          points: { show: false },
          spanGaps: true,
          ...(l.fill ? { fill: l.fill } : {}),
          ...(l.dash ? { dash: l.dash } : {}),
        })),
      ],
      bands: (props.bands ?? []).map((b) => ({ series: [b.upper + 1, b.lower + 1] as [number, number], fill: b.fill })),
    };
    const u = new uPlot(opts, toData(props), el);
    plot.current = u;
    const observer = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 220 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the layout changes; data goes through setData below.
  }, [layout]);

  useEffect(() => {
    plot.current?.setData(toData(props));
  }, [props.x, props.ys]);

  return <div class="chart" ref={host} data-testid={props.testId} data-points={props.x.length} />;
}

function toData(props: ChartProps): uPlot.AlignedData {
  return [props.x, ...props.ys] as uPlot.AlignedData;
}

function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toFixed(2));
}

export function Legend({ items }: { items: { label: string; color: string }[] }) {
  return (
    <div class="legend">
      {items.map((i) => (
        <span class="legend-item">
          <span class="legend-swatch" style={{ background: i.color }} />
          {i.label}
        </span>
      ))}
    </div>
  );
}

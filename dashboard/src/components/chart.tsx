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

/** A vertical line at an x position (a controller decision on the trial axis), with a short label. */
export interface ChartMarker {
  x: number;
  color: string;
  label: string;
}

export interface ChartProps {
  x: number[];
  /** Drawn over the series, updated without rebuilding the chart. */
  markers?: ChartMarker[];
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
  const markers = useRef<ChartMarker[]>(props.markers ?? []);
  markers.current = props.markers ?? [];
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
      hooks: { draw: [(u) => drawMarkers(u, markers.current)] },
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

  const markerKey = (props.markers ?? []).map((m) => `${m.x}:${m.label}`).join(',');
  useEffect(() => {
    plot.current?.redraw(false);
  }, [markerKey]);

  return <div class="chart" ref={host} data-testid={props.testId} data-points={props.x.length} data-markers={(props.markers ?? []).length} />;
}

/** Dashed vertical lines with a label at the top, inside the plot area; markers outside the x range are skipped. */
function drawMarkers(u: uPlot, markers: ChartMarker[]): void {
  if (!markers.length) return;
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const ratio = window.devicePixelRatio || 1;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.font = `${10 * ratio}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  let lastX = -Infinity;
  let row = 0;
  for (const m of [...markers].sort((a, b) => a.x - b.x)) {
    const x = Math.round(u.valToPos(m.x, 'x', true));
    if (!Number.isFinite(x) || x < left || x > left + width) continue;
    ctx.strokeStyle = m.color;
    ctx.lineWidth = 1.5 * ratio;
    ctx.setLineDash([4 * ratio, 3 * ratio]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    // Labels of markers close together go on successive rows, so they stay readable.
    row = x - lastX < 90 * ratio ? (row + 1) % 4 : 0;
    lastX = x;
    ctx.fillStyle = m.color;
    ctx.fillText(m.label, x + 3 * ratio, top + (2 + 12 * row) * ratio);
  }
  ctx.restore();
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

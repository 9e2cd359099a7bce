/**
 * A topic run's trends (GET /api/runs/:id/topic): for the chosen figure, one chart per variant with
 * its value per window of requests and the 95% band shaded around it; and the effectiveness of the
 * policy's weight changes.
 */
import { useMemo, useState } from 'preact/hooks';
import type { TopicStatsResponse } from '../../../src/server/api-types.js';
import type { TrendMetric } from '../../../src/topic/trends.js';
import { Chart } from './chart.js';
import { Section } from './ui.js';

/** The figures, their labels and formats, in the order of the selector. */
const METRICS: { key: TrendMetric; label: string; format: (v: number) => string; range?: [number, number] }[] = [
  { key: 'uniquenessRatio', label: 'uniqueness ratio', format: (v) => `${Math.round(v * 100)}%`, range: [0, 1] },
  { key: 'uniquePerCall', label: 'new items per request', format: (v) => v.toFixed(1) },
  { key: 'uniquePerDollar', label: 'new items per dollar', format: compact },
  { key: 'uniquePerSecond', label: 'new items per second', format: (v) => v.toFixed(1) },
  { key: 'latencyMs', label: 'latency (ms)', format: compact },
  { key: 'successRate', label: 'success rate', format: (v) => `${Math.round(v * 100)}%`, range: [0, 1] },
  { key: 'cost', label: 'cost per request ($)', format: (v) => v.toPrecision(2) },
];

export function TopicTrends({ stats, color }: { stats: TopicStatsResponse; color: (variant: string) => string }) {
  const [metric, setMetric] = useState<TrendMetric>('uniquenessRatio');
  const m = METRICS.find((x) => x.key === metric)!;
  const aside = (
    <label class="small">
      figure{' '}
      <select data-testid="topic-trend-metric" value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value as TrendMetric)}>
        {METRICS.map((x) => <option key={x.key} value={x.key}>{x.label}</option>)}
      </select>
    </label>
  );
  return (
    <Section title={`Trends per variant (windows of ${stats.window} requests, 95% band)`} aside={aside}>
      <div class="topic-trends" data-testid="topic-trends">
        {stats.variants.filter((v) => v.trend.length > 0).map((v) => <TrendChart key={`${v.id}-${metric}`} id={v.id} points={v.trend} metric={m} color={color(v.id)} />)}
      </div>
    </Section>
  );
}

function TrendChart({ id, points, metric, color }: { id: string; points: TopicStatsResponse['variants'][number]['trend']; metric: (typeof METRICS)[number]; color: string }) {
  const data = useMemo(() => {
    const x = points.map((p) => p.request);
    const band = points.map((p) => p[metric.key]);
    return { x, ys: [band.map((b) => b.value), band.map((b) => b.high ?? b.value), band.map((b) => b.low ?? b.value)] };
  }, [points, metric.key]);
  return (
    <div class="topic-trend">
      <div class="small muted">{id}</div>
      <Chart
        testId={`topic-trend-${id}`}
        x={data.x}
        ys={data.ys}
        lines={[{ label: id, color }, { label: `${id} high`, color, hidden: true }, { label: `${id} low`, color, hidden: true }]}
        bands={[{ upper: 1, lower: 2, fill: `${color}33` }]}
        height={170}
        {...(metric.range ? { yRange: metric.range } : {})}
        yFormat={metric.format}
        xLabel="requests"
      />
    </div>
  );
}

/** The share of the policy's weight changes that raised the unique rate, as a sentence. */
export function effectivenessText(e: TopicStatsResponse['effectiveness']): string {
  if (e.changes.length === 0) return 'no weight change yet';
  if (e.judged === 0) return `${e.changes.length} change(s), none judged yet`;
  return `${e.raised} of ${e.judged} raised the unique rate (${Math.round((e.share ?? 0) * 100)}%)`;
}

function compact(v: number): string {
  const a = Math.abs(v);
  return a >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : a >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : String(+v.toFixed(2));
}

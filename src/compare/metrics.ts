/**
 * The metrics `metaorch compare` can test, keyed by name: which trials count, what value each gives,
 * which direction is better and how to print it. Adding a metric is adding an entry here.
 */
import { UsageError } from '../model/errors.js';
import { fmt } from '../report/format.js';
import type { TrialRecord } from '../store/records.js';

export type MetricName = 'score' | 'passRate' | 'latency' | 'cost' | 'errorRate';

/** The unit a metric is measured in: budgets written with another unit are rejected. */
export type MetricUnit = 'fraction' | 'ms' | 'usd';

export interface MetricDef {
  name: MetricName;
  /** Human label, e.g. 'pass rate'. */
  label: string;
  unit: MetricUnit;
  higherIsBetter: boolean;
  /** The trial's value for this metric, or null when the trial does not count (e.g. an errored trial's score). */
  value(trial: TrialRecord): number | null;
  /** A value, with its unit. */
  format(x: number | null): string;
  /** A difference cand − base, signed, with its unit (percentage points for rates). */
  formatDiff(x: number | null): string;
}

const finished = (t: TrialRecord) => t.status !== 'scheduled';
const ok = (t: TrialRecord) => t.status === 'ok';

const signed = (x: number | null, f: (v: number) => string): string => {
  if (x === null || !Number.isFinite(x)) return '–';
  return x > 0 ? `+${f(x)}` : x < 0 ? `-${f(-x)}` : f(0);
};
const pp = (x: number) => `${(x * 100).toFixed(1)}pp`;

/** Every metric, in display order. */
export const METRICS: Record<MetricName, MetricDef> = {
  score: {
    name: 'score', label: 'score', unit: 'fraction', higherIsBetter: true,
    value: (t) => (ok(t) && t.score !== null ? t.score : null),
    format: (x) => fmt.score(x),
    formatDiff: (x) => signed(x, (v) => v.toFixed(3)),
  },
  passRate: {
    name: 'passRate', label: 'pass rate', unit: 'fraction', higherIsBetter: true,
    value: (t) => (ok(t) && t.passed !== null ? (t.passed ? 1 : 0) : null),
    format: (x) => fmt.pct(x),
    formatDiff: (x) => signed(x, pp),
  },
  latency: {
    name: 'latency', label: 'mean latency', unit: 'ms', higherIsBetter: false,
    value: (t) => (ok(t) && t.latencyMs !== null ? t.latencyMs : null),
    format: (x) => fmt.ms(x),
    formatDiff: (x) => signed(x, (v) => fmt.ms(v)),
  },
  cost: {
    name: 'cost', label: 'cost/trial', unit: 'usd', higherIsBetter: false,
    value: (t) => (finished(t) ? t.cost : null),
    format: (x) => fmt.usd(x),
    formatDiff: (x) => signed(x, (v) => fmt.usd(v)),
  },
  errorRate: {
    name: 'errorRate', label: 'error rate', unit: 'fraction', higherIsBetter: false,
    value: (t) => (finished(t) ? (t.status === 'error' ? 1 : 0) : null),
    format: (x) => fmt.pct(x),
    formatDiff: (x) => signed(x, pp),
  },
};

const ALIASES: Record<string, MetricName> = {
  score: 'score', meanscore: 'score',
  passrate: 'passRate', pass: 'passRate', passed: 'passRate',
  latency: 'latency', latencyms: 'latency',
  cost: 'cost', costpertrial: 'cost',
  errorrate: 'errorRate', errors: 'errorRate',
};

/**
 * One metric by name (case and '-' / '_' ignored); an unknown name lists the known ones.
 *
 * @example
 * metricByName('pass-rate').name; // 'passRate'
 */
export function metricByName(name: string): MetricDef {
  const key = ALIASES[name.toLowerCase().replace(/[-_\s]/g, '')];
  if (!key) throw new UsageError(`unknown metric '${name}'; known metrics: ${Object.keys(METRICS).join(', ')}.`);
  return METRICS[key];
}

/**
 * Parses `--metric` values: comma-separated and/or repeated, de-duplicated, in the order given.
 *
 * @example
 * parseMetrics(['score,passRate', 'latency']); // ['score', 'passRate', 'latency']
 */
export function parseMetrics(values: readonly string[]): MetricName[] {
  const names = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--metric needs at least one metric; known metrics: ${Object.keys(METRICS).join(', ')}.`);
  return [...new Set(names.map((n) => metricByName(n).name))];
}

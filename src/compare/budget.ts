/**
 * The performance budget of `metaorch compare` (`--max-regression`): the largest regression per metric
 * that does not fail the comparison. Absolute budgets are in the metric's own unit (score and rates: a
 * fraction, so 0.02 is 2 points; latency: ms; cost: dollars per trial); a percentage is relative to the
 * base's mean of that metric.
 */
import { UsageError } from '../model/errors.js';
import { METRICS, metricByName } from './metrics.js';
import type { MetricDef, MetricName, MetricUnit } from './metrics.js';

/** A budget as written: `value` in metric units, or a fraction of the base mean when `relative`. */
export interface Budget {
  value: number;
  relative: boolean;
}

const NONE: Budget = { value: 0, relative: false };

interface ParsedValue {
  budget: Budget;
  /** The unit the value was written in, when it names one ('50ms', '$0.01', '2pp'). */
  unit?: MetricUnit;
}

const NUMBER = String.raw`(\d+(?:\.\d*)?|\.\d+)`;

/** Parses one budget value: `0.02`, `5%`, `2pp`, `50ms`, `1.5s`, `$0.001`. */
function parseValue(text: string, where: string): ParsedValue {
  const s = text.trim();
  const forms: [RegExp, (n: number) => ParsedValue][] = [
    [new RegExp(`^${NUMBER}%$`), (n) => ({ budget: { value: n / 100, relative: true } })],
    [new RegExp(`^${NUMBER}pp$`), (n) => ({ budget: { value: n / 100, relative: false }, unit: 'fraction' })],
    [new RegExp(`^${NUMBER}ms$`), (n) => ({ budget: { value: n, relative: false }, unit: 'ms' })],
    [new RegExp(`^${NUMBER}s$`), (n) => ({ budget: { value: n * 1000, relative: false }, unit: 'ms' })],
    [new RegExp(`^\\$${NUMBER}$`), (n) => ({ budget: { value: n, relative: false }, unit: 'usd' })],
    [new RegExp(`^${NUMBER}$`), (n) => ({ budget: { value: n, relative: false } })],
  ];
  for (const [re, make] of forms) {
    const m = re.exec(s);
    if (m?.[1] !== undefined) return make(Number(m[1]));
  }
  throw new UsageError(
    `--max-regression ${where}: expected a non-negative number in the metric's unit (0.02), a percentage of the base (5%), ` +
      `percentage points (2pp), a latency (50ms, 1.5s) or a cost ($0.001), got '${text}'.`,
  );
}

function fits(metric: MetricDef, parsed: ParsedValue): boolean {
  return parsed.unit === undefined || parsed.unit === metric.unit;
}

function check(metric: MetricDef, parsed: ParsedValue, text: string): Budget {
  if (!fits(metric, parsed)) {
    const hint = metric.unit === 'ms' ? 'ms, e.g. 50ms' : metric.unit === 'usd' ? 'dollars, e.g. $0.001' : 'a fraction, e.g. 0.02 or 2pp';
    throw new UsageError(`--max-regression ${metric.name}=${text}: ${metric.label} is measured in ${hint} (or a percentage of the base, e.g. 5%).`);
  }
  if (metric.unit === 'fraction' && !parsed.budget.relative && parsed.budget.value > 1) {
    throw new UsageError(
      `--max-regression ${metric.name}=${text}: ${metric.label} lies in [0, 1], so a budget of ${parsed.budget.value} never fails; ` +
        `write 0.02 (2 points) or 5% (relative), and give latency budgets as latency=${text}ms.`,
    );
  }
  return parsed.budget;
}

/**
 * Parses `--max-regression` values (comma-separated and/or repeated) into a budget per compared metric.
 * `metric=value` sets one compared metric (naming one that is not compared is an error); a bare value
 * applies to every compared metric its unit fits (a bare `50ms` to latency only, a bare `0.02` or `5%`
 * to all). `metric=` entries win over bare ones. Metrics without a budget get 0: any significant
 * regression fails.
 *
 * @example
 * parseBudgets(['score=0.02,latency=10%', '$0.001'], ['score', 'latency', 'cost']);
 * // { score: { value: 0.02, relative: false }, latency: { value: 0.1, relative: true }, cost: { value: 0.001, relative: false } }
 */
export function parseBudgets(values: readonly string[], metrics: readonly MetricName[]): Partial<Record<MetricName, Budget>> {
  const bare: Partial<Record<MetricName, Budget>> = {};
  const named: Partial<Record<MetricName, Budget>> = {};
  const tokens = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq >= 0) {
      const metric = metricByName(token.slice(0, eq).trim());
      const text = token.slice(eq + 1).trim();
      if (!metrics.includes(metric.name)) {
        throw new UsageError(`--max-regression ${token}: ${metric.name} is not compared; add it to --metric (compared: ${metrics.join(', ')}).`);
      }
      named[metric.name] = check(metric, parseValue(text, token), text);
      continue;
    }
    const parsed = parseValue(token, token);
    const targets = metrics.map((m) => METRICS[m]).filter((m) => fits(m, parsed));
    if (targets.length === 0) {
      throw new UsageError(`--max-regression ${token}: no compared metric is measured in that unit (compared: ${metrics.join(', ')}).`);
    }
    for (const m of targets) bare[m.name] = check(m, parsed, token);
  }
  return Object.fromEntries(metrics.map((m) => [m, named[m] ?? bare[m] ?? NONE]));
}

/**
 * The budget in metric units for one comparison: relative budgets scale the base's mean (in magnitude).
 *
 * @example
 * resolveBudget({ value: 0.1, relative: true }, 250); // 25 (ms, for latency)
 */
export function resolveBudget(budget: Budget, baseMean: number): number {
  if (!budget.relative) return budget.value;
  return Number.isFinite(baseMean) ? budget.value * Math.abs(baseMean) : 0;
}

/**
 * A budget as written back for people: '0.02', '5%', '50ms', '$0.001'.
 *
 * @example
 * describeBudget({ value: 0.05, relative: true }, METRICS.score); // '5%'
 */
export function describeBudget(budget: Budget, metric: MetricDef): string {
  if (budget.relative) return `${+(budget.value * 100).toPrecision(6)}%`;
  if (metric.unit === 'ms') return `${+budget.value.toPrecision(6)}ms`;
  if (metric.unit === 'usd') return `$${+budget.value.toPrecision(6)}`;
  return `${+budget.value.toPrecision(6)}`;
}

/**
 * `GET /metrics`: the controller's metric windows in the Prometheus text exposition format (0.0.4),
 * from the snapshot each live run's controller saves every second. Runs that are not running drop
 * out, as a scrape target's series should; `?run=ID` asks for one run whatever its status.
 */
import type { ControllerMetrics } from '../controller/metrics.js';
import type { RunQueries } from '../store/run-queries.js';
import { displayStatus } from './queries.js';

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels: Labels; value: number | null }[];
}

/** Escapes a label value: backslash, double quote and line feed, as the format requires. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    const samples = f.samples.filter((s) => s.value !== null && Number.isFinite(s.value));
    if (samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      out.push(`${f.name}{${labels}} ${s.value}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The text of `GET /metrics`.
 *
 * @example
 * prometheusText(queries); // "# HELP metaorch_run_trials ...\n..."
 */
export function prometheusText(queries: RunQueries, onlyRun?: string): string {
  const families = new Map<string, Family>();
  const add = (name: string, type: Family['type'], help: string, labels: Labels, value: number | null) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help, type, samples: [] }));
    f.samples.push({ labels, value });
  };
  for (const { runId, time, snapshot } of queries.controllerMetrics()) {
    if (onlyRun !== undefined && runId !== onlyRun) continue;
    const run = queries.getRun(runId);
    if (!run || (onlyRun === undefined && displayStatus(run) !== 'running')) continue;
    const m = snapshot as ControllerMetrics;
    const r = { run: runId, name: run.name };
    add('metaorch_run_trials', 'counter', 'Finished trials of the run.', r, m.finished);
    add('metaorch_run_errors', 'counter', 'Finished trials that errored.', r, m.errors);
    add('metaorch_run_throughput', 'gauge', 'Finished trials per second over the last 256 trials.', r, m.throughput);
    add('metaorch_run_reward', 'gauge', 'Mean reward, exponentially weighted (half-life 200 trials).', r, m.meanReward);
    add('metaorch_run_reward_trend', 'gauge', 'Short-window minus long-window mean reward (negative: getting worse).', r, m.rewardTrend);
    add('metaorch_run_paused', 'gauge', '1 when the controller paused the run.', r, m.paused ? 1 : 0);
    add('metaorch_controller_snapshot_timestamp_seconds', 'gauge', 'When the controller saved this snapshot.', r, time / 1000);
    for (const [kind, n] of Object.entries(m.decisions)) add('metaorch_controller_decisions', 'counter', 'Controller decisions by kind.', { ...r, kind }, n);
    for (const [status, n] of Object.entries(m.validations)) add('metaorch_controller_validations', 'gauge', 'Changes by validation status.', { ...r, status }, n);
    for (const v of m.variants) {
      const l = { ...r, variant: v.id };
      add('metaorch_variant_trials', 'counter', 'Finished trials of the variant.', l, v.trials);
      for (const [kind, n] of Object.entries(v.errorsByKind)) add('metaorch_variant_errors', 'counter', 'Errored trials of the variant by error kind.', { ...l, kind }, n);
      add('metaorch_variant_error_rate', 'gauge', 'Share of trials that errored (window: half-life 200 trials).', l, v.errorRate);
      add('metaorch_variant_score', 'gauge', 'Mean score of trials that did not error (window).', l, v.meanScore);
      add('metaorch_variant_reward', 'gauge', 'Mean reward (window).', l, v.meanReward);
      add('metaorch_variant_reward_trend', 'gauge', 'Short-window minus long-window mean reward.', l, v.rewardTrend);
      add('metaorch_variant_latency_p50_ms', 'gauge', 'Median latency of successful trials, ms (window).', l, v.latencyP50Ms);
      add('metaorch_variant_latency_p95_ms', 'gauge', '95th percentile latency of successful trials, ms (window).', l, v.latencyP95Ms);
      add('metaorch_variant_cost_per_trial', 'gauge', 'Mean cost per trial, dollars (window).', l, v.costPerTrial);
      add('metaorch_variant_retries_per_trial', 'gauge', 'Mean retries per trial: rework (window).', l, v.retriesPerTrial);
      add('metaorch_variant_weight', 'gauge', "The controller's weight on the policy's choice of the variant (1: untouched).", l, v.weight);
      add('metaorch_variant_min_share', 'gauge', 'Minimum share of trials the controller guarantees the variant (probes included).', l, v.floor);
      for (const state of ['closed', 'open', 'half-open']) {
        add('metaorch_variant_breaker', 'gauge', 'Circuit breaker state: 1 for the current one (open: quarantined, half-open: probing).', { ...l, state }, v.breaker === state ? 1 : 0);
      }
      for (const d of v.detectors) {
        const dl = { ...l, detector: d.name, metric: d.metric };
        add('metaorch_detector_pressure', 'gauge', "Detector statistic over its threshold (1 fires); when alarmed, the recovery statistic's.", dl, d.pressure);
        add('metaorch_detector_baseline', 'gauge', 'The baseline the detector compares with.', dl, d.baseline);
        add('metaorch_detector_current', 'gauge', 'The recent level of what the detector watches.', dl, d.current);
      }
    }
  }
  return render([...families.values()]);
}

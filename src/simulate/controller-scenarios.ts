import type { ControllerConfig } from '../controller/config.js';
import type { PolicyConfig } from '../policies/registry.js';
import { firstAction, simulateControlled, type ControlledResult, type ControllerScenario } from './controlled.js';

/** One side of a scenario (with or without the controller) over its repetitions. */
export interface ScenarioRow {
  controller: boolean;
  reps: number;
  meanReward: number;
  rewardSE: number;
  /** Cumulative pseudo-regret: best expected reward now minus the chosen variant's, summed over trials. */
  regret: number;
  regretSE: number;
  decisionsPerRun: number;
  /** Runs in which the controller took any action of its own. */
  runsWithAction: number;
  byKind: Record<string, number>;
  /** Trials of the changed variant between the incident and the first action on it. */
  detection: { detected: number; median: number | null; p95: number | null; max: number | null } | null;
  validation: { beneficial: number; neutral: number; harmful: number; pending: number };
}

export interface ScenarioReport {
  scenario: string;
  description: string;
  trials: number;
  reps: number;
  seed: number;
  policy: string;
  rows: ScenarioRow[];
}

function meanSe(xs: readonly number[]): [number, number] {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return [mean, n > 1 ? sd / Math.sqrt(n) : 0];
}

/** The q-quantile (nearest rank) of sorted numbers, or null when empty. */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Trials of the changed variant from the incident to the controller's first action on it, per run
 * (Infinity when it never acted).
 *
 * @example
 * detectionDelays(results, scenario);
 */
export function detectionDelays(results: readonly ControlledResult[], scenario: ControllerScenario): number[] {
  const incident = scenario.incident;
  if (!incident) return [];
  const index = scenario.variants.findIndex((v) => v.id === incident.variant);
  return results.map((r) => firstAction(r, { index, id: incident.variant }, incident.trial)?.variantTrials ?? Infinity);
}

function row(results: ControlledResult[], scenario: ControllerScenario, controlled: boolean): ScenarioRow {
  const [meanReward, rewardSE] = meanSe(results.map((r) => r.meanReward));
  const [regret, regretSE] = meanSe(results.map((r) => r.regret));
  const byKind: Record<string, number> = {};
  const validation = { beneficial: 0, neutral: 0, harmful: 0, pending: 0 };
  let decisions = 0;
  let withAction = 0;
  for (const r of results) {
    const own = r.decisions.filter((d) => d.source === 'controller');
    decisions += r.decisions.length;
    if (own.length) withAction++;
    for (const d of r.decisions) {
      byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
      const s = d.validation.status;
      if (s === 'beneficial' || s === 'neutral' || s === 'harmful' || s === 'pending') validation[s]++;
    }
  }
  let detection: ScenarioRow['detection'] = null;
  if (controlled && scenario.incident) {
    const delays = detectionDelays(results, scenario).sort((a, b) => a - b);
    const found = delays.filter(Number.isFinite);
    detection = {
      detected: found.length, median: nearestRank(delays, 0.5), p95: nearestRank(delays, 0.95), max: found.length === delays.length ? (found.at(-1) ?? null) : null,
    };
    for (const k of ['median', 'p95'] as const) if (detection[k] !== null && !Number.isFinite(detection[k])) detection[k] = null;
  }
  return {
    controller: controlled, reps: results.length, meanReward, rewardSE, regret, regretSE, decisionsPerRun: decisions / results.length,
    runsWithAction: withAction, byKind, detection, validation,
  };
}

/**
 * Runs a scenario `reps` times with and/or without the controller (same seeds: the runs differ only by
 * the controller), and summarises rewards, regret, decisions and detection delays.
 *
 * @example
 * runScenario(SCENARIOS['failure-spike']!(), { name: 'thompson', discount: 0.999 }, defaultControllerConfig(), { reps: 20, seed: 1, sides: ['on', 'off'] });
 */
export function runScenario(
  scenario: ControllerScenario,
  policy: PolicyConfig,
  controller: ControllerConfig,
  o: { reps: number; seed: number; sides: readonly ('on' | 'off')[]; onProgress?: (side: string, rep: number) => void; keep?: (r: ControlledResult) => void },
): ScenarioReport {
  const rows: ScenarioRow[] = [];
  for (const side of o.sides) {
    const results: ControlledResult[] = [];
    for (let rep = 0; rep < o.reps; rep++) {
      const r = simulateControlled({ scenario, policy, controller: side === 'on' ? controller : null, seed: o.seed + rep });
      o.keep?.(r);
      results.push(r);
      o.onProgress?.(side, rep);
    }
    rows.push(row(results, scenario, side === 'on'));
  }
  const label = Object.entries(policy).map(([k, v]) => (k === 'name' ? String(v) : `${k}=${String(v)}`)).join(':');
  return { scenario: scenario.name, description: scenario.description, trials: scenario.trials, reps: o.reps, seed: o.seed, policy: label, rows };
}

/**
 * A text table of a scenario report.
 *
 * @example
 * console.log(formatScenario(report));
 */
export function formatScenario(r: ScenarioReport): string {
  const head = ['controller', 'mean reward', 'regret', 'decisions/run', 'runs acting', 'detection: its trials (median / p95)', 'validated (+ / = / -)'];
  const body = r.rows.map((x) => [
    x.controller ? 'on' : 'off',
    `${x.meanReward.toFixed(4)} ± ${x.rewardSE.toFixed(4)}`,
    `${x.regret.toFixed(1)} ± ${x.regretSE.toFixed(1)}`,
    x.decisionsPerRun.toFixed(1),
    `${x.runsWithAction}/${x.reps}`,
    x.detection ? `${x.detection.median ?? 'never'} / ${x.detection.p95 ?? 'never'} (${x.detection.detected}/${x.reps} acted)` : '–',
    x.controller ? `${x.validation.beneficial} / ${x.validation.neutral} / ${x.validation.harmful}` : '–',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `Scenario ${r.scenario}: ${r.description}. ${r.trials.toLocaleString('en-US')} trials, ${r.reps} repetitions (mean ± SE), policy ${r.policy}, seed ${r.seed}`,
    line(head), ...body.map(line), '',
  ].join('\n');
}

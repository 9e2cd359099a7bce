/**
 * The controller's floors (issue 9), seeded, as one table, plus regret with and without the controller
 * against Thompson sampling with discounting on the drift scenarios.
 *
 *   npx tsx bench/controller.bench.ts            # about 5-10 minutes on 2 cores
 *   npx tsx bench/controller.bench.ts --quick    # fewer repetitions (the same run lengths)
 *   npx tsx bench/controller.bench.ts --only overhead,false-alarms   # some parts: detection, harmful,
 *                                                # recovery, thrashing, false-alarms, overhead, regret
 *
 * Everything but the overhead row runs at simulation speed through the same pieces the engine uses
 * (the policy, `steer`, the controller core fed trial events). The overhead row runs the core
 * benchmark's instant grid through the real engine and SQLite store, with and without `controller: {}`,
 * interleaved, and compares CPU time. Writes bench/results/controller.json. Exits 1 when a floor is missed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadExperiment } from '../src/config/load.js';
import { defaultControllerConfig } from '../src/controller/config.js';
import { transition, type ControllerEvent } from '../src/controller/core.js';
import type { Decision } from '../src/controller/decision.js';
import { createController } from '../src/controller/state.js';
import { startRun } from '../src/engine/run.js';
import { clopperPearsonInterval } from '../src/stats/intervals.js';
import { simulateControlled, type ControlledResult, type ControllerScenario } from '../src/simulate/controlled.js';
import { detectionDelays, nearestRank, runScenario } from '../src/simulate/controller-scenarios.js';
import { SCENARIOS } from '../src/simulate/scenarios.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { writeGrid } from './core-setup.js';

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : null;
const wanted = (part: string) => only === null || only.has(part);
const REPO = resolve(import.meta.dirname, '..');
const POLICY = { name: 'thompson', discount: 0.999 };
const config = defaultControllerConfig();
const SEED = 1000;

interface Row {
  floor: string;
  measured: string;
  how: string;
  pass: boolean | null;
}
const rows: Row[] = [];
const log = (text: string) => process.stderr.write(`${text}\n`);

function runs(scenario: ControllerScenario, reps: number, controller = true): ControlledResult[] {
  const out: ControlledResult[] = [];
  for (let rep = 0; rep < reps; rep++) out.push(simulateControlled({ scenario, policy: POLICY, controller: controller ? config : null, seed: SEED + rep }));
  return out;
}

function delays(scenario: ControllerScenario, reps: number): number[] {
  return detectionDelays(runs(scenario, reps), scenario).sort((a, b) => a - b);
}

const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? 'never' : x.toLocaleString('en-US'));

function detectionRows(): void {
  const reps = quick ? 60 : 200;
  log(`detection: ${reps} repetitions per scenario`);
  const spike = delays(SCENARIOS['failure-spike']!(), reps);
  const med = nearestRank(spike, 0.5)!;
  const p95 = nearestRank(spike, 0.95)!;
  rows.push({
    floor: 'failure 5% -> 15% acted on: median <= 300, p95 <= 600 of its trials', measured: `median ${fmt(med)}, p95 ${fmt(p95)} (max ${fmt(spike.at(-1)!)})`,
    how: `failure-spike, ${reps} runs`, pass: med <= 300 && p95 <= 600,
  });
  const outage = delays(SCENARIOS['outage']!(), reps);
  // The outage must end in a quarantine, not only some action: check the kind too.
  const sc = SCENARIOS['outage']!();
  const quarantined = runs(sc, reps).map((r) => {
    const q = r.decisions.find((d) => d.kind === 'quarantine' && d.target === 'c' && d.atTrial >= 4000);
    if (!q) return Infinity;
    let n = 0;
    for (let t = 4000; t < q.atTrial; t++) if (r.arms[t] === 2) n++;
    return n;
  }).sort((a, b) => a - b);
  // Read as "in 95% of runs": no test that keeps the false-alarm floor can promise it in every run
  // (an unlucky stretch of successes delays the evidence); the maximum is reported beside it.
  rows.push({
    floor: 'failure 2% -> 60% quarantined within 20 of its trials (p95)', measured: `p95 ${fmt(nearestRank(quarantined, 0.95))}, median ${fmt(nearestRank(quarantined, 0.5))}, max ${fmt(quarantined.at(-1)!)}; ${quarantined.filter((x) => x <= 20).length}/${reps} runs within 20`,
    how: `outage, ${reps} runs (first action of any kind: median ${fmt(nearestRank(outage, 0.5))})`, pass: nearestRank(quarantined, 0.95)! <= 20,
  });
  const lat = delays(SCENARIOS['latency-regression']!(), reps);
  rows.push({
    floor: '+50% p95 latency regression detected within 500 of its trials', measured: `max ${fmt(lat.at(-1)!)}, median ${fmt(nearestRank(lat, 0.5))}, p95 ${fmt(nearestRank(lat, 0.95))}`,
    how: `latency-regression (median and p95 x 1.5), ${reps} runs; every run must make it`, pass: lat.every((x) => x <= 500),
  });
  const tail = SCENARIOS['latency-regression']!();
  tail.name = 'latency-tail';
  tail.description = 'only the p95 of c gets 50% slower (median unchanged)';
  tail.variants[2]!.schedule = [{ trial: 6000, latencyMs: { median: 400, p95: 1800 } }];
  const tailDelays = delays(tail, reps);
  rows.push({
    floor: '(information) p95-only +50% regression, median unchanged', measured: `median ${fmt(nearestRank(tailDelays, 0.5))}, p95 ${fmt(nearestRank(tailDelays, 0.95))}, ${tailDelays.filter(Number.isFinite).length}/${reps} detected`,
    how: `latency median 400 ms, p95 1,200 -> 1,800 ms, ${reps} runs`, pass: null,
  });
}

function falseAlarmRows(): void {
  const reps = quick ? 60 : 300;
  for (const name of ['stationary', 'stationary-equal']) {
    log(`false alarms: ${name}, ${reps} runs of 100,000 trials`);
    const scenario = SCENARIOS[name]!(100_000);
    let acting = 0;
    let decisions = 0;
    for (let rep = 0; rep < reps; rep++) {
      const r = simulateControlled({ scenario, policy: POLICY, controller: config, seed: SEED + rep });
      if (r.decisions.some((d) => d.source === 'controller')) acting++;
      decisions += r.decisions.length;
      if ((rep + 1) % 50 === 0) log(`  ${rep + 1}/${reps}`);
    }
    const ci = clopperPearsonInterval(acting, reps, 0.95);
    rows.push({
      floor: 'false alarms: <= 1% of stationary 100,000-trial runs lead to any action', measured: `${acting}/${reps} runs (${((acting / reps) * 100).toFixed(2)}%, 95% upper bound ${(ci.high * 100).toFixed(2)}%), ${decisions} decisions`,
      how: `${name}: ${scenario.description}, checked at every trial`, pass: acting / reps <= 0.01,
    });
  }
}

/** Reversals of a variant's reweight direction, per 10 of its reweights, and the largest weight step in a tick. */
function thrashRows(): void {
  const reps = quick ? 20 : 60;
  let worst = 0;
  let worstAt = '';
  let step = 0;
  let reweights = 0;
  for (const name of ['stationary', 'failure-spike', 'latency-regression', 'recovery', 'slow-drift', 'swap']) {
    const scenario = SCENARIOS[name]!(name.startsWith('stationary') ? 100_000 : undefined);
    const n = name.startsWith('stationary') ? Math.min(reps, 20) : reps;
    for (const r of runs(scenario, n)) {
      step = Math.max(step, r.maxStep);
      const byVariant = new Map<string, Decision[]>();
      for (const d of r.decisions) if (d.kind === 'reweight' && d.change?.before.weight !== undefined) byVariant.set(d.target, [...(byVariant.get(d.target) ?? []), d]);
      for (const [variant, list] of byVariant) {
        reweights += list.length;
        const dirs = list.map((d) => Math.sign((d.change!.after.weight ?? 0) - (d.change!.before.weight ?? 0))).filter((x) => x !== 0);
        let reversals = 0;
        for (let i = 1; i < dirs.length; i++) if (dirs[i] !== dirs[i - 1]) reversals++;
        // Per 10 decisions of the variant, over windows of 10 of them.
        for (let i = 0; i < Math.max(1, dirs.length - 9); i++) {
          const w = dirs.slice(i, i + 10);
          let rv = 0;
          for (let j = 1; j < w.length; j++) if (w[j] !== w[j - 1]) rv++;
          if (rv > worst) {
            worst = rv;
            worstAt = `${name} seed ${r.seed} ${variant}`;
          }
        }
        void reversals;
      }
    }
  }
  rows.push({
    floor: 'no thrashing: <= 1 reversal of direction per variant per 10 decisions', measured: `worst ${worst} in any 10 consecutive reweights of a variant${worstAt ? ` (${worstAt})` : ''}; ${reweights} reweights seen`,
    how: 'stationary, failure-spike, latency-regression, recovery, slow-drift, swap', pass: worst <= 1,
  });
  rows.push({
    floor: 'weight steps of at most 10 percentage points per tick', measured: `largest change of a weight or minimum share between ticks: ${(step * 100).toFixed(1)} points`,
    how: 'same runs (maxStep 0.1 by default)', pass: step <= 0.1 + 1e-9,
  });
}

function harmfulRow(): void {
  const reps = quick ? 20 : 50;
  const scenario: ControllerScenario = {
    name: 'harmful-change', description: 'a forced reweight of the best variant to 0.05', trials: 12_000,
    variants: [
      { id: 'a', accuracy: 0.3, failureRate: 0.02, latencyMs: { median: 400, p95: 1200 }, cost: 0.001 },
      { id: 'b', accuracy: 0.5, failureRate: 0.02, latencyMs: { median: 400, p95: 1200 }, cost: 0.001 },
      { id: 'c', accuracy: 0.9, failureRate: 0.02, latencyMs: { median: 400, p95: 1200 }, cost: 0.001 },
    ],
  };
  let sameTick = 0;
  let rolled = 0;
  const trialsToRollback: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const r = simulateControlled({ scenario, policy: POLICY, controller: config, seed: SEED + rep, force: [{ trial: 5000, variant: 'c', weight: 0.05 }] });
    const forced = r.decisions.find((d) => d.source === 'forced')!;
    const rollback = r.decisions.find((d) => d.kind === 'rollback' && d.undoes === forced.id);
    if (!rollback) continue;
    rolled++;
    trialsToRollback.push(rollback.atTrial - forced.atTrial);
    // The verdict is recorded on the forced decision at the trial it was reached; the rollback must be taken then.
    if (forced.validation.status === 'harmful' && forced.validation.atTrial === rollback.atTrial) sameTick++;
  }
  trialsToRollback.sort((a, b) => a - b);
  rows.push({
    floor: 'a harmful change is rolled back within one tick of its verdict', measured: `${sameTick}/${reps} in the tick of the verdict (${rolled}/${reps} found harmful; median ${fmt(nearestRank(trialsToRollback, 0.5))} trials from change to rollback)`,
    how: 'forced reweight of the best variant (0.90 vs 0.50 / 0.30) to 0.05 at trial 5,000', pass: sameTick === reps,
  });
}

function recoveryRow(): void {
  const reps = quick ? 20 : 60;
  const scenario = SCENARIOS['recovery']!();
  const diffs: number[] = [];
  let restored = 0;
  for (const r of runs(scenario, reps)) {
    const q = r.decisions.find((d) => d.kind === 'quarantine');
    if (r.decisions.some((d) => d.kind === 'restore' && d.target === q?.target && d.undoneBy === null)) restored++;
    const blocks = r.rewardBlocks;
    const pre = mean(blocks.slice(3000 / r.every, 6000 / r.every));
    const post = mean(blocks.slice(blocks.length - 6000 / r.every));
    diffs.push(pre - post);
  }
  const avg = mean(diffs);
  rows.push({
    floor: 'a recovered variant is restored through probes; reward returns within 2 points of before', measured: `${restored}/${reps} restored; reward before (trials 3-6k) minus after (last 6k): mean ${(avg * 100).toFixed(2)} points, worst ${(Math.max(...diffs) * 100).toFixed(2)}`,
    how: `recovery (c fails 2% -> 60% from 6,000 to 9,000), ${reps} runs`, pass: restored === reps && avg <= 0.02,
  });
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

async function overheadRow(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-controller-bench-'));
  const cpuRatios: number[] = [];
  const wallRatios: number[] = [];
  const rates: Record<'off' | 'on', number[]> = { off: [], on: [] };
  let direct = NaN;
  let perTrialOff = NaN;
  try {
    const reps = quick ? 3 : 7;
    const inner = 3;
    log(`overhead: instant grid 3 x 5,000, concurrency 50, ${reps} pairs of ${inner} runs per side`);
    const offCpu: number[] = [];
    let n = 0;
    for (let i = 0; i < reps; i++) {
      // Within a pair, the best of three runs per side: interference from other processes only ever
      // adds time, so the minimum is the cleanest estimate; pairs run back to back so a change of
      // machine load between pairs cancels out.
      const best: Record<'off' | 'on', { cpu: number; wall: number }> = { off: { cpu: Infinity, wall: Infinity }, on: { cpu: Infinity, wall: Infinity } };
      for (let k = 0; k < inner; k++) {
        for (const side of (i + k) % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          const file = writeGrid(join(dir, `${side}-${n++}`), { name: 'instant', variants: 3, tasks: 5000, repeats: 1, latencyMs: 0, concurrency: 50, controller: side === 'on' });
          const experiment = await loadExperiment(file);
          const store = SqliteStore.open(join(dirname(file), 'bench.db'));
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          const result = await startRun(experiment, { store, stop: new AbortController().signal, cancel: new AbortController().signal });
          const wall = performance.now() - t0;
          const c = process.cpuUsage(c0);
          best[side] = { cpu: Math.min(best[side].cpu, (c.user + c.system) / 1000), wall: Math.min(best[side].wall, wall) };
          if (side === 'on' && i === reps - 1 && k === inner - 1) direct = replayCost(store, result.runId);
          store.close();
        }
      }
      rates.off.push(15_000 / (best.off.wall / 1000));
      rates.on.push(15_000 / (best.on.wall / 1000));
      offCpu.push(best.off.cpu);
      cpuRatios.push(best.on.cpu / best.off.cpu - 1);
      wallRatios.push(best.on.wall / best.off.wall - 1);
    }
    perTrialOff = (median(offCpu) * 1000) / 15_000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cpu = median(cpuRatios);
  const wall = median(wallRatios);
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  // The instant grid is CPU-bound on one thread: its throughput on an idle machine is trials per CPU
  // second (see core.bench.ts), so the floor is judged on CPU time, which machine load disturbs far
  // less than wall time. Wall time is shown beside it.
  rows.push({
    floor: 'controller overhead: <= 5% of throughput on the instant grid',
    measured: `CPU per trial ${pct(cpu)} = throughput ${pct(-cpu / (1 + cpu))} (median of ${cpuRatios.length} paired runs); wall ${pct(wall)} (${Math.round(median(rates.on)).toLocaleString('en-US')} vs ${Math.round(median(rates.off)).toLocaleString('en-US')} trials/s); the controller core alone: ${direct.toFixed(2)} us per trial = ${((direct / perTrialOff) * 100).toFixed(1)}% of the engine's ${perTrialOff.toFixed(1)} us`,
    how: 'startRun, 3 x 5,000 instant mock, conc 50, SQLite; with vs without controller: {}, interleaved pairs; core alone: the run\'s 15,000 trial events replayed',
    pass: cpu <= 0.05 / 0.95 + 1e-9,
  });
}

/** CPU microseconds per trial of the controller core on the events of a recorded run (best of 5 passes). */
function replayCost(store: SqliteStore, runId: string): number {
  const experiment = store.loadExperiment(runId);
  const arms = new Map(experiment.variants.map((v, i) => [v.id, i]));
  const events: ControllerEvent[] = [...store.controller.history(runId)].map((t) => ({
    type: 'trial', seq: t.seq, arm: arms.get(t.variantId) ?? 0, time: t.finishedAt, status: t.status, errorKind: t.errorKind, score: t.score,
    reward: t.reward ?? 0, latencyMs: t.latencyMs, cost: t.cost, attempts: t.attempts,
  }));
  let best = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    const state = createController({ config, variants: experiment.variants.map((v) => ({ id: v.id, retries: 0 })), seed: 1, steerable: false });
    const c0 = process.cpuUsage();
    for (const e of events) transition(state, e);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / events.length);
  }
  return best;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function regretTable(): string {
  const reps = quick ? 20 : 50;
  const lines = ['| scenario | trials | regret, Thompson (discount 0.999) | regret, + controller | change | mean reward without / with | decisions per run |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const name of ['slow-drift', 'swap', 'failure-spike', 'outage', 'recovery', 'stationary']) {
    log(`regret: ${name}, ${reps} runs per side`);
    const scenario = SCENARIOS[name]!(name === 'stationary' ? 40_000 : undefined);
    const report = runScenario(scenario, POLICY, config, { reps, seed: SEED, sides: ['off', 'on'] });
    const [off, on] = report.rows as [typeof report.rows[0], typeof report.rows[0]];
    const change = (on.regret - off.regret) / off.regret;
    lines.push(`| ${name}: ${scenario.description} | ${scenario.trials.toLocaleString('en-US')} | ${off.regret.toFixed(1)} ± ${off.regretSE.toFixed(1)} | ${on.regret.toFixed(1)} ± ${on.regretSE.toFixed(1)} | ${change >= 0 ? '+' : ''}${(change * 100).toFixed(0)}% | ${off.meanReward.toFixed(4)} / ${on.meanReward.toFixed(4)} | ${on.decisionsPerRun.toFixed(1)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  const started = performance.now();
  if (wanted('detection')) detectionRows();
  if (wanted('harmful')) harmfulRow();
  if (wanted('recovery')) recoveryRow();
  if (wanted('thrashing')) thrashRows();
  if (wanted('false-alarms')) falseAlarmRows();
  if (wanted('overhead')) await overheadRow();
  const regret = wanted('regret') ? regretTable() : '(not run)';
  const head = ['floor', 'measured', 'how', 'result'];
  const body = rows.map((r) => [r.floor, r.measured, r.how, r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL']);
  const table = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.join(' | ')} |`)].join('\n');
  console.log(`meta-orchestrator controller benchmark${quick ? ' (--quick)' : ''}: node ${process.version}, ${cpus().length} CPUs, load ${load}, seeds ${SEED}.., ${Math.round((performance.now() - started) / 1000)} s\n`);
  console.log(table);
  console.log('\nRegret (mean ± SE over seeded runs; the same seeds with and without the controller):\n');
  console.log(regret);
  const out = join(REPO, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'controller.json'), `${JSON.stringify({ quick, node: process.version, at: new Date().toISOString(), rows, regret }, null, 2)}\n`);
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

await main();

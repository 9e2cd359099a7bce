/**
 * Policy benchmark: regret in Chapelle and Li's (2011) Bernoulli settings, the speed of Thompson
 * sampling, and best-arm identification with confidence (trials to stop, wrong picks).
 *
 *   npx tsx bench/policies.bench.ts            full run, a few minutes on 2 cores
 *   npx tsx bench/policies.bench.ts --quick    smaller horizons and fewer repetitions, well under a minute
 */
import { createRandom } from '../src/model/random.js';
import type { PolicyConfig } from '../src/policies/registry.js';
import { thompson } from '../src/policies/thompson.js';
import { bernoulliArms } from '../src/simulate/environments.js';
import { formatT } from '../src/simulate/format.js';
import { summarise } from '../src/simulate/simulation.js';
import { isWorker, runAll, serveJobs, type Job, type JobResult } from './policies-pool.js';

interface Setting {
  k: number;
  epsilon: number;
  horizon: number;
  reps: number;
  rows: { label: string; policy: PolicyConfig; batch: number; reference?: number; floor?: number }[];
}

interface Identification {
  title: string;
  means: number[];
  reps: number;
  plainReps: number;
  floor: number;
}

const quick = process.argv.includes('--quick');
const SEED = 2011;
const DELTA = 0.05;

function regretSettings(): Setting[] {
  const t = quick ? 1e5 : 1e6;
  const main: Setting = {
    k: 10,
    epsilon: 0.1,
    horizon: t,
    reps: quick ? 8 : 40,
    rows: [
      { label: 'thompson', policy: { name: 'thompson' }, batch: 1, reference: 330, floor: 360 },
      { label: 'thompson', policy: { name: 'thompson' }, batch: 1000, reference: 360, floor: 400 },
      { label: 'kl-ucb', policy: { name: 'kl-ucb' }, batch: 100, reference: 630 },
      { label: 'ucb1', policy: { name: 'ucb1' }, batch: 100, reference: 730 },
    ],
  };
  // At K = 100 a Thompson repetition costs 10^8 Beta draws, so the batched variant is left to K = 10.
  const others = (k: number, epsilon: number, reps: number): Setting => ({
    k,
    epsilon,
    horizon: t,
    reps,
    rows: [
      { label: 'thompson', policy: { name: 'thompson' }, batch: 1 },
      ...(k <= 10 ? [{ label: 'thompson', policy: { name: 'thompson' }, batch: 1000 }] : []),
      { label: 'kl-ucb', policy: { name: 'kl-ucb' }, batch: 100 },
      { label: 'ucb1', policy: { name: 'ucb1' }, batch: 100 },
    ],
  });
  return [main, others(10, 0.02, quick ? 4 : 40), others(100, 0.1, quick ? 2 : 10), others(100, 0.02, quick ? 2 : 10)];
}

function identifications(): Identification[] {
  return [
    { title: 'K = 10, means 0.70 0.65 0.62 0.60 0.55 0.50 0.45 0.40 0.35 0.30', means: [0.7, 0.65, 0.62, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3], reps: quick ? 60 : 1000, plainReps: quick ? 4 : 40, floor: 0.7 },
    { title: 'K = 10, 0.5 vs nine at 0.4', means: [0.5, ...Array<number>(9).fill(0.4)], reps: quick ? 60 : 1000, plainReps: quick ? 4 : 40, floor: 0.4 },
  ];
}

const meansOf = (s: Setting): number[] => [0.5, ...Array<number>(s.k - 1).fill(0.5 - s.epsilon)];

/** One repetition of Thompson, K = 10, 10^6 steps, timed in this process before the workers start. */
function speed(): number {
  const means = [0.5, ...Array<number>(9).fill(0.4)];
  const policy = thompson()({ armCount: 10, rng: createRandom(1) });
  const rng = createRandom(2);
  const env = createRandom(3);
  const eligible = means.map((_, i) => i);
  const pending = new Float64Array(10);
  const start = performance.now();
  for (let t = 0; t < 1e6; t++) {
    const arm = policy.choose({ eligible, pending, rng });
    policy.update(arm, env.next() < means[arm]! ? 1 : 0);
  }
  return (performance.now() - start) / 1000;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const seconds = speed();
  console.log(`Speed: one repetition of Thompson sampling, K = 10, 10^6 steps: ${seconds.toFixed(2)} s (floor < 2 s: ${seconds < 2 ? 'PASS' : 'FAIL'})\n`);

  const settings = regretSettings();
  const ids = identifications();
  const jobs: Job[] = [];
  for (const s of settings) {
    const checkpoints = [1e3, 1e4, 1e5, 1e6].filter((t) => t < s.horizon).concat(s.horizon);
    for (const row of s.rows) {
      for (let rep = 0; rep < s.reps; rep++) jobs.push({ kind: 'regret', means: meansOf(s), policy: row.policy, horizon: s.horizon, batch: row.batch, checkpoints, seed: SEED, rep });
    }
  }
  for (const id of ids) {
    for (const name of ['uniform', 'top-two', 'thompson']) {
      const reps = name === 'thompson' ? id.plainReps : id.reps;
      for (let seed = 0; seed < reps; seed++) jobs.push({ kind: 'identify', means: id.means, policy: { name }, delta: DELTA, seed, maxTrials: 2e6 });
    }
  }
  const results = await runAll(jobs, (done) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${jobs.length} jobs\x1b[K`);
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  let cursor = 0;
  const take = (n: number): JobResult[] => results.slice(cursor, (cursor += n));

  for (const s of settings) {
    const checkpoints = [1e3, 1e4, 1e5, 1e6].filter((t) => t < s.horizon).concat(s.horizon);
    const bound = bernoulliArms(meansOf(s)).lowerBound!(s.horizon);
    console.log(`Regret: K = ${s.k}, best 0.5, ${s.k - 1} at ${0.5 - s.epsilon}, T = ${formatT(s.horizon)}, ${s.reps} repetitions (mean ± SE); Lai-Robbins bound at T: ${bound.toFixed(0)}`);
    const rows = [['policy', 'feedback', ...checkpoints.map((t) => `t = ${formatT(t)}`), 'reference', 'floor']];
    for (const row of s.rows) {
      const runs = take(s.reps).map((r) => Float64Array.from(r.kind === 'regret' ? r.regret : []));
      const points = summarise(checkpoints, runs);
      const final = points[points.length - 1]!.regretMean;
      const floor = row.floor === undefined || quick ? '' : `< ${row.floor} ${final < row.floor ? 'PASS' : 'FAIL'}`;
      rows.push([
        row.label,
        row.batch === 1 ? 'immediate' : `batch ${row.batch}`,
        ...points.map((p) => `${p.regretMean.toFixed(0)} ± ${p.regretSE.toFixed(0)}`),
        row.reference && s.horizon === 1e6 ? `≈ ${row.reference}` : '',
        floor,
      ]);
    }
    console.log(`${table(rows)}\n`);
    if (s === settings[0]) {
      console.log('(kl-ucb and ucb1 nearly coincide when means are near 1/2: there KL(p, q) ~ 2 (q - p)^2, the Hoeffding\n bound behind ucb1\'s default c = 1/2; kl-ucb pulls ahead for means near 0 or 1.)\n');
    }
  }

  console.log(`Best-arm identification, delta = ${DELTA}, GLR stopping rule ln((1 + ln t) / delta) for every policy`);
  const rows = [['arms', 'policy', 'runs', 'trials (mean ± SE)', 'vs uniform', 'wrong picks', 'floor']];
  for (const id of ids) {
    const summary = (name: string, reps: number) => {
      const rs = take(reps).flatMap((r) => (r.kind === 'identify' ? [r] : []));
      const trials = rs.map((r) => r.trials);
      const mean = trials.reduce((a, b) => a + b, 0) / trials.length;
      const se = Math.sqrt(trials.reduce((a, b) => a + (b - mean) ** 2, 0) / (trials.length - 1) / trials.length);
      return { name, reps, mean, se, wrong: rs.filter((r) => !r.correct).length / rs.length, unstopped: rs.filter((r) => !r.stopped).length };
    };
    const lines = [summary('uniform', id.reps), summary('top-two', id.reps), summary('thompson', id.plainReps)];
    const base = lines[0]!.mean;
    for (const l of lines) {
      const saving = 1 - l.mean / base;
      const floor = l.name === 'top-two' ? `>= ${id.floor * 100}% fewer ${saving >= id.floor && l.wrong <= DELTA ? 'PASS' : 'FAIL'}` : '';
      const cut = l.unstopped > 0 ? ` (${l.unstopped} hit the cap)` : '';
      rows.push([id.title, l.name, String(l.reps), `${l.mean.toFixed(0)} ± ${l.se.toFixed(0)}${cut}`, l.name === 'uniform' ? '' : `${saving >= 0 ? '-' : '+'}${Math.abs(saving * 100).toFixed(1)}%`, l.wrong.toFixed(3), floor]);
    }
  }
  console.log(table(rows));
  console.log(`\nTotal time ${((performance.now() - started) / 1000).toFixed(0)} s${quick ? ' (--quick: floors on regret are checked only in the full run)' : ''}`);
}

if (isWorker()) serveJobs();
else await main();

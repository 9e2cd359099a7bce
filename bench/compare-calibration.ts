/**
 * Calibration of `metaorch compare`: false-positive rate (identical variants called regressed) and
 * power (a real regression caught), measured with the same compareRuns the CLI calls, on seeded
 * synthetic runs whose truth is known (tasks differ in difficulty by ±0.2; one trial per task).
 *
 * Run: `npx tsx bench/compare-calibration.ts [--reps N]` (default 1000; about 2 s per 100 reps).
 */
import { calibrate } from '../src/compare/calibration.js';
import { table } from '../src/report/table.js';

const repsArg = process.argv.indexOf('--reps');
const reps = repsArg >= 0 ? Number(process.argv[repsArg + 1]) : 1000;
const alpha = 0.05;
const n = 500;
const base = 0.8;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
/** The 95% margin (normal approximation) of a rate measured over `reps` repetitions, in percentage points. */
const margin = (p: number) => `±${(196 * Math.sqrt(Math.max(p * (1 - p), 1 / reps) / reps)).toFixed(1)}`;

const rows: string[][] = [];
for (const metric of ['passRate', 'score'] as const) {
  for (const paired of [true, false]) {
    const aa = calibrate({ metric, paired, n, base, effect: 0, reps, alpha, seed: 1 });
    const p10 = calibrate({ metric, paired, n, base, effect: -0.1, reps, alpha, seed: 2 });
    const p5 = calibrate({ metric, paired, n, base, effect: -0.05, reps, alpha, seed: 3 });
    rows.push([
      metric, paired ? 'paired' : 'unpaired', aa.test, String(n),
      `${pct(aa.regressedRate)} ${margin(aa.regressedRate)}`, `${pct(aa.significantRate)} ${margin(aa.significantRate)}`,
      `${pct(p10.regressedRate)} ${margin(p10.regressedRate)}`, `${pct(p5.regressedRate)} ${margin(p5.regressedRate)}`,
    ]);
  }
}

console.log(`metaorch compare calibration: ${reps} seeded repetitions per cell, alpha ${alpha}, base ${base}, n = ${n} per side, budget 0.`);
console.log('FP = identical variants called "regressed" (what fails CI); two-sided = called regressed or improved.\n');
console.log(table(['metric', 'design', 'test', 'n/side', 'FP (regressed)', 'two-sided rate', 'power, -10 pts', 'power, -5 pts'], rows));
console.log('\n± is the 95% margin of the measured rate, in percentage points.');

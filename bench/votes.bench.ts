/**
 * Early-stopping votes against fixed-N votes, with mock voters of known accuracy. Each question draws
 * the same 40 ballots for both: the fixed vote takes the majority of all 40 (self-consistency); the
 * early-stopping vote reads them one at a time through the vote core that workflow vote steps use
 * (src/workflows/vote-core.ts: Adaptive-Consistency's Beta stopping rule at 0.95, or an outcome that
 * can no longer change) and stops. Reported: accuracy of each, the difference in points, and the
 * calls saved (fixed-N calls per early-stopping call). Floors, on the first setting: at most 0.5
 * points of accuracy lost, at least 3x fewer calls.
 *
 * Run: npx tsx bench/votes.bench.ts [--questions N] [--seed S]
 */
import { table } from '../src/report/table.js';
import { simulateVotes, type VoteSimulation } from '../src/workflows/vote-sim.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const questions = arg('--questions', 20_000);
const seed = arg('--seed', 20_261_201);

const POOL = [0.85, 0.8, 0.75, 0.7, 0.65];
const settings: { name: string; sim: Omit<VoteSimulation, 'questions' | 'seed' | 'fixedN' | 'stopConfidence'> }[] = [
  { name: '5 voters 0.65-0.85, difficulty ±0.2, 4 options', sim: { voters: POOL, spread: 0.2, options: 4, trap: 0.5 } },
  { name: '5 voters 0.65-0.85, difficulty ±0.3, 4 options', sim: { voters: POOL, spread: 0.3, options: 4, trap: 0.5 } },
  { name: 'easy: voters at 0.9, 4 options', sim: { voters: [0.9], spread: 0.05, options: 4, trap: 0.5 } },
  { name: 'binary choice, voters at 0.7', sim: { voters: [0.7], spread: 0.1, options: 2, trap: 1 } },
  { name: 'hard: voters at 0.55, wrong answers on one trap', sim: { voters: [0.55], spread: 0.1, options: 4, trap: 0.7 } },
];

const rows: string[][] = [];
let floorsHeld = true;
settings.forEach(({ name, sim }, i) => {
  const t0 = performance.now();
  const r = simulateVotes({ ...sim, questions, seed: seed + i, fixedN: 40, stopConfidence: 0.95 });
  const ms = performance.now() - t0;
  const floors = i === 0 ? (r.deltaPoints >= -0.5 && r.savings >= 3 ? 'PASS' : 'FAIL') : '';
  if (floors === 'FAIL') floorsHeld = false;
  rows.push([
    name, (r.fixedAccuracy * 100).toFixed(2) + '%', (r.earlyAccuracy * 100).toFixed(2) + '%', r.deltaPoints.toFixed(2),
    (r.earlyCalls / questions).toFixed(1), `${r.savings.toFixed(2)}x`, `${Math.round(ms)}ms`, floors,
  ]);
});

console.log(`Votes: fixed 40 ballots vs early stopping (max 40, Beta stopping at 0.95); ${questions.toLocaleString('en-US')} questions per setting, seed ${seed}\n`);
console.log(table(['setting', 'fixed-40 accuracy', 'early accuracy', 'Δ points', 'ballots/question', 'calls saved', 'time', 'floors'], rows));
console.log('\nFloors (first setting): accuracy within 0.5 points of fixed-N, at least 3x fewer calls.');
if (!floorsHeld) process.exitCode = 1;

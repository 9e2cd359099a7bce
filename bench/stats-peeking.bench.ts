/**
 * The A/A peeking experiment: two identical arms, looked at 30 times (1,000 trials per arm between
 * looks). A naive z-test at every look against an anytime-valid confidence sequence.
 * Run: npx tsx bench/stats-peeking.bench.ts [--reps N]
 */
import { aaPeekingExperiment } from '../src/stats/index.js';

const at = process.argv.indexOf('--reps');
const reps = at > 0 ? Number(process.argv[at + 1]) : 1000;
const rows: string[][] = [];
for (const [label, sequence] of [
  ['confidence sequence (no horizon)', {}],
  ['confidence sequence (plannedN = 30,000 per arm)', { plannedN: 30_000 }],
] as const) {
  const t0 = performance.now();
  const r = aaPeekingExperiment({ looks: 30, perLook: 1000, reps, seed: 1, sequence });
  rows.push([label, pct(r.naiveFalsePositiveRate), pct(r.sequenceFalsePositiveRate), `${r.widthRatio.toFixed(2)}x`, `${((performance.now() - t0) / 1000).toFixed(1)} s`]);
}
console.log(`A/A test, 30 looks x 1,000 trials per arm, alpha 0.05, ${reps} seeded repetitions\n`);
const head = ['method', 'naive z-test FP', 'anytime-valid FP', 'width vs fixed interval', 'time'];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ')} |`;
console.log([line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.map(line)].join('\n'));

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

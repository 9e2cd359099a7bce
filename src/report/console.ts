import { table } from './table.js';
import type { RunReport } from './compute.js';
import { fmt } from './format.js';

/** The per-variant table printed at the end of `metaorch run`. */
export function reportTable(r: RunReport): string {
  return table(
    ['variant', 'trials', 'share', 'P(best)', 'errors', 'score [95% CI]', 'pass rate', 'p95 latency', 'cost/trial'],
    r.variants.map((v) => [
      `${v.id === r.best?.id ? '★ ' : '  '}${v.id}`, fmt.int(v.trials), fmt.pct(v.share, 0), fmt.pct(v.probBest, 0), fmt.int(v.errors),
      `${fmt.score(v.meanScore)} ${fmt.interval(v.ci95, fmt.score)}`, fmt.pct(v.passRate), fmt.ms(v.latencyP95Ms), fmt.usd(v.costPerTrial),
    ]),
  );
}

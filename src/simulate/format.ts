import type { SimulationResult } from './simulation.js';

/** Regret values carry at most one decimal: more digits than the standard error supports is noise. */
function fixed(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** 1e6 reads better than 1000000 in a column header or row label. */
export function formatT(t: number): string {
  if (t >= 1e4 && Number.isInteger(Math.log10(t))) return `1e${Math.log10(t)}`;
  return String(t);
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  return cells
    .map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}

/**
 * A text table: one row per power of ten (and the horizon), one column per policy with mean ± SE,
 * and the Lai-Robbins bound when it applies.
 *
 * @example
 * console.log(formatTable(result));
 */
export function formatTable(result: SimulationResult): string {
  const times = result.curves[0]?.points.map((p) => p.t) ?? [];
  const rows = times
    .map((t, j) => ({ t, j }))
    .filter(({ t }) => Number.isInteger(Math.log10(t)) || t === result.horizon);
  const header = ['t', ...result.curves.map((c) => c.policy), ...(result.lowerBound ? ['lai-robbins'] : [])];
  const body = rows.map(({ t, j }) => [
    formatT(t),
    ...result.curves.map((c) => {
      const p = c.points[j]!;
      return `${fixed(p.regretMean)} ± ${fixed(p.regretSE)}`;
    }),
    ...(result.lowerBound ? [fixed(result.lowerBound[j]!.regret)] : []),
  ]);
  const title =
    `Cumulative regret (mean ± standard error over ${result.reps} repetitions), ` +
    `${result.environment.name}, ${result.environment.means.length} arms, batch ${result.batch}, seed ${result.seed}`;
  return `${title}\n${pad([header, ...body])}\n`;
}

/**
 * CSV in long form, `policy,t,regretMean,regretSE`, every checkpoint; the lower bound appears as
 * policy `lai-robbins` with an empty standard error.
 *
 * @example
 * writeFileSync('regret.csv', formatCsv(result));
 */
export function formatCsv(result: SimulationResult): string {
  const lines = ['policy,t,regretMean,regretSE'];
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  for (const curve of result.curves) {
    for (const p of curve.points) lines.push(`${quote(curve.policy)},${p.t},${p.regretMean},${p.regretSE}`);
  }
  for (const p of result.lowerBound ?? []) lines.push(`lai-robbins,${p.t},${p.regret},`);
  return `${lines.join('\n')}\n`;
}

/**
 * The result as JSON: `curves[i].points[j]` is `{ t, regretMean, regretSE }` for policy `curves[i].policy`.
 *
 * @example
 * JSON.parse(formatJson(result)).curves[0].points.at(-1).regretMean;
 */
export function formatJson(result: SimulationResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

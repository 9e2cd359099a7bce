/** The centre of the live page: one row per variant, the same numbers `metaorch report` prints. */
import type { BestVariant, VariantStats, WinnerVerdict } from '../../../src/server/api-types.js';
import { colorOf, fmt, signed } from '../format.js';
import { Dot, IntervalBar } from './ui.js';

export function VariantTable({ variants, best, winner, onVariant }: {
  variants: VariantStats[];
  best: BestVariant | null;
  winner?: WinnerVerdict | null;
  onVariant?: (id: string) => void;
}) {
  const adaptive = variants.some((v) => v.probBest !== null);
  const sampled = variants.some((v) => v.latencySampled);
  return (
    <div class="table-wrap">
      <table class="table variants" data-testid="variant-table">
        <thead>
          <tr>
            <th>Variant</th>
            <th class="num">Trials</th>
            <th>Mean score [95% CI]</th>
            <th class="num">Pass rate</th>
            {adaptive && <th class="num" title="Probability of being the best variant (adaptive policy)">P(best)</th>}
            <th class="num">Cost / trial</th>
            <th class="num" title="Latency of the successful attempt">p50 · p95 latency{sampled ? ' ≈' : ''}</th>
            <th class="num">Error rate</th>
            <th>Errors by kind</th>
          </tr>
        </thead>
        <tbody>
          {variants.map((v, i) => {
            const isBest = best?.id === v.id;
            return (
              <tr key={v.id} class={isBest ? 'best' : ''} data-variant={v.id}>
                <td>
                  <button type="button" class="linklike variant-name" onClick={() => onVariant?.(v.id)} title="Show this variant's trials">
                    <Dot color={colorOf(i)} />
                    {v.id}
                  </button>
                  {isBest && <span class="star" title={best?.reason}>★ best</span>}
                  <div class="muted small">{v.adapter}</div>
                </td>
                <td class="num" data-col="trials">{fmt.int(v.trials)}</td>
                <td class="score-cell">
                  <span class="score-num">{fmt.score(v.meanScore)}</span>
                  <span class="muted small"> {fmt.interval(v.ci95, fmt.score)}</span>
                  <IntervalBar value={v.meanScore} ci={v.ci95} color={colorOf(i)} />
                </td>
                <td class="num">{fmt.pct(v.passRate)}</td>
                {adaptive && <td class="num">{fmt.pct(v.probBest)}</td>}
                <td class="num">{fmt.usd(v.costPerTrial)}</td>
                <td class="num">
                  {fmt.ms(v.latencyP50Ms)} · {fmt.ms(v.latencyP95Ms)}
                </td>
                <td class={`num ${v.errorRate > 0.1 ? 'bad' : ''}`}>{fmt.pct(v.errorRate)}</td>
                <td>
                  {Object.keys(v.errorsByKind).length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    Object.entries(v.errorsByKind).map(([kind, n]) => (
                      <span class="chip" title={`${n} ${kind} error(s)`}>
                        {kind} {fmt.int(n)}
                      </span>
                    ))
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {winner && <WinnerLine winner={winner} />}
    </div>
  );
}

const CRITERION_HELP: Record<string, string> = {
  'anytime-valid':
    'Anytime-valid 95% confidence sequence for the difference of the two mean scores (betting confidence sequence, ' +
    'Waudby-Smith & Ramdas). Unlike the fixed-sample intervals in the table, it stays valid however often you look ' +
    'at this page, and under adaptive allocation. The winner is known once the whole interval is above 0.',
  'fixed-sample':
    "Welch's 95% t interval for the difference of the two mean scores: valid for a grid that ran its full plan and is read once. " +
    'The winner is known once the whole interval is above 0.',
  'stopping-rule': "The adaptive run's stopping rule (a sequential likelihood-ratio test, valid at any look) fired: the best variant is identified at the asked confidence.",
  single: 'Only one variant has scored trials.',
};

/** Whether the winner is known: the same rule and words as `metaorch report` and the end of `metaorch run`. */
function WinnerLine({ winner }: { winner: WinnerVerdict }) {
  const num = (x: number) => signed(x, fmt.score);
  const numbers = winner.difference !== null && winner.runnerUp !== null
    ? `${winner.id} − ${winner.runnerUp} = ${num(winner.difference)}${winner.interval ? ` ${fmt.interval(winner.interval, num)}` : ''}`
    : '';
  return (
    <p
      class={`leader-line ${winner.known ? 'good' : 'neutral'}`}
      data-testid="winner-line"
      data-known={String(winner.known)}
      data-criterion={winner.criterion ?? ''}
      title={CRITERION_HELP[winner.criterion ?? ''] ?? ''}
    >
      <span class="leader-mark" aria-hidden="true">{winner.known ? '✓' : '○'}</span>
      <strong>{winner.text.charAt(0).toUpperCase() + winner.text.slice(1)}</strong>
      {numbers && <>: <span class="leader-diff">{numbers}</span></>}
      {winner.criterion && winner.criterion !== 'single' && <span class="leader-help" aria-hidden="true">?</span>}
    </p>
  );
}

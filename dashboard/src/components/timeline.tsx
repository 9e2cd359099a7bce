/**
 * Trials in flight over the last seconds: one bar per trial from its start to its end (or to now,
 * still running), one lane per concurrent trial, coloured by variant. The window adapts to how long
 * trials take (about 12 typical trials, between 5 and 60 seconds).
 */
import type { TrialBrief } from '../../../src/server/api-types.js';
import { colorOf, duration, fmt } from '../format.js';

const LANE = 9;
const MAX_LANES = 24;

export function Timeline({ inflight, recent, variants, now }: { inflight: TrialBrief[]; recent: TrialBrief[]; variants: string[]; now: number }) {
  const durations = recent.map((t) => (t.finishedAt ?? 0) - (t.startedAt ?? 0)).filter((d) => d > 0).sort((a, b) => a - b);
  const typical = durations[Math.floor(durations.length / 2)] ?? 1000;
  const windowMs = Math.min(60_000, Math.max(5_000, Math.ceil((typical * 12) / 1000) * 1000));
  const from = now - windowMs;
  const items = [...recent.filter((t) => (t.finishedAt ?? 0) >= from), ...inflight]
    .filter((t) => t.startedAt !== null)
    .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
  const laneEnds: number[] = [];
  const bars = items.map((t) => {
    const start = Math.max(from, t.startedAt ?? from);
    const end = Math.max(start, t.status === 'scheduled' ? now : (t.finishedAt ?? now));
    let lane = laneEnds.findIndex((e) => e <= start);
    if (lane < 0) lane = laneEnds.push(end) - 1;
    else laneEnds[lane] = end;
    return { t, start, end, lane };
  });
  const lanes = Math.min(MAX_LANES, Math.max(3, laneEnds.length));
  const pct = (ts: number) => ((ts - from) / windowMs) * 100;
  const seconds = windowMs / 1000;
  const step = [1, 2, 5, 10, 15, 30].find((s) => seconds / s <= 6) ?? 60;
  const ticks = Array.from({ length: Math.floor(seconds / step) + 1 }, (_, i) => i * step);
  return (
    <div class="timeline" data-testid="timeline" data-bars={bars.length}>
      <div class="timeline-lanes" style={{ height: `${lanes * LANE}px` }}>
        {ticks.map((s) => <span class="timeline-grid" style={{ left: `${pct(now - s * 1000)}%` }} />)}
        {bars
          .filter((b) => b.lane < MAX_LANES)
          .map(({ t, start, end, lane }) => (
            <span
              class={`timeline-bar ${t.status === 'scheduled' ? 'inflight' : ''} ${t.status === 'error' ? 'error' : ''}`}
              style={{ left: `${pct(start)}%`, width: `max(3px, ${pct(end) - pct(start)}%)`, top: `${lane * LANE + 1}px`, background: colorOf(Math.max(0, variants.indexOf(t.variantId))) }}
              title={`#${t.seq} ${t.variantId} · ${t.taskId} · ${t.status === 'scheduled' ? `in flight for ${duration(now - (t.startedAt ?? now))}` : `${t.status}, ${fmt.ms(t.latencyMs)}`}`}
            />
          ))}
      </div>
      <div class="timeline-axis">
        {ticks.map((s) => (
          <span style={{ left: `${pct(now - s * 1000)}%` }}>{s === 0 ? 'now' : `−${s}s`}</span>
        ))}
      </div>
    </div>
  );
}

import { formatDuration } from '../config/duration.js';
import type { RunObserver, RunStartInfo } from '../engine/types.js';
import { fmt } from '../report/format.js';

const BAR = 28;

/**
 * The console view of a run: a live bar on a terminal (done/total, per-variant counts, errors, cost,
 * ETA), plain periodic lines otherwise (CI logs).
 *
 * @example
 * const progress = consoleProgress(process.stderr);
 * await startRun(experiment, { store, observers: [progress] });
 */
export function consoleProgress(stream: NodeJS.WriteStream, options: { intervalMs?: number } = {}): RunObserver {
  const tty = stream.isTTY === true;
  const interval = options.intervalMs ?? (tty ? 100 : 5000);
  let info: RunStartInfo | undefined;
  let done = 0;
  let errors = 0;
  let cost = 0;
  let inFlight = 0;
  let startedAt = 0;
  let doneAtStart = 0;
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;
  const perVariant = new Map<string, number>();

  const render = (final: boolean) => {
    if (!info) return;
    const total = info.planned;
    const elapsed = Date.now() - startedAt;
    const rate = (done - doneAtStart) / Math.max(elapsed / 1000, 1e-3);
    const eta = total !== null && rate > 0 ? formatDuration(((total - done) / rate) * 1000) : '?';
    const share = total ? done / total : 0;
    const counts = [...perVariant].map(([id, n]) => `${id} ${fmt.int(n)}`).join(' · ');
    const head = `${total !== null ? `${fmt.int(done)}/${fmt.int(total)} (${(share * 100).toFixed(0)}%)` : fmt.int(done)}` +
      ` · errors ${fmt.int(errors)} · cost ${fmt.usd(cost)} · ${rate >= 10 ? fmt.int(Math.round(rate)) : rate.toFixed(1)}/s` +
      (final ? ` · ${formatDuration(elapsed)}` : ` · in flight ${inFlight} · ETA ${eta}`);
    if (tty) {
      const filled = Math.round(share * BAR);
      const bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}]`;
      const lines = [`${bar} ${head}`, `  ${counts}`];
      const up = drawnLines > 0 ? `\x1b[${drawnLines}F` : '';
      stream.write(`${up}${lines.map((l) => `\x1b[2K${l.slice(0, (stream.columns ?? 120) - 1)}`).join('\n')}\n`);
      drawnLines = lines.length;
    } else {
      stream.write(`[metaorch] ${info.runId} ${head} | ${counts}\n`);
    }
  };

  return {
    onRunStart(start) {
      info = start;
      startedAt = Date.now();
      done = doneAtStart = start.alreadyFinished;
      for (const id of start.variantIds) perVariant.set(id, 0);
      timer = setInterval(() => render(false), interval);
      timer.unref();
    },
    onTrialStart() {
      inFlight++;
    },
    onTrialEnd(spec, outcome) {
      inFlight--;
      done++;
      cost += outcome.cost ?? 0;
      if (outcome.status === 'error') errors++;
      perVariant.set(spec.variantId, (perVariant.get(spec.variantId) ?? 0) + 1);
    },
    onRunEnd() {
      clearInterval(timer);
      render(true);
    },
  };
}

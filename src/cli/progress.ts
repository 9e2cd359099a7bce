import { formatDuration } from '../config/duration.js';
import type { RunObserver, RunStartInfo } from '../engine/types.js';
import { fmt } from '../report/format.js';

const BAR = 28;

/** The console view of a run, with what the Ctrl-C handler needs from it. */
export interface ConsoleProgress extends RunObserver {
  /** Trials started and not finished. */
  readonly inFlight: number;
  /**
   * Prints a line that stays: on a terminal it goes above the live bar (which is redrawn under it),
   * so the next refresh does not overwrite it.
   */
  notice(line: string): void;
}

/**
 * The console view of a run: a live bar on a terminal (done/total, per-variant counts, errors, cost,
 * ETA), plain periodic lines otherwise (CI logs), nothing but notices with `quiet` (--no-progress).
 *
 * @example
 * const progress = consoleProgress(process.stderr);
 * await startRun(experiment, { store, observers: [progress] });
 */
export function consoleProgress(stream: NodeJS.WriteStream, options: { intervalMs?: number; quiet?: boolean } = {}): ConsoleProgress {
  const tty = stream.isTTY === true;
  const quiet = options.quiet === true;
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

  const lines = (final: boolean): string[] => {
    if (!info) return [];
    const total = info.planned;
    const elapsed = Date.now() - startedAt;
    const rate = (done - doneAtStart) / Math.max(elapsed / 1000, 1e-3);
    const eta = total !== null && rate > 0 ? formatDuration(((total - done) / rate) * 1000) : '?';
    const share = total ? done / total : 0;
    const counts = [...perVariant].map(([id, n]) => `${id} ${fmt.int(n)}`).join(' · ');
    const head = `${total !== null ? `${fmt.int(done)}/${fmt.int(total)} (${(share * 100).toFixed(0)}%)` : fmt.int(done)}` +
      ` · errors ${fmt.int(errors)} · cost ${fmt.usd(cost)} · ${rate >= 10 ? fmt.int(Math.round(rate)) : rate.toFixed(1)}/s` +
      (final ? ` · ${formatDuration(elapsed)}` : ` · in flight ${inFlight} · ETA ${eta}`);
    if (!tty) return [`[metaorch] ${info.runId} ${head} | ${counts}`];
    const filled = Math.round(share * BAR);
    return [`[${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}] ${head}`, `  ${counts}`];
  };
  /** Moves up over the bar and clears it, so what is written next takes its place. */
  const erase = (): string => (drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : '');
  const render = (final: boolean) => {
    if (!info || quiet) return;
    const out = lines(final);
    if (tty) {
      stream.write(`${erase()}${out.map((l) => `\x1b[2K${l.slice(0, (stream.columns ?? 120) - 1)}`).join('\n')}\n`);
      drawnLines = out.length;
    } else {
      stream.write(`${out.join('\n')}\n`);
    }
  };

  return {
    get inFlight() {
      return inFlight;
    },
    notice(line) {
      if (tty && !quiet) {
        stream.write(`${erase()}${line}\n`);
        drawnLines = 0;
        render(false);
      } else {
        stream.write(`${line}\n`);
      }
    },
    onRunStart(start) {
      info = start;
      startedAt = Date.now();
      done = doneAtStart = start.alreadyFinished;
      for (const id of start.variantIds) perVariant.set(id, 0);
      if (quiet) return;
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

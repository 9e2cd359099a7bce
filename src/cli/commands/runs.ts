import { Command } from 'commander';
import { computeReport } from '../../report/compute.js';
import { fmt } from '../../report/format.js';
import { storeRunData } from '../../report/run-data.js';
import { shownStatus } from '../../report/status.js';
import { table } from '../../report/table.js';
import type { WinnerVerdict } from '../../report/winner.js';
import { STATUS_WORDS } from '../../report/words.js';
import type { RunListing } from '../../store/records.js';
import type { SqliteStore } from '../../store/sqlite-store.js';
import { dbPath, lazyStore } from '../context.js';

/** Runs larger than this are listed without their winner check (reading every trial would be slow). */
const CHECK_UP_TO = 200_000;

export function runsCommand(): Command {
  return new Command('runs')
    .description('list runs: id, name, mode, status, started, trials, errors, cost, and whether the winner is known')
    .option('--db <path>', 'SQLite store')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'at most this many runs', '50')
    .action((flags: { db?: string; json?: boolean; limit: string }) => {
      const store = lazyStore(dbPath(flags.db));
      try {
        const runs = store.get().listRuns().slice(0, Number(flags.limit) || 50);
        const best = store.get().bestVariants();
        const rows = runs.map((r) => {
          const status = shownStatus(r);
          const winner = r.finished <= CHECK_UP_TO ? winnerOf(store.get(), r, status) : null;
          return { ...r, status, statusText: STATUS_WORDS[status], best: best.get(r.id)?.variantId ?? null, winner };
        });
        if (flags.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        if (rows.length === 0) {
          console.log('No runs yet. Start one with: metaorch run experiment.yaml');
          return;
        }
        console.log(table(
          ['id', 'name', 'mode', 'status', 'started', 'trials', 'errors', 'cost', 'winner'],
          rows.map((r) => [
            r.id, r.name, r.mode, r.statusText, r.startedAt ? new Date(r.startedAt).toISOString().replace('T', ' ').slice(0, 19) : '–',
            `${fmt.int(r.finished)}${r.planned ? `/${fmt.int(r.planned)}` : ''}`, fmt.int(r.errors), costCell(r), winnerCell(r.winner, r.best),
          ]),
        ));
      } finally {
        store.close();
      }
    });
}

/** The run's winner verdict, by the report's own rule (the same words as `report` and the dashboard). */
function winnerOf(store: SqliteStore, run: RunListing, status: ReturnType<typeof shownStatus>): WinnerVerdict | null {
  try {
    return computeReport(storeRunData(store, run.id), { status }).winner;
  } catch {
    return null;
  }
}

/** `careful (known)`, `careful (not yet known)`, or the best variant alone for a run too large to check here. */
function winnerCell(winner: WinnerVerdict | null, best: string | null): string {
  if (!winner) return best ? `${best} (run \`metaorch report\` to check)` : '–';
  if (winner.id === null) return '–';
  return `${winner.id} (${winner.known ? 'known' : 'not yet known'})`;
}

/** Known cost; `≥` when some trials' cost is unknown, `unknown` when none is known. */
function costCell(r: { cost: number; costUnknown: number; finished: number }): string {
  if (r.costUnknown === 0) return fmt.usd(r.cost);
  return r.costUnknown >= r.finished && r.cost === 0 ? 'unknown' : `≥${fmt.usd(r.cost)}`;
}

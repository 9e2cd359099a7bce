import { Command } from 'commander';
import type { WinnerVerdict } from '../../report/winner.js';
import type { RunListing } from '../../store/records.js';
import type { RunQueries } from '../../store/run-queries.js';
import { dbPath, lazyQueries } from '../context.js';

export function runsCommand(): Command {
  return new Command('runs')
    .description('list runs: id, name, mode, status, started, trials, errors, cost, and whether the winner is known')
    .option('--db <path>', 'SQLite store')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'at most this many runs', '50')
    .action(async (flags: { db?: string; json?: boolean; limit: string }) => {
      const [{ computeReport }, { fmt }, { storeRunData }, { shownStatus }, { table }, { STATUS_WORDS }] = await Promise.all([
        import('../../report/compute.js'), import('../../report/format.js'), import('../../report/run-data.js'), import('../../report/status.js'),
        import('../../report/table.js'), import('../../report/words.js'),
      ]);
      const store = await lazyQueries(dbPath(flags.db));
      try {
        const queries = store.get();
        const runs = queries.listRuns().slice(0, Number(flags.limit) || 50);
        // Each run's winner by the report's own rule (from its saved totals, or aggregates while it runs).
        const winnerOf = (r: RunListing, status: ReturnType<typeof shownStatus>): WinnerVerdict | null => {
          try {
            return computeReport(storeRunData(queries as RunQueries, r.id), { status }).winner;
          } catch {
            return null;
          }
        };
        const rows = runs.map((r) => {
          const status = shownStatus(r);
          const winner = winnerOf(r, status);
          return { ...r, status, statusText: STATUS_WORDS[status], best: winner?.id ?? null, winner };
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
            `${fmt.int(r.finished)}${r.planned ? `/${fmt.int(r.planned)}` : ''}`, fmt.int(r.errors), costCell(fmt, r), winnerCell(r.winner),
          ]),
        ));
      } finally {
        store.close();
      }
    });
}

/** `careful (known)` or `careful (not yet known)`: the report's answer in a cell. */
function winnerCell(winner: WinnerVerdict | null): string {
  if (!winner || winner.id === null) return '–';
  return `${winner.id} (${winner.known ? 'known' : 'not yet known'})`;
}

/** Known cost; `≥` when some trials' cost is unknown, `unknown` when none is known. */
function costCell(fmt: { usd(x: number): string }, r: { cost: number; costUnknown: number; finished: number }): string {
  if (r.costUnknown === 0) return fmt.usd(r.cost);
  return r.costUnknown >= r.finished && r.cost === 0 ? 'unknown' : `≥${fmt.usd(r.cost)}`;
}

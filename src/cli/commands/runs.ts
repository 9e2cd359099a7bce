import { Command } from 'commander';
import type { RunListing } from '../../store/records.js';
import { dbPath, lazyQueries } from '../context.js';

export function runsCommand(): Command {
  return new Command('runs')
    .description('list runs: id, name, mode, status, started, trials, best variant')
    .option('--db <path>', 'SQLite store')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'at most this many runs', '50')
    .action(async (flags: { db?: string; json?: boolean; limit: string }) => {
      const [{ candidateOf, pickBest }, { fmt }, { totalsFromQueries }, { table }] = await Promise.all([
        import('../../report/best.js'), import('../../report/format.js'), import('../../report/totals.js'), import('../../report/table.js'),
      ]);
      const store = await lazyQueries(dbPath(flags.db));
      try {
        const queries = store.get();
        const runs = queries.listRuns().slice(0, Number(flags.limit) || 50);
        // Each run's best variant by the report's rule, from its saved totals (or aggregates when it has none).
        const bestOf = (r: RunListing) => {
          const sums = (r.status === 'running' ? null : queries.savedStats(r.id))?.variants
            ?? totalsFromQueries(queries, r.id, []).variants();
          return pickBest(sums.map(candidateOf))?.id ?? null;
        };
        const rows = runs.map((r) => ({ ...r, status: displayStatus(r), best: bestOf(r) }));
        if (flags.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        if (rows.length === 0) {
          console.log('No runs yet. Start one with: metaorch run experiment.yaml');
          return;
        }
        console.log(table(
          ['id', 'name', 'mode', 'status', 'started', 'trials', 'errors', 'cost', 'best'],
          rows.map((r) => [
            r.id, r.name, r.mode, r.status, r.startedAt ? new Date(r.startedAt).toISOString().replace('T', ' ').slice(0, 19) : '–',
            `${fmt.int(r.finished)}${r.planned ? `/${fmt.int(r.planned)}` : ''}`, fmt.int(r.errors), costCell(fmt, r), r.best ?? '–',
          ]),
        ));
      } finally {
        store.close();
      }
    });
}

/** A run marked running whose process is gone was killed: show it as such. */
function displayStatus(r: RunListing): string {
  if (r.status !== 'running' || r.pid === null) return r.status;
  try {
    process.kill(r.pid, 0);
    return 'running';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? 'running' : 'killed (resumable)';
  }
}

/** Known cost; `≥` when some trials' cost is unknown, `unknown` when none is known. */
function costCell(fmt: { usd(x: number): string }, r: { cost: number; costUnknown: number; finished: number }): string {
  if (r.costUnknown === 0) return fmt.usd(r.cost);
  return r.costUnknown >= r.finished && r.cost === 0 ? 'unknown' : `≥${fmt.usd(r.cost)}`;
}

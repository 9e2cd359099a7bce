import { Command } from 'commander';
import { fmt } from '../../report/format.js';
import type { RunListing } from '../../store/records.js';
import { dbPath, lazyStore } from '../context.js';
import { table } from '../../report/table.js';

export function runsCommand(): Command {
  return new Command('runs')
    .description('list runs: id, name, mode, status, started, trials, best variant')
    .option('--db <path>', 'SQLite store')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'at most this many runs', '50')
    .action((flags: { db?: string; json?: boolean; limit: string }) => {
      const store = lazyStore(dbPath(flags.db));
      try {
        const runs = store.get().listRuns().slice(0, Number(flags.limit) || 50);
        const best = store.get().bestVariants();
        const rows = runs.map((r) => ({ ...r, status: displayStatus(r), best: best.get(r.id)?.variantId ?? null }));
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
            `${fmt.int(r.finished)}${r.planned ? `/${fmt.int(r.planned)}` : ''}`, fmt.int(r.errors), costCell(r), r.best ?? '–',
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
function costCell(r: { cost: number; costUnknown: number; finished: number }): string {
  if (r.costUnknown === 0) return fmt.usd(r.cost);
  return r.costUnknown >= r.finished && r.cost === 0 ? 'unknown' : `≥${fmt.usd(r.cost)}`;
}

import { dirname, join, resolve } from 'node:path';
import type { RunQueries } from '../store/run-queries.js';
import { requireStore } from './store-check.js';

/** Where the store is when nothing says otherwise (the same as the store's DEFAULT_DB). */
const DEFAULT_DB = '.metaorch/metaorch.db';

/** The store path: `--db`, else `METAORCH_DB`, else `.metaorch/metaorch.db` in the working folder. */
export function dbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env['METAORCH_DB'] ?? DEFAULT_DB);
}

/** Where a run's summary.md and summary.json go unless `--out` says otherwise. */
export function defaultOutDir(db: string, runId: string): string {
  return join(dirname(db), 'runs', runId);
}

/**
 * The store's read side, opened lazily, once, for commands that may not need it (a run reference can
 * be a file). Loads the store module (and SQLite) only when the command reaches this. These commands
 * only read: a store that does not exist is an error ("no store at PATH", exit 2), never created.
 */
export async function lazyQueries(db: string): Promise<{ get(): RunQueries; close(): void }> {
  const { SqliteRunQueries } = await import('../store/sqlite-run-queries.js');
  let queries: RunQueries | undefined;
  return {
    get: () => {
      if (queries) return queries;
      requireStore(db);
      return (queries = SqliteRunQueries.open(db));
    },
    close: () => queries?.close(),
  };
}

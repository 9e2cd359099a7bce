import { dirname, join, resolve } from 'node:path';
import type { RunQueries } from '../store/run-queries.js';
import { SqliteRunQueries } from '../store/sqlite-run-queries.js';
import { DEFAULT_DB } from '../store/sqlite-store.js';

/** The store path: `--db`, else `METAORCH_DB`, else `.metaorch/metaorch.db` in the working folder. */
export function dbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env['METAORCH_DB'] ?? DEFAULT_DB);
}

/** Where a run's summary.md and summary.json go unless `--out` says otherwise. */
export function defaultOutDir(db: string, runId: string): string {
  return join(dirname(db), 'runs', runId);
}

/** Opens the store's read side lazily, once, for commands that may not need it (a run reference can be a file). */
export function lazyQueries(db: string): { get(): RunQueries; close(): void } {
  let queries: RunQueries | undefined;
  return {
    get: () => (queries ??= SqliteRunQueries.open(db)),
    close: () => queries?.close(),
  };
}

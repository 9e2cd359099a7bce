import { dirname, join, resolve } from 'node:path';
import { DEFAULT_DB, SqliteStore } from '../store/sqlite-store.js';
import { requireStore } from './store-check.js';

/** The store path: `--db`, else `METAORCH_DB`, else `.metaorch/metaorch.db` in the working folder. */
export function dbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env['METAORCH_DB'] ?? DEFAULT_DB);
}

/** Where a run's summary.md and summary.json go unless `--out` says otherwise. */
export function defaultOutDir(db: string, runId: string): string {
  return join(dirname(db), 'runs', runId);
}

/**
 * Opens the store lazily, once, for commands that may not need it (a run reference can be a file).
 * These commands only read: a store that does not exist is an error, never created.
 */
export function lazyStore(db: string): { get(): SqliteStore; close(): void } {
  let store: SqliteStore | undefined;
  return {
    get: () => {
      if (store) return store;
      requireStore(db);
      return (store = SqliteStore.open(db));
    },
    close: () => store?.close(),
  };
}

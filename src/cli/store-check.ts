import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { UsageError } from '../model/errors.js';

/**
 * Read-only commands (runs, report, export, compare, resume) never create a store: opening one that is
 * not there would leave an empty database behind in whatever folder the user happened to be in.
 *
 * @example
 * requireStore(dbPath(flags.db)); // throws "no store at .metaorch/metaorch.db ..." (exit 2)
 */
export function requireStore(db: string): void {
  if (db === ':memory:' || existsSync(db)) return;
  const rel = relative(process.cwd(), db);
  const shown = rel && !rel.startsWith('..') ? rel : db;
  throw new UsageError(`no store at ${shown}: no run has been recorded there (run one with \`metaorch run EXPERIMENT\`, or name the store with --db or METAORCH_DB)`);
}

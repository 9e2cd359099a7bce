import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DiskFullError, isDiskFull } from '../model/errors.js';
import { writeFileAtomic } from '../model/files.js';
import { computeReport, type RunReport } from '../report/compute.js';
import { reportMarkdown } from '../report/markdown.js';
import { storeRunData } from '../report/run-data.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { relativePath } from './commands/run.js';

/**
 * Writes summary.md and summary.json for a run (from the totals it saved when it ended), each
 * atomically (a full disk leaves the previous file or none, never an empty or partial one); returns
 * the report. `run` loads this module only when a run has ended.
 *
 * @example
 * const report = writeReports(store, runId, '.metaorch/runs/RUN');
 */
export function writeReports(store: SqliteStore, runId: string, dir: string): RunReport {
  const report = computeReport(storeRunData(store.queries(), runId));
  try {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'summary.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileAtomic(join(dir, 'summary.md'), reportMarkdown(report));
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    throw new DiskFullError(
      `disk full: cannot write the report to ${relativePath(dir)}; run ${runId} is safe in the store: free space and run \`metaorch resume ${runId} --out ${relativePath(dir)}\` to write it`,
      undefined,
      { cause: error },
    );
  }
  return report;
}


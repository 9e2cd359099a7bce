/**
 * The statistics of large finished runs, kept on disk beside the store (`dashboard-cache/RUN.json`) so
 * a restarted server opens them at once instead of reading a million trials again. An entry is valid
 * while the run has no newer event (a resumed run gets new events, so it is rebuilt).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../model/files.js';
import { RunAggregate, type SavedAggregate } from './aggregate.js';

/** 2: totals count trials of unknown cost and tokens. */
const VERSION = 2;
/** Runs smaller than this are rebuilt quickly and not cached. */
export const CACHE_FROM_TRIALS = 20_000;

interface CacheFile {
  version: number;
  runId: string;
  key: string;
  aggregate: SavedAggregate;
}

export function cacheDirFor(dbPath: string): string {
  return join(dirname(dbPath), 'dashboard-cache');
}

const fileOf = (dir: string, runId: string) => join(dir, `${runId.replace(/[^\w.-]/g, '_')}.json`);

/** The cached aggregate of a run when its key still matches, else null. */
export function loadCached(dir: string, runId: string, key: string): RunAggregate | null {
  try {
    const doc = JSON.parse(readFileSync(fileOf(dir, runId), 'utf8')) as CacheFile;
    return doc.version === VERSION && doc.runId === runId && doc.key === key ? RunAggregate.fromJSON(doc.aggregate) : null;
  } catch {
    return null;
  }
}

/** Writes the aggregate atomically; a store folder that is not writable just means no cache. */
export function saveCached(dir: string, runId: string, key: string, aggregate: RunAggregate): void {
  try {
    mkdirSync(dir, { recursive: true });
    const file = fileOf(dir, runId);
    const doc: CacheFile = { version: VERSION, runId, key, aggregate: aggregate.toJSON() };
    writeFileAtomic(file, JSON.stringify(doc));
  } catch {
    // no cache: the next server start computes the statistics again
  }
}

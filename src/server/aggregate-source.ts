/**
 * Reads trials into a RunAggregate: a cold build over seq ranges (one read transaction per chunk,
 * yielding to the event loop between chunks so the server stays responsive), and live updates for the
 * seqs named by `trials` events.
 *
 * The cold build costs one pass over the run's rows in SQLite (per bucket: one aggregate query grouped
 * by variant); latencies are read for every trial of small runs but only for a fixed pseudo-random
 * sample of large ones (by primary key).
 */
import type { Database, Statement } from 'better-sqlite3';
import { RunAggregate, seqHash, type TrialGroup } from './aggregate.js';

/** Seqs per cold-build chunk (one read transaction each). */
export const CHUNK = 16_384;
/** Runs up to this many trials keep every latency (exact percentiles, as `metaorch report`). */
const EXACT_LATENCY_UP_TO = 60_000;

/**
 * Sums per variant over a seq range. Errored trials carry no score and no pass (TrialOutcome), so only
 * latency needs the status test; the kinds of errors come back as one short list (errors are rare).
 */
const SUMS = `COUNT(*), SUM(status = 'error'), COUNT(score), TOTAL(score), TOTAL(score * score), COUNT(passed), TOTAL(passed),
  TOTAL(cost), TOTAL(tokens_in), TOTAL(tokens_out), SUM(cost IS NULL), SUM(tokens_in IS NULL OR tokens_out IS NULL), TOTAL(attempt_count),
  COUNT(CASE WHEN status = 'ok' THEN latency_ms END), TOTAL(CASE WHEN status = 'ok' THEN latency_ms END),
  group_concat(CASE WHEN status = 'error' THEN COALESCE(error_kind, 'unknown') END, ',')`;

type SumsRow = [string, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, string | null];
/** Columns of SumsRow (the variant id first). */
const SUMS_COLUMNS = 17;

function toGroup(row: SumsRow, seq: number): TrialGroup {
  const [variantId, n, errors, ns, s, s2, judged, passes, cost, tokensIn, tokensOut, costUnknown, tokensUnknown, attempts, latN, latSum, kinds] = row;
  const g: TrialGroup = { variantId, seq, n, errors, ns, s, s2, judged, passes, cost, tokensIn, tokensOut, costUnknown, tokensUnknown, attempts, latN, latSum, latencies: [] };
  if (kinds) {
    g.errorKinds = {};
    for (const kind of kinds.split(',')) g.errorKinds[kind] = (g.errorKinds[kind] ?? 0) + 1;
  }
  return g;
}

/** What a cold build saw, so that live events arriving meanwhile are not counted twice. */
export interface BuildResult {
  aggregate: RunAggregate;
  /** The last event seq at the start of the build: later events must be applied. */
  startSeq: number;
  /** Per chunk, the last event seq visible when the chunk was read: trials of events up to it are in. */
  chunkSeen: Map<number, number>;
}

/**
 * Builds the statistics of a run from its trials, chunk by chunk.
 *
 * @example
 * const { aggregate } = await buildAggregate(db, runId, ['a', 'b']);
 */
export async function buildAggregate(db: Database, runId: string, variants: readonly string[]): Promise<BuildResult> {
  const head = db.transaction(() => ({
    maxSeq: (db.prepare('SELECT MAX(seq) FROM trials WHERE run_id = ?').pluck().get(runId) as number | null) ?? -1,
    eventSeq: lastEventSeq(db),
  }))();
  const size = head.maxSeq + 1;
  const bucketSize = 2 ** Math.ceil(Math.log2(Math.max(1, size / 512)));
  const exact = size <= EXACT_LATENCY_UP_TO;
  const threshold = exact ? 2 ** 32 : 2 ** 32 / 2 ** Math.ceil(Math.log2(size / EXACT_LATENCY_UP_TO));
  const aggregate = new RunAggregate(variants, bucketSize, threshold);
  const sums = db.prepare(`SELECT variant_id, ${SUMS} FROM trials WHERE run_id = ? AND seq >= ? AND seq < ? AND status != 'scheduled' GROUP BY variant_id`).raw();
  const latencies = exact
    ? db.prepare(`SELECT variant_id, seq, latency_ms FROM trials WHERE run_id = ? AND seq >= ? AND seq < ? AND status = 'ok' AND latency_ms IS NOT NULL`).raw()
    : db.prepare(`SELECT variant_id, seq, latency_ms FROM trials WHERE run_id = ? AND seq IN (SELECT value FROM json_each(?)) AND status = 'ok' AND latency_ms IS NOT NULL`).raw();
  const eventSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck();
  const chunk = Math.max(CHUNK, bucketSize);
  const chunkSeen = new Map<number, number>();
  for (let start = 0; start < size; start += chunk) {
    const end = start + chunk;
    const hw = db.transaction(() => {
      for (let b = start; b < end && b < size; b += bucketSize) {
        for (const row of sums.all(runId, b, b + bucketSize) as SumsRow[]) aggregate.add(toGroup(row, b));
      }
      const rows = exact ? latencies.all(runId, start, end) : latencies.all(runId, JSON.stringify(sampledSeqs(start, Math.min(end, size), threshold)));
      for (const [v, seq, ms] of rows as [string, number, number][]) aggregate.latency.add(v, seqHash(seq), ms);
      return eventSeq.get() as number;
    })();
    for (let c = start / CHUNK; c < end / CHUNK; c++) chunkSeen.set(c, hw);
    if (end < size) await new Promise((r) => setImmediate(r));
  }
  aggregate.caughtUp(head.eventSeq);
  return { aggregate, startSeq: head.eventSeq, chunkSeen };
}

function sampledSeqs(from: number, to: number, threshold: number): number[] {
  const out: number[] = [];
  for (let seq = from; seq < to; seq++) if (seqHash(seq) < threshold) out.push(seq);
  return out;
}

export function lastEventSeq(db: Database): number {
  return (db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get() as number) ?? 0;
}

/** Reads finished trials by seq, as groups of one, for live updates. */
export class TrialReader {
  private readonly bySeqs: Statement;

  constructor(db: Database) {
    this.bySeqs = db.prepare(
      `SELECT variant_id, ${SUMS}, CASE WHEN status = 'ok' AND latency_ms IS NOT NULL THEN latency_ms END AS lat, seq
       FROM trials WHERE run_id = ? AND seq IN (SELECT value FROM json_each(?)) AND status != 'scheduled' GROUP BY seq`,
    ).raw();
  }

  /** One group per finished trial among `seqs`. */
  groups(runId: string, seqs: readonly number[]): TrialGroup[] {
    if (seqs.length === 0) return [];
    const rows = this.bySeqs.all(runId, JSON.stringify(seqs)) as unknown[][];
    return rows.map((row) => {
      const seq = row[SUMS_COLUMNS + 1] as number;
      const lat = row[SUMS_COLUMNS] as number | null;
      const g = toGroup(row.slice(0, SUMS_COLUMNS) as SumsRow, seq);
      if (lat !== null) g.latencies.push([seqHash(seq), lat]);
      return g;
    });
  }
}

/**
 * The `trials` event: one per committed batch of results, naming the batch's seqs as sorted inclusive
 * ranges (`{ n: 4096, ranges: [[8100, 12150], [12152, 12196]] }`) rather than listing every seq: a
 * batch of instant trials is a few ranges. Stores written before issue 14 list them (`{ seqs }`);
 * readers accept both.
 */
export interface TrialsEventData {
  /** How many trials the batch committed. */
  n: number;
  ranges: [number, number][];
}

/**
 * Sorts `seqs` (in place) and folds them into inclusive ranges.
 *
 * @example
 * seqRanges([5, 1, 2, 3, 7]); // [[1, 3], [5, 5], [7, 7]]
 */
export function seqRanges(seqs: number[]): [number, number][] {
  seqs.sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  let lo = NaN;
  let hi = NaN;
  for (const seq of seqs) {
    if (seq === hi + 1 || seq === hi) {
      hi = seq;
      continue;
    }
    if (!Number.isNaN(lo)) ranges.push([lo, hi]);
    lo = hi = seq;
  }
  if (!Number.isNaN(lo)) ranges.push([lo, hi]);
  return ranges;
}

/**
 * The seqs a `trials` event names, in ascending order, from either format.
 *
 * @example
 * trialEventSeqs({ n: 3, ranges: [[4, 6]] }); // [4, 5, 6]
 */
export function trialEventSeqs(data: unknown): number[] {
  const d = (data ?? {}) as Partial<TrialsEventData> & { seqs?: number[] };
  if (Array.isArray(d.seqs)) return d.seqs;
  const out: number[] = [];
  for (const [lo, hi] of d.ranges ?? []) for (let s = lo; s <= hi; s++) out.push(s);
  return out;
}

/** How many trials a `trials` event names, without expanding its ranges. */
export function trialEventCount(data: unknown): number {
  const d = (data ?? {}) as Partial<TrialsEventData> & { seqs?: number[] };
  if (Array.isArray(d.seqs)) return d.seqs.length;
  return typeof d.n === 'number' ? d.n : (d.ranges ?? []).reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
}

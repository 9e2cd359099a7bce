/**
 * The lead check reads each variant's scores in seq order, but only the first LEADER_SCORES of them: a
 * confidence sequence is valid at any fixed look, so the check after that many scores per variant is
 * as valid as after all of them (and already far tighter than any lead worth reporting). Keeping a
 * prefix bounds the memory of a run of any length.
 */
export const LEADER_SCORES = 100_000;

/**
 * The scores of one variant's first `cap` scored trials by seq, fed in any order (trials finish out of
 * order). A late trial with a smaller seq still takes its place.
 *
 * @example
 * const p = new ScorePrefix(2); p.add(5, 1); p.add(3, 0); p.add(9, 1); p.scores(); // Float64Array [0, 1]
 */
export class ScorePrefix {
  private seqs: Float64Array;
  private values: Float64Array;
  private length = 0;
  /** Once the prefix is full: the largest seq kept (later, larger seqs cannot belong). */
  private ceiling = Infinity;

  constructor(private readonly cap = LEADER_SCORES) {
    const initial = Math.min(cap + 1, 1024);
    this.seqs = new Float64Array(initial);
    this.values = new Float64Array(initial);
  }

  add(seq: number, score: number): void {
    if (seq > this.ceiling) return;
    if (this.length === this.seqs.length) this.grow();
    this.seqs[this.length] = seq;
    this.values[this.length++] = score;
    if (this.length > this.cap + (this.cap >> 3)) this.settle();
  }

  /** The prefix's scores in seq order. */
  scores(): Float64Array {
    this.settle();
    return this.values.slice(0, this.length);
  }

  private settle(): void {
    const order = Array.from({ length: this.length }, (_, i) => i).sort((a, b) => this.seqs[a]! - this.seqs[b]!);
    const keep = Math.min(this.length, this.cap);
    const seqs = new Float64Array(Math.max(keep, 1024));
    const values = new Float64Array(seqs.length);
    for (let i = 0; i < keep; i++) {
      seqs[i] = this.seqs[order[i]!]!;
      values[i] = this.values[order[i]!]!;
    }
    this.seqs = seqs;
    this.values = values;
    this.length = keep;
    if (keep === this.cap) this.ceiling = seqs[keep - 1]!;
  }

  private grow(): void {
    const size = Math.min(this.seqs.length * 2, this.cap + (this.cap >> 3) + 1);
    const seqs = new Float64Array(size);
    const values = new Float64Array(size);
    seqs.set(this.seqs);
    values.set(this.values);
    this.seqs = seqs;
    this.values = values;
  }
}

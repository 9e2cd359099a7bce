import type { TrialRecord } from '../store/records.js';

/** A growable Float64Array: per-variant samples for large runs without boxing every number. */
export class NumberBuffer {
  private data = new Float64Array(64);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
  sorted(): Float64Array {
    return Float64Array.from(this.view()).sort();
  }
}

/** Running totals for one variant, fed one trial at a time. */
export class VariantAccumulator {
  finished = 0;
  scheduled = 0;
  errors = 0;
  passes = 0;
  judged = 0;
  attempts = 0;
  cost = 0;
  tokensIn = 0;
  tokensOut = 0;
  /** Finished trials whose cost (tokens) the adapter did not report: not counted as 0. */
  costUnknown = 0;
  tokensUnknown = 0;
  rewardSum = 0;
  rewarded = 0;
  /** Answered from the response cache (their latency is null: not in the percentiles). */
  cached = 0;
  readonly errorsByKind: Record<string, number> = {};
  readonly scores = new NumberBuffer();
  readonly latencies = new NumberBuffer();

  add(t: TrialRecord): void {
    if (t.status === 'scheduled') {
      this.scheduled++;
      return;
    }
    this.finished++;
    if (t.cached) this.cached++;
    this.attempts += t.attempts.length;
    if (t.cost === null) this.costUnknown++;
    else this.cost += t.cost;
    if (t.tokensIn === null || t.tokensOut === null) this.tokensUnknown++;
    this.tokensIn += t.tokensIn ?? 0;
    this.tokensOut += t.tokensOut ?? 0;
    if (t.reward !== undefined && t.reward !== null) {
      this.rewardSum += t.reward;
      this.rewarded++;
    }
    if (t.status === 'error') {
      this.errors++;
      const kind = t.errorKind ?? 'unknown';
      this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
      return;
    }
    if (t.latencyMs !== null) this.latencies.push(t.latencyMs);
    if (t.score !== null) this.scores.push(t.score);
    if (t.passed !== null) {
      this.judged++;
      if (t.passed) this.passes++;
    }
  }
}

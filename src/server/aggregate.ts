/**
 * Per-run statistics kept in the server's memory and updated incrementally from the event sequence,
 * so the live page and `GET /summary` stay cheap at any run size. It holds sums per variant (for the
 * variant table, with the same rules as `computeReport`), sums per seq bucket (for the charts) and a
 * latency sample (exact while small; see LatencySample).
 */
import { LatencySample, seqHash } from '../report/latency-sample.js';

/** Numbers summed per (variant, bucket): enough for means, t intervals, shares and mean latency. */
export const CELL = {
  n: 0, errors: 1, ns: 2, s: 3, s2: 4, judged: 5, passes: 6, cost: 7, latN: 8, latSum: 9,
} as const;
const CELL_SIZE = 10;

/** Charts never get more points than this per series; buckets merge pairwise beyond it. */
export const MAX_BUCKETS = 1024;

/** Sums over finished trials that both a trial group and a variant's totals carry. */
export interface TrialSums {
  errors: number;
  ns: number;
  s: number;
  s2: number;
  judged: number;
  passes: number;
  cost: number;
  tokensIn: number;
  tokensOut: number;
  /** Finished trials whose cost (tokens) is unknown: not counted in cost (tokens). */
  costUnknown: number;
  tokensUnknown: number;
  attempts: number;
}

/** One group of finished trials of one variant (one trial, or a GROUP BY row of the cold build). */
export interface TrialGroup extends TrialSums {
  variantId: string;
  /** Errors of the group by kind (their sum is `errors`); absent when counted separately. */
  errorKinds?: Record<string, number>;
  /** Any seq of the group: decides its bucket. */
  seq: number;
  n: number;
  latN: number;
  latSum: number;
  /** Sampled latencies as [hash, ms] pairs (see LatencySample). */
  latencies: [number, number][];
}

export { LatencySample, seqHash };

/** Totals of one variant over the whole run. */
export interface VariantTotals extends TrialSums {
  finished: number;
  errorsByKind: Record<string, number>;
}

const emptyTotals = (): VariantTotals => ({
  finished: 0, errors: 0, errorsByKind: {}, ns: 0, s: 0, s2: 0, judged: 0, passes: 0, cost: 0, tokensIn: 0, tokensOut: 0, costUnknown: 0, tokensUnknown: 0, attempts: 0,
});

/**
 * The statistics of one run. `add` takes trial groups; `bucketSize` doubles (merging pairs) whenever
 * the seq range outgrows MAX_BUCKETS, so the charts stay between MAX_BUCKETS/2 and MAX_BUCKETS points.
 *
 * @example
 * const agg = new RunAggregate(['a', 'b'], 1);
 * agg.add({ variantId: 'a', seq: 0, n: 1, ... });
 */
export class RunAggregate {
  readonly variantOrder: string[];
  readonly totals = new Map<string, VariantTotals>();
  latency: LatencySample;
  bucketSize: number;
  /** Per variant: a Float64Array of CELL_SIZE numbers per bucket. */
  private readonly cells = new Map<string, Float64Array>();
  private bucketCount = 0;
  /** The highest event seq whose trials are counted. */
  seq = 0;
  /** Finished-trial counts over time, for the rate and the ETA: [ms, finished]. */
  readonly history: [number, number][] = [];
  version = 0;

  constructor(variants: readonly string[], bucketSize: number, latencyThreshold?: number) {
    this.variantOrder = [...variants];
    this.bucketSize = Math.max(1, bucketSize);
    this.latency = new LatencySample(latencyThreshold);
    for (const v of variants) this.variant(v);
  }

  get finished(): number {
    let n = 0;
    for (const t of this.totals.values()) n += t.finished;
    return n;
  }

  /** Buckets in use (x axis length). */
  get buckets(): number {
    return this.bucketCount;
  }

  add(g: TrialGroup): void {
    const t = this.variant(g.variantId);
    t.finished += g.n;
    t.errors += g.errors;
    for (const [kind, n] of Object.entries(g.errorKinds ?? {})) this.addErrors(g.variantId, kind, n);
    t.ns += g.ns;
    t.s += g.s;
    t.s2 += g.s2;
    t.judged += g.judged;
    t.passes += g.passes;
    t.cost += g.cost;
    t.tokensIn += g.tokensIn;
    t.tokensOut += g.tokensOut;
    t.costUnknown += g.costUnknown;
    t.tokensUnknown += g.tokensUnknown;
    t.attempts += g.attempts;
    for (const [hash, ms] of g.latencies) this.latency.add(g.variantId, hash, ms);
    const cell = this.cell(g.seq);
    const c = this.cells.get(g.variantId)!;
    c[cell + CELL.n]! += g.n;
    c[cell + CELL.errors]! += g.errors;
    c[cell + CELL.ns]! += g.ns;
    c[cell + CELL.s]! += g.s;
    c[cell + CELL.s2]! += g.s2;
    c[cell + CELL.judged]! += g.judged;
    c[cell + CELL.passes]! += g.passes;
    c[cell + CELL.cost]! += g.cost;
    c[cell + CELL.latN]! += g.latN;
    c[cell + CELL.latSum]! += g.latSum;
    this.version++;
  }

  /** Counts errors of one kind (the cold build reads them apart from the sums). */
  addErrors(variantId: string, kind: string | null, n: number): void {
    const t = this.variant(variantId);
    const k = kind ?? 'unknown';
    t.errorsByKind[k] = (t.errorsByKind[k] ?? 0) + n;
  }

  /** Marks that the counts now reflect every event up to `seq`, at time `now`. */
  caughtUp(seq: number, now = Date.now()): void {
    this.seq = Math.max(this.seq, seq);
    const finished = this.finished;
    const last = this.history[this.history.length - 1];
    if (!last || last[1] !== finished) this.history.push([now, finished]);
    while (this.history.length > 2 && now - this.history[0]![0] > 15_000) this.history.shift();
  }

  /** Plain data for the on-disk cache (see aggregate-cache.ts). */
  toJSON(): SavedAggregate {
    return {
      variantOrder: this.variantOrder, bucketSize: this.bucketSize, bucketCount: this.bucketCount, seq: this.seq,
      totals: Object.fromEntries(this.totals),
      cells: Object.fromEntries([...this.cells].map(([id, c]) => [id, Array.from(c.subarray(0, this.bucketCount * CELL_SIZE))])),
      latency: this.latency.toJSON(),
    };
  }

  static fromJSON(o: SavedAggregate): RunAggregate {
    const agg = new RunAggregate(o.variantOrder, o.bucketSize);
    agg.bucketCount = o.bucketCount;
    agg.seq = o.seq;
    agg.latency = LatencySample.fromJSON(o.latency);
    for (const [id, t] of Object.entries(o.totals)) agg.totals.set(id, { ...emptyTotals(), ...t });
    for (const [id, c] of Object.entries(o.cells)) {
      const cells = new Float64Array(Math.max(16, o.bucketCount) * CELL_SIZE);
      cells.set(c);
      agg.cells.set(id, cells);
    }
    return agg;
  }

  /** The cells of one variant: CELL_SIZE numbers per bucket, `buckets` buckets. */
  cellsOf(variantId: string): Float64Array {
    return this.cells.get(variantId) ?? new Float64Array(0);
  }

  private variant(id: string): VariantTotals {
    let t = this.totals.get(id);
    if (!t) {
      this.totals.set(id, (t = emptyTotals()));
      if (!this.variantOrder.includes(id)) this.variantOrder.push(id);
      this.cells.set(id, new Float64Array(Math.max(16, this.bucketCount) * CELL_SIZE));
    }
    return t;
  }

  /** Offset of the cell for `seq`, growing or merging buckets as needed. */
  private cell(seq: number): number {
    let b = Math.floor(seq / this.bucketSize);
    while (b >= MAX_BUCKETS) {
      this.mergePairs();
      b = Math.floor(seq / this.bucketSize);
    }
    if (b >= this.bucketCount) this.bucketCount = b + 1;
    for (const [id, c] of this.cells) {
      if (c.length < this.bucketCount * CELL_SIZE) {
        const bigger = new Float64Array(Math.min(MAX_BUCKETS, Math.max(this.bucketCount, (c.length / CELL_SIZE) * 2)) * CELL_SIZE);
        bigger.set(c);
        this.cells.set(id, bigger);
      }
    }
    return b * CELL_SIZE;
  }

  private mergePairs(): void {
    for (const [id, c] of this.cells) {
      const merged = new Float64Array(c.length);
      for (let b = 0; b < this.bucketCount; b++) {
        const to = (b >> 1) * CELL_SIZE;
        for (let k = 0; k < CELL_SIZE; k++) merged[to + k]! += c[b * CELL_SIZE + k]!;
      }
      this.cells.set(id, merged);
    }
    this.bucketSize *= 2;
    this.bucketCount = Math.ceil(this.bucketCount / 2);
  }
}

export { CELL_SIZE };

export interface SavedAggregate {
  variantOrder: string[];
  bucketSize: number;
  bucketCount: number;
  seq: number;
  totals: Record<string, VariantTotals>;
  cells: Record<string, number[]>;
  latency: ReturnType<LatencySample['toJSON']>;
}

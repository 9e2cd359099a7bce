/**
 * Latencies of one run for percentiles, in bounded memory: every successful trial's latency while the
 * run is small, else a fixed pseudo-random sample (the trials whose seqHash is below a threshold that
 * halves as the run grows). The engine's run totals, the report and the dashboard keep the same sample,
 * so their percentiles agree.
 */

/** Multiplicative (Knuth) hash of a seq into [0, 2^32): picks the latency sample of large runs. */
export function seqHash(seq: number): number {
  return Math.imul(seq, 2654435761) >>> 0;
}


const FULL = 2 ** 32;
/** Above this many sampled latencies in a run, the sample is halved (threshold halves). */
export const LATENCY_SAMPLE_MAX = 120_000;

/**
 * Latencies of one run: every successful trial's latency while the run is small, else a systematic
 * sample of the trials whose seqHash is below `threshold` (a fixed pseudo-random subset, so the cold
 * build and the live updates pick the same trials). Percentiles are exact when `threshold` is 2^32.
 */
export class LatencySample {
  threshold: number;
  private readonly byVariant = new Map<string, { hashes: number[]; values: number[]; sorted: Float64Array | null }>();
  private size = 0;

  constructor(threshold = FULL) {
    this.threshold = threshold;
  }

  get exact(): boolean {
    return this.threshold >= FULL;
  }

  add(variantId: string, hash: number, ms: number): void {
    if (hash >= this.threshold) return;
    let v = this.byVariant.get(variantId);
    if (!v) this.byVariant.set(variantId, (v = { hashes: [], values: [], sorted: null }));
    v.hashes.push(hash);
    v.values.push(ms);
    v.sorted = null;
    if (++this.size > LATENCY_SAMPLE_MAX) this.halve();
  }

  /** Plain data for the on-disk cache. */
  toJSON(): { threshold: number; variants: Record<string, [number[], number[]]> } {
    return { threshold: this.threshold, variants: Object.fromEntries([...this.byVariant].map(([id, v]) => [id, [v.hashes, v.values]])) };
  }

  static fromJSON(o: ReturnType<LatencySample['toJSON']>): LatencySample {
    const sample = new LatencySample(o.threshold);
    for (const [id, [hashes, values]] of Object.entries(o.variants)) {
      sample.byVariant.set(id, { hashes, values, sorted: null });
      sample.size += values.length;
    }
    return sample;
  }

  sorted(variantId: string): Float64Array {
    const v = this.byVariant.get(variantId);
    if (!v) return new Float64Array(0);
    return (v.sorted ??= Float64Array.from(v.values).sort());
  }

  private halve(): void {
    this.threshold /= 2;
    this.size = 0;
    for (const v of this.byVariant.values()) {
      const keep = v.hashes.map((h, i) => [h, v.values[i]!] as const).filter(([h]) => h < this.threshold);
      v.hashes = keep.map(([h]) => h);
      v.values = keep.map(([, x]) => x);
      v.sorted = null;
      this.size += keep.length;
    }
  }
}

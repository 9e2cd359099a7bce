/**
 * The allocation as it happened: which variant each of the latest finished trials went to, counted
 * over two trailing windows (one for starvation, one for thrashing), and a zigzag filter per variant
 * that counts reversals of direction of its share larger than a band.
 */
export interface AllocationWatch {
  ring: Int32Array;
  head: number;
  size: number;
  windows: { length: number; counts: Float64Array }[];
  /** Zigzag per arm: direction (+1, -1, 0 unknown), the extreme since the last turn, and the samples at which it turned. */
  zig: { dir: number; high: number; low: number; turns: number[] }[];
  samples: number;
}

/** @example createAllocationWatch(3, [1000, 500]) */
export function createAllocationWatch(armCount: number, lengths: readonly number[]): AllocationWatch {
  const longest = Math.max(1, ...lengths);
  return {
    ring: new Int32Array(longest), head: 0, size: 0,
    windows: lengths.map((length) => ({ length, counts: new Float64Array(armCount) })),
    zig: Array.from({ length: armCount }, () => ({ dir: 0, high: -Infinity, low: Infinity, turns: [] })),
    samples: 0,
  };
}

/** @example recordChoice(watch, arm) */
export function recordChoice(w: AllocationWatch, arm: number): void {
  const cap = w.ring.length;
  for (const win of w.windows) {
    win.counts[arm]! += 1;
    if (w.size >= win.length) {
      const leaving = w.ring[(w.head - win.length + cap) % cap]!;
      win.counts[leaving]! -= 1;
    }
  }
  w.ring[w.head] = arm;
  w.head = (w.head + 1) % cap;
  if (w.size < cap) w.size++;
}

/** Share of each arm over window `i`, or null until the window is full. */
export function sharesOf(w: AllocationWatch, i: number): Float64Array | null {
  const win = w.windows[i];
  if (!win || w.size < win.length) return null;
  return win.counts.map((c) => c / win.length);
}

/**
 * Feeds one sample of the shares to the zigzag filters; returns, per arm, the number of reversals
 * among the last `span` samples.
 *
 * @example
 * const reversals = sampleShares(watch, shares, 0.15, 8);
 */
export function sampleShares(w: AllocationWatch, shares: ArrayLike<number>, band: number, span: number): number[] {
  w.samples++;
  return w.zig.map((z, arm) => {
    const s = shares[arm] ?? 0;
    if (z.dir >= 0 && s > z.high) z.high = s;
    if (z.dir <= 0 && s < z.low) z.low = s;
    if (z.dir >= 0 && z.high - s >= band) {
      if (z.dir > 0) z.turns.push(w.samples);
      z.dir = -1;
      z.low = s;
    } else if (z.dir <= 0 && s - z.low >= band) {
      if (z.dir < 0) z.turns.push(w.samples);
      z.dir = 1;
      z.high = s;
    }
    while (z.turns.length && z.turns[0]! <= w.samples - span) z.turns.shift();
    return z.turns.length;
  });
}

/** Forgets the reversals counted so far (after thrashing was reported). */
export function clearTurns(w: AllocationWatch): void {
  for (const z of w.zig) z.turns = [];
}

/**
 * Where each trial of a route stands on the way to its reward: in flight, awaiting feedback (until a
 * deadline), or decided. Indexed by seq in typed arrays (a ring that grows): a route taking 2,000
 * requests a second with a five-minute feedback wait holds 600,000 trials here, a dozen megabytes
 * rather than a Map of objects. Seqs below `base` are all decided.
 */

export const NONE = 0;
export const IN_FLIGHT = 1;
export const AWAITING = 2;
export const DECIDED = 3;

/** What a finished trial contributes to its reward besides the score. */
export interface TrialFacts {
  arm: number;
  cost: number | null;
  latencyMs: number;
}

/**
 * @example
 * const ledger = new Ledger(0);
 * ledger.begin(0, 1);
 * ledger.state(0); // IN_FLIGHT
 */
export class Ledger {
  private base: number;
  private cap = 1024;
  private status = new Uint8Array(this.cap);
  private arms = new Int32Array(this.cap);
  private deadlines = new Float64Array(this.cap);
  private costs = new Float64Array(this.cap);
  private latencies = new Float64Array(this.cap);
  /** A score that arrived while the trial was in flight (NaN: none). */
  private held = new Float64Array(this.cap).fill(NaN);
  /** Awaiting seqs in the order their deadlines fall (feedback waits are constant per route). */
  private queue: number[] = [];
  private head = 0;
  /** One past the highest seq seen. */
  private top: number;

  constructor(firstSeq: number) {
    this.base = firstSeq;
    this.top = firstSeq;
  }

  /** NONE for a seq this ledger never saw or has already let go of (decided long ago). */
  state(seq: number): number {
    const i = seq - this.base;
    return i < 0 || i >= this.cap ? (seq < this.base ? DECIDED : NONE) : this.status[this.slot(seq)]!;
  }

  begin(seq: number, arm: number): void {
    this.ensure(seq);
    const s = this.slot(seq);
    this.status[s] = IN_FLIGHT;
    this.arms[s] = arm;
    this.held[s] = NaN;
  }

  /** A finished trial waits for feedback until `deadline`. */
  await(seq: number, facts: TrialFacts, deadline: number): void {
    this.ensure(seq);
    const s = this.slot(seq);
    this.status[s] = AWAITING;
    this.arms[s] = facts.arm;
    this.costs[s] = facts.cost ?? NaN;
    this.latencies[s] = facts.latencyMs;
    this.deadlines[s] = deadline;
    this.queue.push(seq);
  }

  /** Keeps a score that arrived before the trial finished. */
  hold(seq: number, score: number): void {
    this.held[this.slot(seq)] = score;
  }

  heldScore(seq: number): number | null {
    const v = this.held[this.slot(seq)]!;
    return Number.isNaN(v) ? null : v;
  }

  facts(seq: number): TrialFacts {
    const s = this.slot(seq);
    const cost = this.costs[s]!;
    return { arm: this.arms[s]!, cost: Number.isNaN(cost) ? null : cost, latencyMs: this.latencies[s]! };
  }

  arm(seq: number): number {
    return this.arms[this.slot(seq)]!;
  }

  decide(seq: number): void {
    if (seq < this.base || seq >= this.base + this.cap) return;
    this.status[this.slot(seq)] = DECIDED;
    this.advance();
  }

  /** Awaiting seqs whose deadline is at or before `time`, oldest first (each returned once). */
  expired(time: number): number[] {
    const out: number[] = [];
    while (this.head < this.queue.length) {
      const seq = this.queue[this.head]!;
      if (this.state(seq) !== AWAITING) {
        this.head++;
        continue;
      }
      if (this.deadlines[this.slot(seq)]! > time) break;
      this.head++;
      out.push(seq);
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Trials awaiting feedback now (for /health and tests). */
  awaitingCount(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) if (this.state(this.queue[i]!) === AWAITING) n++;
    return n;
  }

  private slot(seq: number): number {
    return seq % this.cap;
  }

  private ensure(seq: number): void {
    if (seq < this.base) throw new RangeError(`seq ${seq} is below the ledger's base ${this.base}`);
    if (seq >= this.top) this.top = seq + 1;
    if (seq - this.base < this.cap) return;
    let cap = this.cap;
    while (seq - this.base >= cap) cap *= 2;
    const grow = <T extends Uint8Array | Int32Array | Float64Array>(old: T, make: (n: number) => T, fill?: number): T => {
      const next = make(cap);
      if (fill !== undefined) next.fill(fill as never);
      for (let q = this.base; q < this.base + this.cap; q++) next[q % cap] = old[q % this.cap]!;
      return next;
    };
    this.status = grow(this.status, (n) => new Uint8Array(n));
    this.arms = grow(this.arms, (n) => new Int32Array(n));
    this.deadlines = grow(this.deadlines, (n) => new Float64Array(n));
    this.costs = grow(this.costs, (n) => new Float64Array(n));
    this.latencies = grow(this.latencies, (n) => new Float64Array(n));
    this.held = grow(this.held, (n) => new Float64Array(n), NaN);
    this.cap = cap;
  }

  /** Frees the slots of decided seqs at the bottom, so the ring reuses them. */
  private advance(): void {
    while (this.base < this.top) {
      const s = this.slot(this.base);
      const st = this.status[s]!;
      if (st === IN_FLIGHT || st === AWAITING) return;
      this.status[s] = NONE;
      this.held[s] = NaN;
      this.base++;
    }
  }
}

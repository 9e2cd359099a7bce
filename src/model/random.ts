/**
 * A seeded pseudo-random source. Every random choice in meta-orchestrator comes from one of these,
 * so a run with the same seed makes the same choices (see DESIGN.md, invariants).
 *
 * @example
 * const rng = createRandom(42);
 * rng.next(); // a float in [0, 1), the same for seed 42 every time
 */
export interface Random {
  /** A float uniformly distributed in [0, 1). */
  next(): number;
  /** An integer uniformly distributed in [0, n). */
  int(n: number): number;
  /** A standard normal draw. */
  normal(): number;
  /** An independent generator derived from this one's seed and a label (stable across runs). */
  fork(label: string | number): Random;
}

/** 32-bit FNV-1a over the parts' string forms: stable seeds from names and numbers. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) h = mix(h, part);
  return h >>> 0;
}

/**
 * hashSeed(seed, n) for many n: the seed's part is hashed once. Engines derive one seed per trial
 * this way; the values are exactly hashSeed's.
 *
 * @example
 * const seedOf = seedHasher(42); seedOf(7) === hashSeed(42, 7); // true
 */
export function seedHasher(...prefix: (string | number)[]): (n: number) => number {
  let start = 0x811c9dc5;
  for (const part of prefix) start = mix(start, part);
  return (n) => mix(start, n) >>> 0;
}

/**
 * The seed of `createRandom(seed).fork(label)`, without making the parent: a trial's first attempt
 * draws from a fork, and most trials need nothing else.
 *
 * @example
 * createRandom(forkSeed(7, 1)).next() === createRandom(7).fork(1).next(); // true
 */
export function forkSeed(seed: number, label: string | number): number {
  return mix(mix(0x811c9dc5, seed), label) >>> 0;
}

/** A number's decimal digits, lowest first: scratch space for `mix` (one call at a time). */
const DIGITS = new Int32Array(10);

/**
 * One FNV-1a part: its characters, then the separator. Non-negative integers below 10^10 (seeds,
 * seqs: several per trial; a seed is any 32-bit value) hash their decimal digits without making the
 * string: the same value as hashing String(part). The digits are taken from the bottom in int32
 * arithmetic, where a division by the constant 10 compiles to a multiplication (by a power of ten
 * chosen at run time, as before, it was a float division per digit).
 */
function mix(h: number, part: string | number): number {
  if (typeof part === 'number' && part >= 0 && part < 1e10 && Math.floor(part) === part) {
    let k = 0;
    let n = part;
    if (n >= 1e9) {
      // Ten digits: the top one apart, so the other nine fit an int32.
      const top = Math.floor(n / 1e9);
      n -= top * 1e9;
      for (let i = 0; i < 9; i++) {
        const q = (n / 10) | 0;
        DIGITS[k++] = n - q * 10;
        n = q;
      }
      DIGITS[k++] = top;
    } else {
      do {
        const q = (n / 10) | 0;
        DIGITS[k++] = n - q * 10;
        n = q;
      } while (n !== 0);
    }
    while (k > 0) {
      h ^= 48 + DIGITS[--k]!;
      h = Math.imul(h, 0x01000193);
    }
  } else {
    const s = String(part);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= 0x2c; // separator so ("ab","c") differs from ("a","bc")
  return Math.imul(h, 0x01000193);
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * xoshiro128** seeded through splitmix32: fast, small state, good statistical quality.
 *
 * @example
 * const a = createRandom(7).fork('variant-a');
 */
export function createRandom(seed: number): Random {
  return new Xoshiro128(seed);
}

/** A class rather than closures: one is created per trial and attempt, so its size matters. */
class Xoshiro128 implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(private readonly seed: number) {
    const init = splitmix32(seed);
    this.a = init();
    this.b = init();
    this.c = init();
    this.d = init();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  private nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  next = (): number => this.nextUint32() / 4294967296;

  int(n: number): number {
    return Math.floor((this.nextUint32() / 4294967296) * n);
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    // Marsaglia polar method: two normals per accepted pair.
    let u: number, v: number, s: number;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  fork(label: string | number): Random {
    return new Xoshiro128(forkSeed(this.seed, label));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

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
  for (const part of parts) {
    const s = String(part);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x2c; // separator so ("ab","c") differs from ("a","bc")
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
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
  const init = splitmix32(seed);
  let a = init(), b = init(), c = init(), d = init();
  if ((a | b | c | d) === 0) a = 1;
  let spareNormal: number | null = null;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = rotl(d, 11);
    return result;
  };

  const rng: Random = {
    next: () => nextUint32() / 4294967296,
    int: (n) => Math.floor((nextUint32() / 4294967296) * n),
    normal: () => {
      if (spareNormal !== null) {
        const v = spareNormal;
        spareNormal = null;
        return v;
      }
      // Marsaglia polar method: two normals per accepted pair.
      let u: number, v: number, s: number;
      do {
        u = rng.next() * 2 - 1;
        v = rng.next() * 2 - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      spareNormal = v * m;
      return u * m;
    },
    fork: (label) => createRandom(hashSeed(seed, label)),
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

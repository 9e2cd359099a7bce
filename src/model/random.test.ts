import { describe, expect, it } from 'vitest';
import { createRandom, forkSeed, hashSeed, seedHasher } from './random.js';

describe('createRandom', () => {
  it('is deterministic for a seed and differs between seeds and forks', () => {
    const a = Array.from({ length: 5 }, createRandom(42).next);
    expect(Array.from({ length: 5 }, createRandom(42).next)).toEqual(a);
    expect(Array.from({ length: 5 }, createRandom(43).next)).not.toEqual(a);
    const root = createRandom(42);
    expect(root.fork('x').next()).toBe(createRandom(42).fork('x').next());
    expect(root.fork('x').next()).not.toBe(root.fork('y').next());
    expect(createRandom(forkSeed(42, 1)).next()).toBe(root.fork(1).next());
  });

  it('draws uniform floats in [0, 1), integers in [0, n) and standard normals', () => {
    const rng = createRandom(7);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      counts[rng.int(10)]! += 1;
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    for (const c of counts) expect(Math.abs(c - n / 10)).toBeLessThan(5 * Math.sqrt(n / 10));
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.03);
  });

  it('hashes seed parts stably, with separators that matter', () => {
    expect(hashSeed('run', 3)).toBe(hashSeed('run', 3));
    expect(hashSeed('ab', 'c')).not.toBe(hashSeed('a', 'bc'));
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1));
    // Numbers hash as their decimal strings (the fast path for integers must not change a stored seed).
    for (const n of [0, 7, 9, 10, 99, 100, 123_456, 999_999_999, 1e9, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 3_757_515_217, 9_999_999_999, 1e10, 1e10 + 1, -3, -0, 1.5, 4e9 + 0.5, 1e21]) {
      expect(forkSeed(n, 1)).toBe(hashSeed(String(n), '1'));
      expect(hashSeed(42, n)).toBe(hashSeed('42', String(n)));
      expect(seedHasher(42, 'choose')(n)).toBe(hashSeed(42, 'choose', n));
    }
    // Every digit count, and random values of each: the digits are taken in int32 pieces.
    const rng = createRandom(9);
    for (let digits = 1; digits <= 10; digits++) {
      for (let i = 0; i < 200; i++) {
        const n = Math.floor(10 ** (digits - 1) + rng.next() * (10 ** digits - 10 ** (digits - 1)));
        expect(forkSeed(n, 1)).toBe(hashSeed(String(n), '1'));
        expect(hashSeed(n, n + 1)).toBe(hashSeed(String(n), String(n + 1)));
      }
    }
    expect(hashSeed(7, 3)).toBe(3757515217); // the value every existing run's trial 3 was seeded with
  });
});

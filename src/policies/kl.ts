/** Keeps logarithms finite at the edges of [0, 1]. */
const EPS = 1e-15;

/**
 * Kullback-Leibler divergence between Bernoulli(p) and Bernoulli(q).
 *
 * @example
 * klBernoulli(0.4, 0.5); // 0.0201...
 */
export function klBernoulli(p: number, q: number): number {
  const pp = Math.min(Math.max(p, EPS), 1 - EPS);
  const qq = Math.min(Math.max(q, EPS), 1 - EPS);
  return pp * Math.log(pp / qq) + (1 - pp) * Math.log((1 - pp) / (1 - qq));
}

/**
 * The KL-UCB index: the largest q in [mean, 1] with count * KL(mean, q) <= budget (Garivier and Cappe,
 * 2011). Newton's method started at Pinsker's bound, which is never below the root, so the iterates
 * fall monotonically onto it in a handful of steps (bisection would need about 40).
 *
 * @example
 * klUcbIndex(0.4, 100, Math.log(1000)); // 0.55...
 */
export function klUcbIndex(mean: number, count: number, budget: number): number {
  if (count <= 0) return 1;
  const p = Math.min(Math.max(mean, 0), 1);
  const level = budget / count;
  if (level <= 0 || p >= 1) return p;
  let q = Math.min(p + Math.sqrt(level / 2), 1 - 1e-12);
  if (klBernoulli(p, q) <= level) return q === 1 - 1e-12 ? 1 : q;
  for (let i = 0; i < 50; i++) {
    const f = klBernoulli(p, q) - level;
    // d/dq KL(p, q) = (q - p) / (q (1 - q)), positive on (p, 1).
    const step = (f * q * (1 - q)) / (q - p);
    q -= step;
    if (step < 1e-12) break;
  }
  return Math.max(q, p);
}

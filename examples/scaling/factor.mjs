// Two module variants for examples/scaling: the smallest prime factor of input.n.

/** Divides by 2, 3, 5, ... up to the square root: fast. */
export function trialDivision(input) {
  const n = Number(input.n);
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return String(d);
  return String(n);
}

/** Sieves the numbers up to n until it meets a factor: right too, but milliseconds of CPU per call. */
export function slowSieve(input) {
  const n = Number(input.n);
  const composite = new Uint8Array(n + 1);
  for (let i = 2; i <= n; i++) {
    if (composite[i]) continue;
    if (n % i === 0) return String(i);
    for (let j = i * i; j <= n; j += i) composite[j] = 1;
  }
  return String(n);
}

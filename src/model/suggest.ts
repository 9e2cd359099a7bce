/**
 * "Did you mean" for misspelt keys, names and files: the closest candidate by edit distance (with
 * transpositions, so `tempreature` finds `temperature`), or by case alone.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The candidate closest to `input`, when it is close enough to be a likely typo: the same ignoring
 * case, or within about a third of its length in edits (at least 1, at most 3).
 *
 * @example
 * closest('temprature', ['temperature', 'topP']); // 'temperature'
 * closest('xyz', ['temperature']); // undefined
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(input.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const c = candidate.toLowerCase();
    const distance = c === lower ? 0.5 : editDistance(lower, c);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/**
 * `; did you mean 'x'?` when a close candidate exists, else an empty string: appended to a message.
 *
 * @example
 * `unknown adapter 'opneai'${didYouMean('opneai', adapterKinds)}`; // "unknown adapter 'opneai'; did you mean 'openai'?"
 */
export function didYouMean(input: string, candidates: Iterable<string>, show: (name: string) => string = (name) => `'${name}'`): string {
  const match = closest(input, candidates);
  return match === undefined ? '' : `; did you mean ${show(match)}?`;
}

/**
 * Secret redaction that also catches pieces of a secret: any run of {@link FRAGMENT} or more
 * characters copied out of a secret is blanked, wherever the text was cut (a 2 KB stderr tail that
 * starts mid-key, a parse error quoting the first 10 characters of a body, a server echoing the last
 * 8 of a key). Shorter secrets (4 or 5 characters) are blanked only whole; secrets under 4 characters
 * are skipped, since blanking single letters would garble every message and they cannot be real keys.
 *
 * It runs on every output of every trial, so it is sublinear on ordinary text: a Wu-Manber scan over
 * the secrets' windows of FRAGMENT characters reads about one position in five and compares characters
 * only where a window could end. Text shorter than a window costs nothing.
 */

/** Shortest piece of a secret that is blanked wherever it appears. */
export const FRAGMENT = 6;
/** Secrets shorter than this are not treated as secrets at all. */
const MIN_SECRET = 4;

/** A function that blanks every secret, and every piece of one of FRAGMENT characters or more. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor for the given secret values; `mask` replaces each secret or piece of one.
 *
 * @example
 * const redact = createRedactor(['sk-live-0123456789abcdef']);
 * redact('stderr: ...89abcdef'); // 'stderr: ...***'
 */
export function createRedactor(secrets: Iterable<string>, mask = '***'): Redactor {
  const values = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET);
  if (values.length === 0) return (text) => text;
  const short = values.filter((s) => s.length < FRAGMENT).sort((a, b) => b.length - a.length);
  const windows = new Set<string>();
  for (const s of values) if (s.length >= FRAGMENT) for (let i = 0; i + FRAGMENT <= s.length; i++) windows.add(s.slice(i, i + FRAGMENT));
  const shift = shiftTable(windows);
  return (text) => {
    let out = windows.size > 0 && text.length >= FRAGMENT ? blankWindows(text, windows, shift, mask) : text;
    for (const s of short) if (out.includes(s)) out = out.split(s).join(mask);
    return out;
  };
}

/**
 * Wu-Manber's shift table over pairs of characters (folded to their low bytes, so 64 K entries): for
 * the pair ending at some position, how far the scan may jump without skipping a window that ends in
 * a secret's window. A pair in no window allows FRAGMENT - 1; a pair that ends a window allows 0
 * (compare there). Folding only merges pairs, keeping the smallest shift, so nothing is ever missed.
 */
function shiftTable(windows: Set<string>): Uint8Array {
  const table = new Uint8Array(1 << 16).fill(FRAGMENT - 1);
  for (const w of windows) {
    for (let j = 0; j + 1 < FRAGMENT; j++) {
      const pair = pairAt(w, j + 1);
      table[pair] = Math.min(table[pair]!, FRAGMENT - 2 - j);
    }
  }
  return table;
}

function pairAt(text: string, end: number): number {
  return ((text.charCodeAt(end - 1) & 0xff) << 8) | (text.charCodeAt(end) & 0xff);
}

/**
 * Replaces every stretch of text covered by a secret's window with one mask. The scan looks at the
 * last two characters of each candidate window and jumps ahead by the shift table: on ordinary text
 * it reads about one position in five, and compares characters only where a window could end.
 */
function blankWindows(text: string, windows: Set<string>, shift: Uint8Array, mask: string): string {
  let covered: number[] | null = null;
  let coveredTo = -1;
  for (let end = FRAGMENT - 1; end < text.length; ) {
    const jump = shift[pairAt(text, end)]!;
    if (jump > 0) {
      end += jump;
      continue;
    }
    const start = end - FRAGMENT + 1;
    if (windows.has(text.slice(start, end + 1))) {
      covered ??= [];
      // Overlapping or touching windows make one stretch, so a whole key becomes a single mask.
      if (start <= coveredTo) covered[covered.length - 1] = end + 1;
      else covered.push(start, end + 1);
      coveredTo = end + 1;
    }
    end += 1;
  }
  if (covered === null) return text;
  let out = '';
  let from = 0;
  for (let k = 0; k < covered.length; k += 2) {
    out += text.slice(from, covered[k]) + mask;
    from = covered[k + 1]!;
  }
  return out + text.slice(from);
}

/**
 * True when `text` still holds a secret or a piece of one of FRAGMENT characters or more: what tests
 * assert about every output, and what a reviewer can run over a store.
 *
 * @example
 * leaksSecret('key tail: 89abcdef', ['sk-live-0123456789abcdef']); // true
 */
export function leaksSecret(text: string, secrets: Iterable<string>): boolean {
  for (const s of secrets) {
    if (s.length < MIN_SECRET) continue;
    if (s.length < FRAGMENT) {
      if (text.includes(s)) return true;
      continue;
    }
    for (let i = 0; i + FRAGMENT <= s.length; i++) if (text.includes(s.slice(i, i + FRAGMENT))) return true;
  }
  return false;
}

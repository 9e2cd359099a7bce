/**
 * Secret redaction that also catches pieces of a secret: any run of {@link FRAGMENT} or more
 * characters copied out of a secret is blanked, wherever the text was cut (a 2 KB stderr tail that
 * starts mid-key, a parse error quoting the first 10 characters of a body, a server echoing the last
 * 8 of a key). Shorter secrets (4 or 5 characters) are blanked only whole; secrets under 4 characters
 * are skipped, since blanking single letters would garble every message and they cannot be real keys.
 *
 * It runs on every output of every trial, so it is linear in the text: a rolling hash over each window
 * of FRAGMENT characters is looked up in a bitmap of the secrets' windows, and only a bitmap hit (rare)
 * compares characters. Text shorter than a window costs nothing.
 */

/** Shortest piece of a secret that is blanked wherever it appears. */
export const FRAGMENT = 6;
/** Secrets shorter than this are not treated as secrets at all. */
const MIN_SECRET = 4;
const BASE = 0x01000193;
/** Bitmap of window hashes: 2^16 bits (8 KB), indexed by the hash's high 16 bits. */
const TABLE_BITS = 16;

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
  const table = new Uint32Array(1 << (TABLE_BITS - 5));
  for (const w of windows) {
    const slot = windowHash(w, 0) >>> (32 - TABLE_BITS);
    table[slot >>> 5]! |= 1 << (slot & 31);
  }
  const topPower = power(BASE, FRAGMENT - 1);
  return (text) => {
    let out = windows.size > 0 && text.length >= FRAGMENT ? blankWindows(text, windows, table, topPower, mask) : text;
    for (const s of short) if (out.includes(s)) out = out.split(s).join(mask);
    return out;
  };
}

/** Replaces every stretch of text covered by a secret's window with one mask. */
function blankWindows(text: string, windows: Set<string>, table: Uint32Array, topPower: number, mask: string): string {
  let h = windowHash(text, 0);
  let covered: number[] | null = null;
  let coveredTo = -1;
  for (let i = 0; ; i++) {
    const slot = h >>> (32 - TABLE_BITS);
    if ((table[slot >>> 5]! & (1 << (slot & 31))) !== 0 && windows.has(text.slice(i, i + FRAGMENT))) {
      covered ??= [];
      // Overlapping or touching windows make one stretch, so a whole key becomes a single mask.
      if (i <= coveredTo) covered[covered.length - 1] = i + FRAGMENT;
      else covered.push(i, i + FRAGMENT);
      coveredTo = i + FRAGMENT;
    }
    if (i + FRAGMENT >= text.length) break;
    h = (Math.imul(h - Math.imul(text.charCodeAt(i), topPower), BASE) + text.charCodeAt(i + FRAGMENT)) | 0;
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

function windowHash(text: string, start: number): number {
  let h = 0;
  for (let i = start; i < start + FRAGMENT; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

function power(base: number, exponent: number): number {
  let p = 1;
  for (let i = 0; i < exponent; i++) p = Math.imul(p, base);
  return p;
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

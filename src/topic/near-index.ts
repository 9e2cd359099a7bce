import { hash64 } from './key-set.js';
import { DEFAULT_NEAR, isNear, type NearThresholds } from './similarity.js';

/**
 * The near-duplicate index: every stored item's character trigrams (of its canonical string) in an
 * inverted index, queried with prefix filtering. A pair with trigram Jaccard J ≥ θ shares at least
 * ⌈θ|x|⌉ of the query's |x| trigrams, so probing the |x| − ⌈θ|x|⌉ + 1 rarest of them finds every such
 * pair (no probabilistic misses, unlike MinHash/LSH) while skipping the long lists of common
 * trigrams. Candidates pass a length filter, then the exact Jaccard and the word test of
 * similarity.ts.
 *
 * Memory is typed arrays only: the canonical strings as UTF-16 in one pool, posting lists of item
 * numbers (ascending, so stored as varint gaps: about 1.5 bytes an entry instead of 4), a few numbers
 * per item (about 150 bytes per item in all at a million items).
 *
 * @example
 * const index = new NearIndex();
 * index.add(['eiffel', 'tower'], '');
 * index.find(['eifel', 'tower'], ''); // 0: the first item
 */
export class NearIndex {
  private readonly gramIds = new Map<number, number>();
  /** Per trigram: its items' numbers as gaps from the previous one, 7 bits a byte (LEB128). */
  private postings: Uint8Array[] = [];
  private postingBytes = new Int32Array(1024);
  /** Per trigram: how many items it lists (its document frequency) and the last one. */
  private postingLength = new Int32Array(1024);
  private postingLast = new Int32Array(1024);
  private chars = new Uint16Array(1 << 16);
  private charsUsed = 0;
  private starts = new Uint32Array(1024);
  private ends = new Uint32Array(1024);
  private numbers = new Uint32Array(1024);
  private gramCounts = new Uint16Array(1024);
  private seen = new Int32Array(1024);
  private query = 0;
  private count = 0;

  constructor(private readonly thresholds: NearThresholds = DEFAULT_NEAR) {}

  get size(): number {
    return this.count;
  }

  /** Stores an item (its canonical words and number signature); returns its number (0, 1, ...). */
  add(words: readonly string[], numbers: string): number {
    const text = words.join(' ');
    const grams = trigrams(text);
    const id = this.count++;
    this.ensureItems(this.count);
    this.starts[id] = this.charsUsed;
    this.appendChars(text);
    this.ends[id] = this.charsUsed;
    this.numbers[id] = numberHash(numbers);
    this.gramCounts[id] = Math.min(grams.length, 65535);
    for (const code of grams) this.post(code, id);
    // A marker per number the item names: a query naming numbers probes only the rarest marker's
    // list, since a near-duplicate must name the same numbers (markers are not trigrams: they are
    // not counted in any Jaccard).
    if (numbers !== '') for (const run of new Set(numbers.split(' '))) this.post(numberMarker(run), id);
    return id;
  }

  /** Adds `id` to the posting list of `code`, creating the list. */
  private post(code: number, id: number): void {
    let gid = this.gramIds.get(code);
    if (gid === undefined) {
      gid = this.postings.length;
      this.gramIds.set(code, gid);
      this.postings.push(new Uint8Array(8));
      if (gid >= this.postingLength.length) {
        this.postingLength = grow32(this.postingLength, gid + 1);
        this.postingBytes = grow32(this.postingBytes, gid + 1);
        this.postingLast = grow32(this.postingLast, gid + 1);
      }
      this.postingLast[gid] = -1;
    }
    let list = this.postings[gid]!;
    let at = this.postingBytes[gid]!;
    // Room for the longest gap (5 bytes for 32 bits).
    if (at + 5 > list.length) {
      // Grown by a quarter: the lists hold most of the index's memory, and a smaller step leaves less
      // unused room at the end of each (about 10% in all, against 25% growing by half) for a few
      // more copies, which are cheap next to a query.
      const bigger = new Uint8Array(Math.ceil(list.length * 1.25) + 8);
      bigger.set(list.subarray(0, at));
      this.postings[gid] = list = bigger;
    }
    let gap = id - this.postingLast[gid]!;
    while (gap >= 0x80) {
      list[at++] = (gap & 0x7f) | 0x80;
      gap >>>= 7;
    }
    list[at++] = gap;
    this.postingBytes[gid] = at;
    this.postingLast[gid] = id;
    this.postingLength[gid]! += 1;
  }

  /** The first stored item that is a near-duplicate of these words, or -1. */
  find(words: readonly string[], numbers: string): number {
    for (const { id, jaccard } of this.candidates(words.join(' '), this.thresholds.jaccard, numberHash(numbers), numbers)) {
      if (isNear(words, this.words(id), jaccard, this.thresholds)) return id;
    }
    return -1;
  }

  /**
   * Stored items whose trigram Jaccard with these words is at least `minJaccard`, most similar first,
   * at most `limit`: the neighbours a semantic layer is asked about.
   */
  neighbours(words: readonly string[], minJaccard: number, limit: number): { id: number; jaccard: number }[] {
    return [...this.candidates(words.join(' '), minJaccard, null)].sort((a, b) => b.jaccard - a.jaccard || a.id - b.id).slice(0, limit);
  }

  /** The canonical words of stored item `id`. */
  words(id: number): string[] {
    return this.text(id).split(' ');
  }

  /** Bytes held by the index's arrays (the trigram map aside). */
  bytes(): number {
    let postings = 0;
    for (const list of this.postings) postings += list.byteLength;
    return postings + this.chars.byteLength + this.starts.byteLength * 2 + this.numbers.byteLength + this.gramCounts.byteLength + this.seen.byteLength + this.postingLength.byteLength * 3;
  }

  private *candidates(text: string, theta: number, numbers: number | null, numberRuns = ''): Generator<{ id: number; jaccard: number }> {
    const grams = trigrams(text);
    const size = grams.length;
    const lengthOf = (code: number) => {
      const gid = this.gramIds.get(code);
      return gid === undefined ? 0 : this.postingLength[gid]!;
    };
    let probeCodes: number[];
    if (numbers !== null && numberRuns !== '') {
      // Every candidate names the query's numbers: the rarest number's marker list holds them all.
      const markers = [...new Set(numberRuns.split(' '))].map(numberMarker);
      probeCodes = [markers.reduce((best, m) => (lengthOf(m) < lengthOf(best) ? m : best))];
    } else {
      const df = Array.from(grams, lengthOf);
      const order = Array.from(grams, (_, i) => i).sort((a, b) => df[a]! - df[b]!);
      probeCodes = order.slice(0, size - Math.ceil(theta * size) + 1).map((i) => grams[i]!);
    }
    if (++this.query === 0x7fffffff) {
      this.seen.fill(0);
      this.query = 1;
    }
    const lowest = Math.ceil(theta * size - 1e-9);
    const highest = theta > 0 ? Math.floor(size / theta + 1e-9) : Infinity;
    for (const code of probeCodes) {
      const gid = this.gramIds.get(code);
      if (gid === undefined) continue;
      const list = this.postings[gid]!;
      const bytes = this.postingBytes[gid]!;
      let id = -1;
      for (let k = 0; k < bytes; ) {
        let gap = 0;
        let shift = 0;
        let byte: number;
        do {
          byte = list[k++]!;
          gap |= (byte & 0x7f) << shift;
          shift += 7;
        } while (byte & 0x80);
        id += gap >>> 0;
        if (this.seen[id] === this.query) continue;
        this.seen[id] = this.query;
        const other = this.gramCounts[id]!;
        if (other < lowest || other > highest) continue;
        if (numbers !== null && this.numbers[id] !== numbers) continue;
        const jaccard = jaccardOfSorted(grams, trigrams(this.text(id)));
        if (jaccard >= theta) yield { id, jaccard };
      }
    }
  }

  private text(id: number): string {
    let s = '';
    const end = this.ends[id]!;
    for (let i = this.starts[id]!; i < end; i += 4096) s += String.fromCharCode(...this.chars.subarray(i, Math.min(end, i + 4096)));
    return s;
  }

  private appendChars(text: string): void {
    if (this.charsUsed + text.length > this.chars.length) {
      // A quarter more each time, not double: the pool is the largest single array (about 50 MB at a
      // million items), so doubling could leave half of it unused.
      const bigger = new Uint16Array(Math.max(Math.ceil(this.chars.length * 1.25), this.charsUsed + text.length));
      bigger.set(this.chars);
      this.chars = bigger;
    }
    for (let i = 0; i < text.length; i++) this.chars[this.charsUsed + i] = text.charCodeAt(i);
    this.charsUsed += text.length;
  }

  private ensureItems(n: number): void {
    if (n <= this.starts.length) return;
    const size = Math.max(n, this.starts.length * 2);
    this.starts = grow32u(this.starts, size);
    this.ends = grow32u(this.ends, size);
    this.numbers = grow32u(this.numbers, size);
    const counts = new Uint16Array(size);
    counts.set(this.gramCounts);
    this.gramCounts = counts;
    this.seen = grow32(this.seen, size);
  }
}

/**
 * The distinct character trigrams of ` text ` (padded, so word starts and ends count), each as an
 * exact number c1·2³² + c2·2¹⁶ + c3, sorted.
 *
 * @example
 * trigrams('ab'); // codes of ' ab', 'ab '
 */
export function trigrams(text: string): Float64Array {
  // ` text ` has text.length trigrams; a numeric typed-array sort needs no comparator.
  const count = text.length;
  const codes = new Float64Array(count);
  let a = 32;
  let b = count > 0 ? text.charCodeAt(0) : 32;
  for (let i = 1; i <= count; i++) {
    const c = i < count ? text.charCodeAt(i) : 32;
    codes[i - 1] = a * 4294967296 + b * 65536 + c;
    a = b;
    b = c;
  }
  codes.sort();
  let w = 0;
  for (let i = 0; i < count; i++) if (i === 0 || codes[i] !== codes[w - 1]) codes[w++] = codes[i]!;
  return codes.subarray(0, w);
}

/** Jaccard similarity of two sorted lists of distinct numbers. */
export function jaccardOfSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0;
  let j = 0;
  let both = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      both++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  const union = a.length + b.length - both;
  return union === 0 ? 1 : both / union;
}

/** Codes above every trigram code (< 2^49): 65,536 buckets of numbers by hash (candidates are filtered by their numbers anyway). */
const NUMBER_MARKERS = 2 ** 52;
function numberMarker(run: string): number {
  return NUMBER_MARKERS + (hash64(run)[1] & 0xffff);
}

function numberHash(numbers: string): number {
  return numbers === '' ? 0 : hash64(numbers)[1];
}

function grow32(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(size, a.length * 2));
  b.set(a);
  return b;
}

function grow32u(a: Uint32Array, size: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(size);
  b.set(a);
  return b;
}

/**
 * Duplicate ids among millions, in 8 bytes per id: each id is kept as a 53-bit digest only. Digests
 * that occur more than once name the candidates (true duplicates, or, about once in a thousand
 * datasets of 3 million ids, two ids with the same digest); the caller confirms them exactly by
 * reading those ids again. An exact set of 3 million ids (IdSet) costs over 100 MB.
 *
 * @example
 * const d = new IdDigests(); d.add('t1'); d.add('t2'); d.add('t1');
 * d.candidates().has(IdDigests.of('t1')); // true
 */
export class IdDigests {
  private digests = new Float64Array(1024);
  private count = 0;

  /** The digest of an id: two 32-bit hashes folded into the 53 bits a double holds exactly. */
  static of(id: string): number {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
    b ^= b >>> 16;
    return (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
  }

  add(id: string): void {
    if (this.count === this.digests.length) {
      const grown = new Float64Array(Math.ceil(this.digests.length * 1.5));
      grown.set(this.digests);
      this.digests = grown;
    }
    this.digests[this.count++] = IdDigests.of(id);
  }

  /** Digests seen more than once. Sorts the digests in place: call it once, after the last add. */
  candidates(): Set<number> {
    const sorted = this.digests.subarray(0, this.count).sort();
    const out = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) out.add(sorted[i]!);
    return out;
  }
}

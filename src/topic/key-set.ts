/**
 * A set of strings held as 64-bit hashes in typed arrays (open addressing, linear probing): about 16
 * bytes per member at most, and no object per member, so a million keys cost ~16 MB and no GC work.
 * Two different strings share a 64-bit hash with probability ~n²/2^65 (3·10⁻⁸ at a million): the
 * only effect would be one distinct item taken for a duplicate.
 *
 * @example
 * const set = new KeySet();
 * set.add('eiffel tower'); // true (new)
 * set.has('eiffel tower'); // true
 */
export class KeySet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    const [h, l] = hash64(key);
    return this.find(h, l) >= 0;
  }

  /** Adds the key; false when it was already there. */
  add(key: string): boolean {
    const [h, l] = hash64(key);
    if (this.find(h, l) >= 0) return false;
    if ((this.count + 1) * 2 > this.hi.length) this.grow();
    this.insert(h, l);
    this.count++;
    return true;
  }

  /** Bytes held by the tables. */
  bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  private find(h: number, l: number): number {
    for (let i = (l ^ h) & this.mask; ; i = (i + 1) & this.mask) {
      const a = this.hi[i]!;
      const b = this.lo[i]!;
      if (a === 0 && b === 0) return -1;
      if (a === h && b === l) return i;
    }
  }

  private insert(h: number, l: number): void {
    let i = (l ^ h) & this.mask;
    while (this.hi[i] !== 0 || this.lo[i] !== 0) i = (i + 1) & this.mask;
    this.hi[i] = h;
    this.lo[i] = l;
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.mask = this.hi.length - 1;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i]!, lo[i]!);
  }
}

/**
 * Two independent 32-bit hashes of a string's UTF-16 code units (FNV-1a and a murmur3-style mix);
 * never both zero, which marks an empty slot.
 *
 * @example
 * const [hi, lo] = hash64('louvre');
 */
export function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    let k = Math.imul(c, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    b ^= Math.imul(k, 0x1b873593);
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }
  b ^= b >>> 16;
  b = Math.imul(b, 0x85ebca6b);
  b ^= b >>> 13;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  a >>>= 0;
  b >>>= 0;
  return a === 0 && b === 0 ? [0, 1] : [a, b];
}

/**
 * An exact map from strings (task ids) to small numbers (where each was first seen), in about 25
 * bytes per entry: the characters sit in one growing byte buffer (one byte each for the usual ASCII
 * ids) and an open-addressing table of entry numbers finds them. A JS Map of 3 million ids costs
 * about 250 MB; this about 80 MB, freed once validation is done. Used to find duplicate ids while a
 * large dataset streams past. The first ids go in a plain Map, which hashes natively: a run of a
 * few thousand tasks checks its ids before the JIT has compiled the byte-level code below.
 *
 * @example
 * const ids = new IdSet(); ids.add('t1', 0); // -1: new
 * ids.add('t1', 5); // 0: already there, first seen at 0
 */
export class IdSet {
  private bytes: Uint8Array = new Uint8Array(1 << 16);
  private used = 0;
  /** Per entry: where its bytes start (its end is the next entry's start, or `used`), its hash, its number. */
  private starts: Uint32Array = new Uint32Array(1024);
  private hashes: Uint32Array = new Uint32Array(1024);
  private values: Uint32Array = new Uint32Array(1024);
  private count = 0;
  /** Slot -> entry index + 1 (0: empty). */
  private table = new Int32Array(2048);
  /** The ids while they are few (null once moved to the compact form). */
  private small: Map<string, number> | null = new Map();

  get size(): number {
    return this.small ? this.small.size : this.count;
  }

  /** The number `id` was added with, or -1. */
  get(id: string): number {
    return this.small ? (this.small.get(id) ?? -1) : this.find(id, false, 0);
  }

  /** Adds `id` with `value`, unless it is there: returns -1 when added, else the value it has. */
  add(id: string, value: number): number {
    const small = this.small;
    if (!small) return this.find(id, true, value);
    const had = small.get(id);
    if (had !== undefined) return had;
    if (small.size < SMALL_IDS) {
      small.set(id, value);
      return -1;
    }
    this.small = null;
    for (const [k, v] of small) this.find(k, true, v);
    return this.find(id, true, value);
  }

  private find(id: string, insert: boolean, value: number): number {
    if (this.count * 4 >= this.table.length * 3) this.rehash(this.table.length * 2);
    const length = this.encode(id);
    const start = this.used;
    const h = hash(this.bytes, start, length);
    const mask = this.table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot]! - 1;
      if (entry < 0) {
        if (!insert) return -1;
        if (this.count === this.starts.length) {
          this.starts = grow(this.starts);
          this.hashes = grow(this.hashes);
          this.values = grow(this.values);
        }
        this.starts[this.count] = start;
        this.hashes[this.count] = h;
        this.values[this.count] = value;
        this.table[slot] = ++this.count;
        this.used += length;
        return -1;
      }
      if (this.hashes[entry] !== h) continue;
      const a = this.starts[entry]!;
      const b = entry + 1 < this.count ? this.starts[entry + 1]! : this.used;
      if (b - a === length && equal(this.bytes, a, start, length)) return this.values[entry]!;
    }
  }

  /** Writes `id`'s UTF-8 bytes after the used part (not yet counted as used); returns their length. */
  private encode(id: string): number {
    const room = this.bytes.length - this.used;
    if (room < id.length * 3) {
      const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.used + id.length * 3));
      bigger.set(this.bytes.subarray(0, this.used));
      this.bytes = bigger;
    }
    const at = this.used;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      if (c >= 0x80) return ENCODER.encodeInto(id, this.bytes.subarray(at)).written;
      this.bytes[at + i] = c;
    }
    return id.length;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size);
    const mask = size - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = this.hashes[entry]! & mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & mask;
      this.table[slot] = entry + 1;
    }
  }
}

const ENCODER = new TextEncoder();

/** Ids kept in a Map before moving to the compact form: about 5 MB of Map. */
const SMALL_IDS = 50_000;

function grow(a: Uint32Array): Uint32Array {
  const grown = new Uint32Array(a.length * 2);
  grown.set(a);
  return grown;
}

function equal(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/** FNV-1a over the bytes, with a final mix so that ids differing only at the end spread over the table. */
function hash(bytes: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

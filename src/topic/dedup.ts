import { KeySet } from './key-set.js';
import { NearIndex } from './near-index.js';
import { canonicalOf, exactKey, keyWords, numberSignature } from './normalise.js';
import { DEFAULT_NEAR, type NearThresholds } from './similarity.js';

/** Which layer found an item to be a duplicate. */
export type DuplicateLayer = 'exact' | 'near' | 'semantic';

/** What offering an item to the deduplicator found. */
export interface Verdict {
  /** True when the item was new (and is now stored). */
  isNew: boolean;
  /** The layer that recognised a duplicate; null for a new item. */
  layer: DuplicateLayer | null;
  /** The stored item it duplicates (0-based, in the order items were found), when the layer knows it. */
  of: number | null;
}

/**
 * The optional semantic layer: for the hard cases the string layers miss (translations, synonyms),
 * an embedding model or a judge variant decides. Pluggable: `src/topic/semantic.ts` has both.
 *
 * @example
 * const layer: SemanticLayer = { name: 'judge', async match(item, neighbours) { return null; }, async add() {} };
 */
export interface SemanticLayer {
  readonly name: string;
  /**
   * Which stored item `item` names, or null. `neighbours` are the stored items most similar by
   * spelling (display texts with their numbers), for layers that compare against a short list.
   */
  match(item: string, neighbours: readonly { n: number; text: string }[]): Promise<number | null>;
  /** Told of every item stored (in order), so a layer with its own index (embeddings) can keep it. */
  add(item: string, n: number): Promise<void>;
}

/** An item with its keys computed once. */
interface Prepared {
  text: string;
  key: string;
  words: string[];
  numbers: string;
  canonical: string;
}

export interface DeduperOptions {
  /** Near-duplicate thresholds; null turns the layer off (exact matches only). */
  near?: NearThresholds | null;
  semantic?: SemanticLayer | null;
  /** Neighbours (by spelling) shown to the semantic layer, and the least Jaccard they need. */
  neighbours?: { limit: number; minJaccard: number };
  /** The display text of stored item n (the semantic layer's neighbours). */
  display?: (n: number) => string;
}

/**
 * The layered deduplicator of a topic: normalised exact match, then canonical words (order,
 * plurals, function words), then near-duplicates, then the optional semantic layer. Items are
 * numbered 0, 1, ... in the order they were found; the first spelling is the one kept for display
 * (by the caller: this class stores only keys).
 *
 * @example
 * const dedup = new Deduper();
 * dedup.offerSync('The Eiffel Tower'); // { isNew: true, layer: null, of: null }
 * dedup.offerSync('eiffel tower');     // { isNew: false, layer: 'exact', of: null }
 * dedup.offerSync('Eifel Tower');      // { isNew: false, layer: 'near', of: 0 }
 */
export class Deduper {
  private readonly exact = new KeySet();
  private readonly canonical = new KeySet();
  private readonly near: NearIndex | null;
  private readonly semantic: SemanticLayer | null;
  private count = 0;

  constructor(private readonly options: DeduperOptions = {}) {
    const near = options.near === undefined ? DEFAULT_NEAR : options.near;
    this.near = near ? new NearIndex(near) : null;
    this.semantic = options.semantic ?? null;
  }

  /** Items stored so far. */
  get size(): number {
    return this.count;
  }

  get hasSemantic(): boolean {
    return this.semantic !== null;
  }

  /** The string layers (exact, canonical, near), storing the item when new. */
  offerSync(text: string): Verdict {
    if (!this.near) {
      // Exact layer only: the key is all there is to compute.
      const key = exactKey(text);
      if (key === '' || !this.exact.add(key)) return { isNew: false, layer: 'exact', of: null };
      this.count++;
      return { isNew: true, layer: null, of: null };
    }
    const item = prepare(text);
    const found = this.classify(item);
    if (found) return found;
    this.store(item);
    return { isNew: true, layer: null, of: null };
  }

  /** Every layer, the semantic one included, storing the item when new. */
  async offer(text: string): Promise<Verdict> {
    const item = prepare(text);
    const found = this.classify(item);
    if (found) return found;
    if (this.semantic) {
      const { limit, minJaccard } = this.options.neighbours ?? { limit: 5, minJaccard: 0.15 };
      const neighbours = this.near && this.options.display
        ? this.near.neighbours(item.words, minJaccard, limit).map(({ id }) => ({ n: id, text: this.options.display!(id) }))
        : [];
      const of = await this.semantic.match(text, neighbours);
      if (of !== null) {
        // A later spelling of the same thing counts as known, so it is not asked about again.
        this.exact.add(item.key);
        return { isNew: false, layer: 'semantic', of };
      }
    }
    const n = this.store(item);
    if (this.semantic) await this.semantic.add(text, n);
    return { isNew: true, layer: null, of: null };
  }

  /**
   * Stores an item known to be new without checking it (rebuilding the deduplicator on resume from
   * the items already found; the semantic layer is told too).
   */
  async restore(text: string): Promise<void> {
    const n = this.store(prepare(text));
    if (this.semantic) await this.semantic.add(text, n);
  }

  /** Same as restore, for the string layers only. */
  restoreSync(text: string): void {
    this.store(prepare(text));
  }

  /** Bytes held by the typed arrays of the layers. */
  bytes(): number {
    return this.exact.bytes() + this.canonical.bytes() + (this.near?.bytes() ?? 0);
  }

  private classify(item: Prepared): Verdict | null {
    if (item.key === '') return { isNew: false, layer: 'exact', of: null };
    if (this.exact.has(item.key)) return { isNew: false, layer: 'exact', of: null };
    if (!this.near) return null;
    if (this.canonical.has(item.canonical)) {
      this.exact.add(item.key);
      return { isNew: false, layer: 'near', of: null };
    }
    const of = this.near.find(item.words, item.numbers);
    if (of < 0) return null;
    this.exact.add(item.key);
    return { isNew: false, layer: 'near', of };
  }

  private store(item: Prepared): number {
    this.exact.add(item.key);
    if (this.near) {
      this.canonical.add(item.canonical);
      this.near.add(item.words, item.numbers);
    }
    return this.count++;
  }
}

function prepare(text: string): Prepared {
  const all = keyWords(text);
  const key = all.join(' ');
  const words = canonicalOf(all);
  const numbers = numberSignature(text);
  return { text, key, words, numbers, canonical: `${words.join(' ')}\u0000${numbers}` };
}

import * as z from 'zod';
import { createRandom, hashSeed, type Random } from '../model/random.js';

/**
 * Mock topic generation: each mock variant draws items from its own seeded vocabulary, so topic mode
 * is testable offline and the best variant is known. Pure: the same options give the same words.
 *
 * A vocabulary of `size` items takes `overlap·size` of them from a pool every variant shares (the
 * first items of pool 0) and the rest from its own pool (`seed`). Items are drawn by a Zipf law of
 * exponent `skew` over a seeded order of the vocabulary, so a few come back often. A share
 * `nearDuplicates` of the draws is respelled (case and article, a transposed letter, a plural), so
 * the near-duplicate layers matter. Items of different pools or positions never collide: each ends
 * with its pool and position as numbers ("Velkaro Plaza 3-17"), which the dedup compares exactly.
 */
export const mockTopicSchema = z.strictObject({
  vocabulary: z.number().int().positive().max(10_000_000).describe('Distinct items this variant knows.'),
  skew: z.number().nonnegative().max(5).default(1).describe('Zipf exponent of the draws (0: uniform).'),
  overlap: z.number().min(0).max(1).default(0).describe('Share of the vocabulary taken from a pool all variants share.'),
  nearDuplicates: z.number().min(0).max(1).default(0.1).describe('Share of draws respelled as a near-duplicate.'),
  seed: z.number().int().nonnegative().max(2 ** 32 - 1).default(1).describe("This variant's own pool (give each variant its own)."),
});
export type MockTopic = z.output<typeof mockTopicSchema>;

const SYLLABLES = ['ka', 'lo', 'ver', 'mi', 'tan', 'so', 'rel', 'da', 'quin', 'bo', 'ne', 'vash', 'ti', 'gor', 'el', 'fa', 'run', 'zi', 'pe', 'mor'];
const KINDS = ['Tower', 'Garden', 'Museum', 'Bridge', 'Plaza', 'Chapel', 'Market', 'Gallery', 'Fountain', 'Palace', 'Theatre', 'Harbour'];

/**
 * Item `i` of pool `pool`: a made-up name, a kind and the two numbers that make it unique.
 *
 * @example
 * vocabularyItem(0, 17); // e.g. 'Kaverso Bridge 0-17'
 */
export function vocabularyItem(pool: number, i: number): string {
  const rng = createRandom(hashSeed('vocabulary', pool, i));
  let word = '';
  const syllables = 3 + rng.int(2);
  for (let s = 0; s < syllables; s++) word += SYLLABLES[rng.int(SYLLABLES.length)];
  return `${word[0]!.toUpperCase()}${word.slice(1)} ${KINDS[rng.int(KINDS.length)]} ${pool}-${i}`;
}

/** A drawer of `batch` items per call from one variant's vocabulary. */
export interface VocabularyDrawer {
  draw(batch: number, rng: Random): string[];
}

/**
 * @example
 * const drawer = vocabularyDrawer(mockTopicSchema.parse({ vocabulary: 200, seed: 2 }));
 * drawer.draw(10, createRandom(1)); // ten items, some of them respelled
 */
export function vocabularyDrawer(options: MockTopic): VocabularyDrawer {
  const { vocabulary: size, skew, overlap, nearDuplicates, seed } = options;
  const shared = Math.round(overlap * size);
  // The order in which items are favoured, a seeded shuffle so shared items are not all the top ranks.
  const order = Uint32Array.from({ length: size }, (_, i) => i);
  const shuffle = createRandom(hashSeed('vocabulary-order', seed));
  for (let i = size - 1; i > 0; i--) {
    const j = shuffle.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const cdf = new Float64Array(size);
  let total = 0;
  for (let r = 0; r < size; r++) cdf[r] = total += 1 / (r + 1) ** skew;
  const itemAt = (rank: number): string => {
    const k = order[rank]!;
    return k < shared ? vocabularyItem(0, k) : vocabularyItem(seed + 1, k - shared);
  };
  return {
    draw(batch, rng) {
      const out: string[] = [];
      for (let b = 0; b < batch; b++) {
        const u = rng.next() * total;
        let lo = 0;
        let hi = size - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid]! < u) lo = mid + 1;
          else hi = mid;
        }
        const item = itemAt(lo);
        out.push(rng.next() < nearDuplicates ? respell(item, rng) : item);
      }
      return out;
    },
  };
}

/**
 * Another spelling of the same item: lower case with an article, a transposed letter in its name, or
 * its kind in the plural.
 *
 * @example
 * respell('Kaverso Bridge 0-17', rng); // e.g. 'the kaverso bridge 0-17' or 'Kavreso Bridge 0-17'
 */
export function respell(item: string, rng: Random): string {
  const [word = '', kind = '', number = ''] = item.split(' ');
  switch (rng.int(3)) {
    case 0:
      return `the ${item.toLowerCase()}`;
    case 1: {
      const i = 2 + rng.int(Math.max(1, word.length - 4));
      return `${word.slice(0, i)}${word[i + 1] ?? ''}${word[i] ?? ''}${word.slice(i + 2)} ${kind} ${number}`;
    }
    default:
      return `${word} ${kind}s ${number}`;
  }
}

import * as z from 'zod';
import { Deduper } from '../topic/dedup.js';
import { parseItems } from '../topic/parse.js';
import type { Scorer } from './types.js';

export const uniqueItemsOptions = z.strictObject({
  near: z.boolean().default(true).describe('Count near-duplicates (spelling variants, plurals, word order) as known; false: normalised exact match only.'),
});

/**
 * `unique-items`: the share of a trial's items (one per line, or a JSON list) that are new in the
 * run. The items seen so far are held by the scorer, so it knows only the items its process scored;
 * the run's master then scores each trial again against the whole run (src/topic/run-unique.ts, and
 * in topic mode the session), so on a pool, on BullMQ and after a resume the recorded score is the
 * run's. A reply with no items scores 0.
 *
 * @example
 * const s = uniqueItems({});
 * s.score({ output: 'Louvre\nEiffel Tower', ... }); // { score: 1, reason: '2 new of 2 items' }
 * s.score({ output: 'the louvre\nPantheon', ... }); // { score: 0.5, reason: '1 new of 2 items' }
 */
export function uniqueItems(options: z.input<typeof uniqueItemsOptions>): Scorer {
  const o = uniqueItemsOptions.parse(options);
  const dedup = new Deduper(o.near ? {} : { near: null });
  return {
    name: 'unique-items',
    score({ output }) {
      const parsed = parseItems(output);
      if (!parsed.ok) return { score: 0, reason: `no items: ${parsed.reason}` };
      let fresh = 0;
      for (const item of parsed.items) if (dedup.offerSync(item).isNew) fresh++;
      return { score: fresh / parsed.items.length, reason: `${fresh} new of ${parsed.items.length} items` };
    },
  };
}

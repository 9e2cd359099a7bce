import { readFileSync } from 'node:fs';
import type { Deduper } from './dedup.js';

/** One labelled pair: is `b` the same item as `a`? `kind` says what differs (spelling, plural, ...). */
export interface LabelledPair {
  a: string;
  b: string;
  duplicate: boolean;
  kind: string;
}

/** The labelled pair set shipped with the tests (src/topic/__fixtures__/pairs.json). */
export function labelledPairs(): LabelledPair[] {
  return (JSON.parse(readFileSync(new URL('./__fixtures__/pairs.json', import.meta.url), 'utf8')) as { pairs: LabelledPair[] }).pairs;
}

/**
 * Precision and recall of a deduplicator on labelled pairs: for each pair, a fresh deduplicator is
 * offered `a` then `b`; `b` found a duplicate is a positive.
 *
 * @example
 * pairScores(labelledPairs(), () => new Deduper()); // { precision: 0.98, recall: 0.93, ... }
 */
export function pairScores(pairs: readonly LabelledPair[], make: () => Deduper) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const misses: LabelledPair[] = [];
  const falseAlarms: LabelledPair[] = [];
  for (const pair of pairs) {
    const dedup = make();
    dedup.offerSync(pair.a);
    const duplicate = !dedup.offerSync(pair.b).isNew;
    if (duplicate && pair.duplicate) tp++;
    else if (duplicate) {
      fp++;
      falseAlarms.push(pair);
    } else if (pair.duplicate) {
      fn++;
      misses.push(pair);
    }
  }
  return { precision: tp / (tp + fp), recall: tp / (tp + fn), tp, fp, fn, misses, falseAlarms };
}

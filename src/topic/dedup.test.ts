import { describe, expect, it } from 'vitest';
import { Deduper } from './dedup.js';
import { canonicalTokens, exactKey, numberSignature, singular } from './normalise.js';
import { wordSimilarity } from './similarity.js';
import { KeySet } from './key-set.js';
import { labelledPairs, pairScores } from './pair-eval.js';

const pairs = labelledPairs();

describe('normalisation', () => {
  it('folds Unicode forms, case, accents, punctuation, whitespace and articles', () => {
    expect(exactKey('The Eiffel Tower!')).toBe('eiffel tower');
    expect(exactKey('  the   EIFFEL\ttower ')).toBe('eiffel tower');
    expect(exactKey('Ｅｉｆｆｅｌ Ｔｏｗｅｒ')).toBe('eiffel tower');
    expect(exactKey('Musée d’Orsay')).toBe('musee orsay');
    expect(exactKey('Rock & Roll')).toBe('rock and roll');
    expect(exactKey('C++')).not.toBe(exactKey('C#'));
    expect(exactKey('The Who')).toBe('who');
    expect(exactKey('!!!')).toBe('');
  });

  it('makes word order, plurals and function words not matter for the near layer', () => {
    expect(canonicalTokens('Gardens of the Luxembourg')).toEqual(canonicalTokens('Luxembourg Garden'));
    expect(singular('strawberries')).toBe('strawberry');
    expect(singular('bus')).toBe('bus');
    expect(numberSignature('Apollo 11')).toBe('11');
    expect(numberSignature('Louis XIV')).toBe('xiv');
    expect(wordSimilarity('einstein', 'einstien')).toBe(0.875);
  });
});

describe('Deduper', () => {
  it('keeps the first spelling and names the layer that caught each duplicate', () => {
    const dedup = new Deduper();
    expect(dedup.offerSync('The Eiffel Tower')).toEqual({ isNew: true, layer: null, of: null });
    expect(dedup.offerSync('eiffel tower').layer).toBe('exact');
    expect(dedup.offerSync('Eifel Tower').layer).toBe('near');
    expect(dedup.offerSync('Tower Eiffel').layer).toBe('near');
    expect(dedup.offerSync('Louvre').isNew).toBe(true);
    expect(dedup.offerSync('Apollo 11').isNew).toBe(true);
    expect(dedup.offerSync('Apollo 13').isNew).toBe(true);
    expect(dedup.size).toBe(4);
  });

  it('with near detection off, only the normalised exact layer applies', () => {
    const dedup = new Deduper({ near: null });
    dedup.offerSync('Eiffel Tower');
    expect(dedup.offerSync('the eiffel tower!').isNew).toBe(false);
    expect(dedup.offerSync('Eifel Tower').isNew).toBe(true);
  });

  it('rebuilt with restore, finds the same duplicates as the original', () => {
    const a = new Deduper();
    const items = ['Louvre', 'Eiffel Tower', 'Sacré-Cœur', 'Notre-Dame de Paris'];
    for (const i of items) a.offerSync(i);
    const b = new Deduper();
    for (const i of items) b.restoreSync(i);
    for (const probe of ['the louvre', 'Sacre Coeur', 'Notre Dame', 'Pantheon']) expect(b.offerSync(probe)).toEqual(a.offerSync(probe));
  });

  it('reaches precision >= 0.95 and recall >= 0.90 on the labelled pairs with the default layers', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(200);
    expect(new Set(pairs.map((p) => p.kind))).toEqual(new Set(['case', 'article', 'punct', 'spelling', 'plural', 'order', 'translation', 'mixed', 'near-distinct', 'distinct']));
    const s = pairScores(pairs, () => new Deduper());
    expect(s.precision, JSON.stringify(s.falseAlarms)).toBeGreaterThanOrEqual(0.95);
    expect(s.recall, JSON.stringify(s.misses)).toBeGreaterThanOrEqual(0.9);
  });

  it('the exact layer alone misses spelling variants (the near layer matters)', () => {
    const exact = pairScores(pairs, () => new Deduper({ near: null }));
    const full = pairScores(pairs, () => new Deduper());
    expect(exact.recall).toBeLessThan(full.recall - 0.2);
    expect(exact.precision).toBe(1);
  });
});

describe('KeySet', () => {
  it('holds a hundred thousand keys, grows, and answers membership exactly', () => {
    const set = new KeySet(16);
    let added = 0;
    for (let i = 0; i < 100_000; i++) if (set.add(`item ${i}`)) added++;
    expect(added).toBe(100_000);
    expect(set.add('item 5')).toBe(false);
    expect(set.has('item 99999')).toBe(true);
    expect(set.has('item 100000')).toBe(false);
    expect(set.size).toBe(100_000);
  });
});

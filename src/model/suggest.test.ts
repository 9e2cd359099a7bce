import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from './suggest.js';

describe('did you mean', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('openai', 'opneai')).toBe(1);
    expect(editDistance('scorer', 'scorers')).toBe(1);
    expect(editDistance('temprature', 'temperature')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests a close name, or the same name in another case, and nothing far away', () => {
    expect(closest('opneai', ['mock', 'openai', 'anthropic'])).toBe('openai');
    expect(closest('ignorecase', ['trim', 'ignoreCase'])).toBe('ignoreCase');
    expect(closest('foo', ['name', 'tasks', 'variants'])).toBeUndefined();
    expect(closest('a', ['b', 'c'])).toBe('b');
    expect(closest('x', [])).toBeUndefined();
  });

  it('phrases the suggestion for a message', () => {
    expect(didYouMean('equal', ['equals', 'contains'])).toBe("; did you mean 'equals'?");
    expect(didYouMean('contry', ['country'], (n) => `{{${n}}}`)).toBe('; did you mean {{country}}?');
    expect(didYouMean('zzz', ['equals'])).toBe('');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, FRAGMENT, leaksSecret } from './redact.js';

const KEY = 'sk-canary-Q7x9Zr2mWb4Tn8Lk';

describe('createRedactor', () => {
  it('blanks the whole key and leaves other text alone', () => {
    const redact = createRedactor([KEY]);
    expect(redact(`auth failed for ${KEY} at 12:00`)).toBe('auth failed for *** at 12:00');
    expect(redact('nothing secret here, not even sk-ca')).toBe('nothing secret here, not even sk-ca');
    expect(redact('')).toBe('');
  });

  it('blanks the piece left on either side of a cut at every offset of the key', () => {
    const redact = createRedactor([KEY]);
    for (let cut = 0; cut <= KEY.length; cut++) {
      const head = `...${KEY.slice(0, cut)}`;
      const tail = `${KEY.slice(cut)} and more`;
      for (const text of [head, tail]) {
        const out = redact(text);
        expect(leaksSecret(out, [KEY]), `cut at ${cut}: ${out}`).toBe(false);
      }
    }
  });

  it('blanks pieces in the middle of a text, several keys, repeated keys', () => {
    const other = 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    const redact = createRedactor([KEY, other], '[redacted]');
    const out = redact(`a ${KEY.slice(3, 15)} b ${other.slice(10)} c ${KEY}${KEY} d`);
    expect(out).toBe('a [redacted] b [redacted] c [redacted] d');
  });

  it('treats 4- and 5-character secrets as whole values only, and ignores shorter ones', () => {
    const redact = createRedactor(['abcd', 'xy']);
    expect(redact('abcde xy abc')).toBe('***e xy abc');
  });

  it('never leaves a piece of FRAGMENT or more characters of any secret (property)', () => {
    // Letters, digits, and characters whose low bytes collide (')' and 'ĩ', 'é' and 'ũ'), since the scan folds pairs to bytes.
    const alphabet = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_)ĩéũ'.split(''));
    const text = fc.string({ unit: alphabet, maxLength: 60 });
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: alphabet, minLength: FRAGMENT, maxLength: 64 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(text, fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 5 }),
        (secrets, parts) => {
          const pieces = parts.map(([around, which, from, length]) => {
            const s = secrets[which % secrets.length]!;
            const start = from % (s.length - FRAGMENT + 1);
            const end = Math.min(s.length, start + FRAGMENT + (length % s.length));
            return `${around}${s.slice(start, end)}`;
          });
          const out = createRedactor(secrets)(pieces.join(' '));
          return !leaksSecret(out, secrets);
        },
      ),
      { numRuns: 500, seed: 13 },
    );
  });

  it('returns the same string when nothing matches', () => {
    const redact = createRedactor([KEY]);
    const text = 'x'.repeat(10_000);
    expect(redact(text)).toBe(text);
  });
});

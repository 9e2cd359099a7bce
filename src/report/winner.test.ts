import { describe, expect, it } from 'vitest';
import { welchTTest } from '../stats/index.js';
import { errorHint, ErrorTally } from './top-errors.js';
import { welchInterval, winnerVerdict, type WinnerInput } from './winner.js';

const sums = (scores: number[]) => ({ n: scores.length, s: scores.reduce((a, b) => a + b, 0), s2: scores.reduce((a, b) => a + b * b, 0) });
const clear = { bestSums: sums(Array.from({ length: 100 }, (_, i) => (i < 90 ? 1 : 0))), runnerUpSums: sums(Array.from({ length: 100 }, (_, i) => (i < 40 ? 1 : 0))) };
const close = { bestSums: sums(Array.from({ length: 30 }, (_, i) => (i < 16 ? 1 : 0))), runnerUpSums: sums(Array.from({ length: 30 }, (_, i) => (i < 15 ? 1 : 0))) };
const base: WinnerInput = { mode: 'grid', status: 'completed', stopReason: 'done', bestId: 'a', runnerUp: 'b', leader: null, bestSums: null, runnerUpSums: null };
const leader = (established: boolean) => ({ id: 'a', runnerUp: 'b', difference: 0.1, cs95: [established ? 0.02 : -0.05, 0.2] as [number, number], established });

describe('winnerVerdict: one rule, one sentence', () => {
  it('uses the fixed-sample check for a grid read once after its full plan', () => {
    expect(winnerVerdict({ ...base, ...clear })).toMatchObject({ known: true, criterion: 'fixed-sample', text: 'winner: a, known at 95% (fixed-sample check: a grid that ran its full plan)' });
    expect(winnerVerdict({ ...base, ...close })).toMatchObject({ known: false, criterion: 'fixed-sample', text: 'leader: a, not yet known at 95% (fixed-sample check: a grid that ran its full plan)' });
  });

  it('uses the anytime-valid check for adaptive allocation and for runs watched or stopped early', () => {
    // The fixed-sample interval would call it; the anytime-valid one does not, and decides.
    const cases: [Partial<WinnerInput>, string][] = [
      [{ mode: 'adaptive', stopReason: 'budget:trials' }, 'adaptive allocation'],
      [{ status: 'running', stopReason: null }, 'the run is still running, watched live'],
      [{ status: 'killed', stopReason: null }, 'the run was killed before its plan'],
      [{ status: 'interrupted', stopReason: 'interrupted' }, 'the run was stopped before its plan'],
      [{ stopReason: 'budget:cost' }, 'a budget stopped the run before its plan (budget:cost)'],
    ];
    for (const [change, why] of cases) {
      const v = winnerVerdict({ ...base, ...clear, ...change, leader: leader(false) });
      expect(v).toMatchObject({ known: false, criterion: 'anytime-valid', why, text: `leader: a, not yet known at 95% (anytime-valid check: ${why})`, interval: [-0.05, 0.2] });
      expect(winnerVerdict({ ...base, ...change, leader: leader(true) }).known).toBe(true);
    }
  });

  it('takes an adaptive stopping rule that fired as the answer, at its confidence', () => {
    expect(winnerVerdict({ ...base, mode: 'adaptive', stopReason: 'confident', stopConfidence: 0.99, leader: leader(false) })).toMatchObject({
      known: true, criterion: 'stopping-rule', text: 'winner: a, known at 99% (the adaptive stopping rule, a sequential test valid at any look)',
    });
  });

  it('handles one scored variant and none', () => {
    expect(winnerVerdict({ ...base, runnerUp: null }).text).toBe('winner: a (the only variant with scored trials)');
    expect(winnerVerdict({ ...base, bestId: null, runnerUp: null })).toMatchObject({ known: false, text: 'no winner: no trial was scored' });
  });

  it("computes Welch's interval from sums", () => {
    const x = [0.7, 0.8, 0.9, 1, 0.4];
    const y = [0.5, 0.6, 0.55, 0.2];
    const w = welchInterval(sums(x), sums(y));
    const reference = welchTTest(x, y).difference!;
    expect(w?.difference).toBeCloseTo(reference.estimate, 12);
    expect(w?.interval[0]).toBeCloseTo(reference.low, 10);
    expect(w?.interval[1]).toBeCloseTo(reference.high, 10);
    expect(welchInterval(sums([1]), sums([0, 1]))).toBeNull();
  });
});

describe('the most frequent errors', () => {
  it('counts by message, most frequent first, by variant, with the others counted', () => {
    const tally = new ErrorTally();
    for (let i = 0; i < 7; i++) tally.add('a', 'client', 'openai: HTTP 404: 404 page not found');
    tally.add('b', 'client', 'openai: HTTP 404: 404 page not found', 3);
    tally.add('a', 'timeout', 'timed out after 100ms', 2);
    for (let i = 0; i < 6; i++) tally.add('c', 'unknown', `distinct ${i}`);
    const top = tally.top(3);
    expect(top[0]).toEqual({
      message: 'openai: HTTP 404: 404 page not found', kind: 'client', count: 10, variants: { a: 7, b: 3 },
      hint: 'does baseURL end in /v1? An OpenAI-compatible server answers at BASE/v1/chat/completions',
    });
    expect(top[1]).toMatchObject({ message: 'timed out after 100ms', count: 2, hint: expect.stringMatching(/^raise the timeout/) });
    expect(tally.others(3)).toBe(5);
  });

  it('knows the usual causes', () => {
    expect(errorHint('client', 'openai: HTTP 401: Incorrect API key provided')).toMatch(/^check the key's env var/);
    expect(errorHint('client', 'openai: HTTP 404: The model `gpt-9` does not exist')).toBe('check the model name: the server does not know it');
    expect(errorHint('rate_limit', 'openai: HTTP 429: slow down')).toMatch(/^rate limited/);
    expect(errorHint('network', 'openai: connection to http://127.0.0.1:9 failed: ECONNREFUSED (connect)')).toMatch(/^nothing listens/);
    expect(errorHint('unknown', 'something new')).toBeNull();
  });
});

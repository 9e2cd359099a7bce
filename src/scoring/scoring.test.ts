import * as fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import type { Task } from '../model/task.js';
import { scoreAll } from './combine.js';
import { javascript } from './javascript.js';
import { jsonSchema } from './json-schema.js';
import { parseVerdict } from './judge.js';
import { contains, equals, regex, truncate } from './text.js';

const task: Task = { id: 't', input: { q: 'capital of France?' }, expected: 'Paris' };
const input = (output: string, t: Task = task) => ({ output, task: t, prompt: 'p', signal: new AbortController().signal });

describe('scorers', () => {
  it('equals trims, optionally ignores case, and says why it failed', () => {
    expect(equals().score(input(' Paris\n'))).toEqual({ score: 1, reason: 'equals expected' });
    expect(equals().score(input('paris'))).toMatchObject({ score: 0, reason: 'expected "Paris", got "paris"' });
    expect(equals({ ignoreCase: true }).score(input('paris'))).toMatchObject({ score: 1 });
    expect(equals().score(input('42', { ...task, expected: 42 }))).toMatchObject({ score: 1 });
  });

  it('contains gives partial credit over several texts', () => {
    expect(contains().score(input('It is paris.'))).toMatchObject({ score: 1 });
    expect(contains({ value: ['Paris', 'Seine'] }).score(input('Paris, France'))).toEqual({ score: 0.5, reason: 'missing "Seine"' });
  });

  it('regex matches with flags', () => {
    expect(regex({ pattern: '^paris$', flags: 'i' }).score(input('PARIS'))).toMatchObject({ score: 1 });
    expect(regex({ pattern: '^\\d+$' }).score(input('12a'))).toMatchObject({ score: 0 });
    expect(() => regex({ pattern: '(' })).toThrow(/valid regular expression/);
  });

  it('json-schema parses fenced JSON and reports violations', () => {
    const s = jsonSchema({ schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } } }, { baseDir: '.' });
    expect(s.score(input('```json\n{"answer": "Paris"}\n```'))).toMatchObject({ score: 1 });
    expect(s.score(input('{"answer": 3}'))).toMatchObject({ score: 0, reason: expect.stringContaining('/answer must be string') });
    expect(s.score(input('not json'))).toEqual({ score: 0, reason: 'output is not valid JSON' });
  });

  it('javascript runs a user .ts module returning pass/fail or a score', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'score.ts'), `
        export default (output: string, ctx: { expected: unknown }) => ({ pass: output.includes(String(ctx.expected)), reason: 'checked' });
        export const half = () => 0.5;
      `);
      expect(await javascript({ file: './score.ts' }, { baseDir: dir }).score(input('Paris!'))).toEqual({ score: 1, reason: 'checked' });
      expect(await javascript({ file: './score.ts', export: 'half' }, { baseDir: dir }).score(input('x'))).toMatchObject({ score: 0.5 });
      await expect(Promise.resolve(javascript({ file: './score.ts', export: 'nope' }, { baseDir: dir }).score(input('x')))).rejects.toThrow(/no function export 'nope'/);
    } finally {
      cleanup();
    }
  });

  it('reads judge verdicts from JSON or prose, and refuses what it cannot read', () => {
    expect(parseVerdict('Sure! {"score": 0.8, "reason": "mostly right"}')).toEqual({ score: 0.8, reason: 'mostly right' });
    expect(parseVerdict('Score: 1')).toMatchObject({ score: 1 });
    expect(() => parseVerdict('I like it')).toThrow(/could not read a score/);
    expect(() => parseVerdict('{"score": 7}')).toThrow(/could not read a score/);
  });

  it('combines by weight and stays synchronous when every scorer is', () => {
    const combined = scoreAll([{ scorer: equals(), weight: 3 }, { scorer: contains({ value: 'nope' }), weight: 1 }], input('Paris'));
    expect(combined).not.toBeInstanceOf(Promise);
    expect(combined).toMatchObject({ score: 0.75 });
  });
});

describe('truncate', () => {
  it('quotes only the start of a long text, with the same result as quoting it whole', () => {
    const whole = (text: string, max = 80) => {
      const t = JSON.stringify(text);
      return t.length > max ? `${t.slice(0, max - 1)}…` : t;
    };
    const texts = ['', 'Paris', 'x'.repeat(78), 'x'.repeat(79), 'x'.repeat(80), 'x'.repeat(5_000), '"\n\t\\'.repeat(40), `${'é'.repeat(77)}🐈🐈`, `${'a'.repeat(79)}🐈tail`, '\u0000'.repeat(90)];
    for (const text of texts) for (const max of [10, 80]) expect(truncate(text, max)).toBe(whole(text, max));
    for (const text of ['say "hi"', 'back\\slash', ' ~!', '\u007f', 'x'.repeat(100), '\u2028', 'tab\there']) expect(truncate(text)).toBe(whole(text));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), fc.integer({ min: 2, max: 90 }), (text, max) => truncate(text, max) === whole(text, max)));
  });
});

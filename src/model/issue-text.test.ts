import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { describeIssues } from './issue-text.js';

const problems = (schema: z.ZodType, value: unknown, context = {}) => {
  const r = schema.safeParse(value, { reportInput: true });
  return r.success ? [] : describeIssues(r.error.issues, context).map((p) => `${p.path.join('.')}: ${p.message}`);
};

describe('zod issues in plain words', () => {
  const schema = z.strictObject({
    n: z.number().int().positive().max(10).optional(),
    s: z.string().min(1).optional(),
    e: z.enum(['grid', 'adaptive']).optional(),
    u: z.union([z.string(), z.array(z.string())]).optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    list: z.array(z.number()).min(1).optional(),
    own: z.string().refine((v) => v === 'ok', 'expected ok').optional(),
    req: z.number(),
  });

  it('says what was expected and what was found, never zod wording', () => {
    const found = problems(schema, { n: 0, s: '', e: 'gird', u: 5, url: 'x:1', list: [], own: 'no', extra: 1, extar: 2 }, { knownKeys: () => ['extra2', 'n'] });
    expect(found).toEqual([
      'n: expected more than 0, got 0',
      's: must not be empty',
      "e: expected one of 'grid', 'adaptive', got 'gird'; did you mean 'grid'?",
      'u: expected text or a list, got 5',
      "url: expected a URL (http://... or https://...), got 'x:1'",
      'list: expected at least one entry, got an empty list',
      'own: expected ok',
      'req: missing: expected a number',
      "extra: unknown field 'extra'; did you mean 'extra2'?",
      "extar: unknown field 'extar'",
    ]);
    expect(problems(schema, { req: 1, n: 1.5 })).toEqual(['n: expected a whole number, got 1.5']);
    expect(problems(schema, { req: 1, n: 11 })).toEqual(['n: expected at most 10, got 11']);
    expect(problems(schema, { req: 1, u: [1] })).toEqual(['u.0: expected text, got 1']);
    expect(problems(schema, 'text')).toEqual([": expected a mapping of fields, got 'text'"]);
  });

  it('names only the kind of a value when asked to hide values', () => {
    const r = z.object({ a: z.string() }).safeParse({ a: 12345 }, { reportInput: true });
    expect(r.success ? [] : describeIssues(r.error.issues, { hideValues: true }).map((p) => p.message)).toEqual(['expected text, got a number']);
  });
});

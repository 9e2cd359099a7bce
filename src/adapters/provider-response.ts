import type { z } from 'zod';
import { describeIssues } from '../model/issue-text.js';
import { invalidOutput } from './provider-errors.js';

/**
 * Checks a 2xx body against the few fields an adapter reads, or throws a non-retryable
 * `invalid_output` error that says what was wrong. The message names paths and expected types only,
 * never body values, which a misbehaving server may fill with anything (an echoed key included).
 *
 * @example
 * const body = parseBody('openai', completionSchema, raw);
 */
export function parseBody<S extends z.ZodType>(provider: string, schema: S, raw: unknown): z.output<S> {
  if (typeof raw === 'string') {
    throw invalidOutput(provider, `the response body is not JSON (${raw.length} characters of text)`);
  }
  if (raw === undefined || raw === null) throw invalidOutput(provider, 'the response body is empty');
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  const problem = describeIssues(parsed.error.issues, { hideValues: true })[0];
  const where = problem && problem.path.length > 0 ? problem.path.join('.') : 'body';
  throw invalidOutput(provider, `unexpected response shape at ${where}: ${problem?.message ?? 'invalid'}`);
}

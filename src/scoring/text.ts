import * as z from 'zod';
import type { Task } from '../model/task.js';
import type { Scorer } from './types.js';

function expectedText(task: Task): string | undefined {
  if (task.expected === undefined || task.expected === null) return undefined;
  return typeof task.expected === 'string' ? task.expected : JSON.stringify(task.expected);
}

function normalise(text: string, o: { trim: boolean; ignoreCase: boolean }): string {
  const t = o.trim ? text.trim() : text;
  return o.ignoreCase ? t.toLowerCase() : t;
}

export const equalsOptions = z.strictObject({
  trim: z.boolean().default(true).describe('Ignore leading and trailing white space.'),
  ignoreCase: z.boolean().default(false),
});

/** Score 1 when the output equals the task's expected answer. @example equals({ ignoreCase: true }) */
export function equals(options: z.input<typeof equalsOptions> = {}): Scorer {
  const o = equalsOptions.parse(options);
  return {
    name: 'equals',
    score({ output, task }) {
      const expected = expectedText(task);
      if (expected === undefined) return { score: 0, reason: 'task has no expected answer' };
      const ok = normalise(output, o) === normalise(expected, o);
      return { score: ok ? 1 : 0, reason: ok ? 'equals expected' : `expected ${truncate(expected)}, got ${truncate(output)}` };
    },
  };
}

export const containsOptions = z.strictObject({
  value: z.union([z.string(), z.array(z.string()).min(1)]).optional().describe('Text(s) to find; default: the expected answer.'),
  ignoreCase: z.boolean().default(true),
});

/** Score = share of the wanted texts found in the output. @example contains({ value: ['Paris', 'France'] }) */
export function contains(options: z.input<typeof containsOptions> = {}): Scorer {
  const o = containsOptions.parse(options);
  return {
    name: 'contains',
    score({ output, task }) {
      const wanted = o.value === undefined ? [expectedText(task)].filter((v): v is string => v !== undefined) : [o.value].flat();
      if (wanted.length === 0) return { score: 0, reason: 'nothing to look for: no value and no expected answer' };
      const hay = o.ignoreCase ? output.toLowerCase() : output;
      const missing = wanted.filter((w) => !hay.includes(o.ignoreCase ? w.toLowerCase() : w));
      const score = (wanted.length - missing.length) / wanted.length;
      return { score, reason: missing.length ? `missing ${missing.map((m) => JSON.stringify(m)).join(', ')}` : 'contains all' };
    },
  };
}

export const regexOptions = z.strictObject({
  pattern: z.string().refine(isValidRegex, 'expected a valid regular expression'),
  flags: z.string().regex(/^[dgimsuvy]*$/, 'expected regex flags from dgimsuvy').default(''),
});

/** Score 1 when the output matches the pattern. @example regex({ pattern: '^\\d+$' }) */
export function regex(options: z.input<typeof regexOptions>): Scorer {
  const o = regexOptions.parse(options);
  const re = new RegExp(o.pattern, o.flags);
  return {
    name: 'regex',
    score({ output }) {
      re.lastIndex = 0;
      const ok = re.test(output);
      return { score: ok ? 1 : 0, reason: ok ? `matches /${o.pattern}/` : `does not match /${o.pattern}/` };
    },
  };
}

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export function truncate(text: string, max = 80): string {
  // Only the start is quoted: escaping a long answer whole to keep 80 characters was most of a failing
  // check's cost. Every character quotes to one or more, so the first `max` decide the result.
  const head = text.length > max ? text.slice(0, max) : text;
  const t = plainAscii(head) ? `"${head}"` : JSON.stringify(head);
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * Printable ASCII but for a quote and a backslash: text JSON.stringify quotes as it is. A failing
 * check quotes two short texts per trial, and the loop is cheaper than a call into JSON.stringify.
 */
function plainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

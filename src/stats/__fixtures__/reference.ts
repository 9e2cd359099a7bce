/**
 * Loads the scipy reference values written by scripts/gen-stats-reference.py and checks numbers
 * against them. Test-only: reads a file, so it lives with the fixtures, outside the pure module.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

type Raw = number | string | boolean | null | Raw[] | { [key: string]: Raw };

function decode(value: Raw): unknown {
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (Array.isArray(value)) return value.map(decode);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}

const raw = JSON.parse(readFileSync(new URL('./stats-reference.json', import.meta.url), 'utf8')) as Raw;
const data = decode(raw) as Record<string, unknown>;

/**
 * The cases of one section, typed by the caller.
 *
 * @example
 * const cases = reference<{ p: number[]; holm: number[] }>('multiple');
 */
export function reference<T>(section: string): T[] {
  const cases = data[section];
  if (!Array.isArray(cases)) throw new Error(`no reference section ${section}`);
  return cases as T[];
}

/**
 * Expect `actual` within rel·|expected| + abs of `expected`; NaN and infinities must match exactly.
 *
 * @example
 * expectClose(0.1 + 0.2, 0.3);
 */
export function expectClose(actual: number, expected: number, rel = 1e-9, abs = 1e-12, label = ''): void {
  if (!Number.isFinite(expected)) {
    expect(actual, label).toBe(expected);
    return;
  }
  const tol = rel * Math.abs(expected) + abs;
  if (!(Math.abs(actual - expected) <= tol)) {
    expect.fail(`${label} expected ${expected} ± ${tol.toExponential(2)}, got ${actual}`);
  }
}

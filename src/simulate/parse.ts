import { UsageError } from '../model/errors.js';
import type { PolicyConfig } from '../policies/registry.js';

/*
 * Parsers for what a person types on the command line. Each failure is a UsageError (exit 2) naming
 * the flag, the value and what was expected.
 */

/**
 * A strict decimal number: rejects '', '0x10', '1,5' and other things `Number` would accept or
 * half-accept.
 *
 * @example
 * parseNumber('1e6', '--horizon'); // 1000000
 */
export function parseNumber(text: string, what: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) {
    throw new UsageError(`${what}: '${text}' is not a number`);
  }
  return Number(trimmed);
}

/**
 * A whole number in [min, max], written plainly or as 1e6.
 *
 * @example
 * parseInteger('1e6', '--horizon', 1); // 1000000
 */
export function parseInteger(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = parseNumber(text, what);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`${what}: expected a whole number ${range}, got '${text}'`);
  }
  return value;
}

/**
 * Arm means from a comma-separated list where each item is a mean or COUNTxMEAN, so ten arms are
 * `0.5,9x0.4` rather than ten numbers.
 *
 * @example
 * parseArms('0.5,2x0.45'); // [0.5, 0.45, 0.45]
 */
export function parseArms(text: string): number[] {
  const means: number[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const match = /^(\d+)\s*[xX*]\s*(.+)$/.exec(item);
    if (item === '') throw new UsageError(`--arms: empty item in '${text}'; write means like 0.5,0.45 or 9x0.4`);
    const count = match ? parseInteger(match[1]!, `--arms item '${item}' (count)`, 1, 100_000) : 1;
    const mean = parseNumber(match ? match[2]! : item, `--arms item '${item}' (expected MEAN or COUNTxMEAN, e.g. 9x0.4)`);
    for (let i = 0; i < count; i++) means.push(mean);
  }
  if (means.length < 2) throw new UsageError(`--arms: a bandit needs at least 2 arms, got ${means.length}`);
  return means;
}

function optionValue(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\[.*\]$/.test(text)) return text.slice(1, -1).split(/[;/]/).filter(Boolean).map((v) => optionValue(v.trim()));
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : text;
}

/**
 * Policies from a comma-separated list. Each item is a name, optionally followed by options as
 * `:key=value` pairs (a list value is written `[9;1]`); the item itself is the label in the output.
 *
 * @example
 * parsePolicies('thompson,thompson:discount=0.99,epsilon-greedy:epsilon=0.05');
 */
export function parsePolicies(text: string): { label: string; config: PolicyConfig }[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`--policies: empty item in '${text}'`);
  const labels = new Set<string>();
  return items.map((label) => {
    if (labels.has(label)) throw new UsageError(`--policies: '${label}' is listed twice`);
    labels.add(label);
    const [name, ...pairs] = label.split(':');
    const config: PolicyConfig = { name: name! };
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--policies: '${pair}' in '${label}' is not key=value (e.g. thompson:discount=0.99)`);
      config[pair.slice(0, eq)] = optionValue(pair.slice(eq + 1));
    }
    return { label, config };
  });
}

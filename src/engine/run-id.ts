import { randomBytes } from 'node:crypto';

/**
 * A readable, sortable run id: `20261121-203512-3f9a`. Not part of any seeded choice, so it may use
 * the clock and the OS random source.
 */
export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(2).toString('hex')}`;
}

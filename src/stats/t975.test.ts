import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { t975, Z975 } from './t975.js';

const require = createRequire(import.meta.url);
const tQuantile = require('@stdlib/stats-base-dists-t-quantile') as (p: number, v: number) => number;
const normalQuantile = require('@stdlib/stats-base-dists-normal-quantile') as (p: number, mu: number, sigma: number) => number;

describe('the 97.5% quantiles computed without @stdlib', () => {
  it('agree with @stdlib to 13 significant digits at every degree of freedom to 3,000 and far beyond', () => {
    expect(Z975).toBe(normalQuantile(0.975, 0, 1));
    const dfs = [...Array.from({ length: 3_000 }, (_, i) => i + 1), 5_000, 19_999, 123_457, 1e6, 9_999_999];
    let worst = 0;
    for (const df of dfs) worst = Math.max(worst, Math.abs(t975(df) / tQuantile(0.975, df) - 1));
    expect(worst).toBeLessThan(1e-13);
  });
});

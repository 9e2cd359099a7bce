import { describe, expect, it } from 'vitest';
import { bernoulliArms } from './environments.js';
import { formatCsv, formatJson, formatTable } from './format.js';
import { parseArms, parseInteger, parsePolicies } from './parse.js';
import { plotRegret } from './plot.js';
import { runSimulation, type SimulationResult } from './simulation.js';

const result: SimulationResult = runSimulation({
  environment: bernoulliArms([0.5, 0.45, 0.45]),
  policies: [
    { label: 'thompson', config: { name: 'thompson' } },
    { label: 'a<b&"c"', config: { name: 'uniform' } },
  ],
  horizon: 1000,
  reps: 3,
  seed: 1,
});

describe('formatTable', () => {
  it('shows decades and the horizon, mean ± SE per policy and the bound', () => {
    const lines = formatTable(result).trimEnd().split('\n');
    expect(lines[0]).toBe('Cumulative regret (mean ± standard error over 3 repetitions), bernoulli, 3 arms, batch 1, seed 1');
    expect(lines[1]).toMatch(/^t\s+thompson\s+a<b&"c"\s+lai-robbins$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(['1', '10', '100', '1000']);
    expect(lines[5]).toMatch(/^1000\s+\d+\.\d ± \d+\.\d\s+33\.3 ± 0\.0\s+\d+/);
  });
});

describe('formatCsv and formatJson', () => {
  it('write every checkpoint', () => {
    const csv = formatCsv(result).trimEnd().split('\n');
    expect(csv[0]).toBe('policy,t,regretMean,regretSE');
    const n = result.curves[0]!.points.length;
    expect(csv).toHaveLength(1 + 3 * n);
    expect(csv.some((l) => l.startsWith('"a<b&""c""",1000,'))).toBe(true);
    expect(csv.at(-1)).toMatch(/^lai-robbins,1000,[\d.]+,$/);
    const json = JSON.parse(formatJson(result)) as SimulationResult;
    expect(json.curves[0]!.points[0]).toEqual({ t: 1, regretMean: expect.any(Number), regretSE: expect.any(Number) });
    expect(json.environment).toEqual({ name: 'bernoulli', means: [0.5, 0.45, 0.45] });
  });
});

describe('plotRegret', () => {
  it('draws one line and band per policy, the bound, and escapes labels', () => {
    const svg = plotRegret(result);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg.match(/<polygon /g)).toHaveLength(2);
    expect(svg).toContain('a&lt;b&amp;&quot;c&quot;');
    expect(svg).not.toContain('a<b');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    for (const t of ['>1<', '>10<', '>100<', '>1000<']) expect(svg).toContain(t);
  });
});

describe('parsers', () => {
  it('read arms as means and COUNTxMEAN', () => {
    expect(parseArms('0.5,0.45,0.45')).toEqual([0.5, 0.45, 0.45]);
    expect(parseArms('1x0.5, 3x0.4')).toEqual([0.5, 0.4, 0.4, 0.4]);
    expect(() => parseArms('0.5')).toThrow('--arms: a bandit needs at least 2 arms, got 1');
    expect(() => parseArms('0.5,,0.4')).toThrow(/empty item/);
    expect(() => parseArms('10y0.4')).toThrow("--arms item '10y0.4' (expected MEAN or COUNTxMEAN, e.g. 9x0.4): '10y0.4' is not a number");
    expect(() => parseArms('0x0.4,0.5')).toThrow(/count.*whole number between 1 and 100000/);
  });

  it('read whole numbers in 1e6 notation', () => {
    expect(parseInteger('1e6', '--horizon', 1)).toBe(1e6);
    expect(() => parseInteger('1.5', '--reps', 1)).toThrow("--reps: expected a whole number at least 1, got '1.5'");
    expect(() => parseInteger('ten', '--reps', 1)).toThrow("--reps: 'ten' is not a number");
  });

  it('read policies with options', () => {
    expect(parsePolicies('thompson, ucb1:exploration=2,uniform:weights=[9;1],top-two:minShare=0.01:burnIn=2')).toEqual([
      { label: 'thompson', config: { name: 'thompson' } },
      { label: 'ucb1:exploration=2', config: { name: 'ucb1', exploration: 2 } },
      { label: 'uniform:weights=[9;1]', config: { name: 'uniform', weights: [9, 1] } },
      { label: 'top-two:minShare=0.01:burnIn=2', config: { name: 'top-two', minShare: 0.01, burnIn: 2 } },
    ]);
    expect(() => parsePolicies('thompson,thompson')).toThrow("--policies: 'thompson' is listed twice");
    expect(() => parsePolicies('thompson:discount')).toThrow(/'discount' in 'thompson:discount' is not key=value/);
  });
});

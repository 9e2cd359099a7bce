import { describe, expect, it } from 'vitest';
import { UsageError } from '../../model/errors.js';
import type { SimulationResult } from '../../simulate/simulation.js';
import { simulateCommand, type SimulateIo } from './simulate.js';

async function run(...args: string[]): Promise<{ out: string; err: string; files: Map<string, string> }> {
  let out = '';
  let err = '';
  const files = new Map<string, string>();
  const io: SimulateIo = {
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
    writeFile: (path, text) => files.set(path, text),
    progress: false,
  };
  await simulateCommand(io).exitOverride().parseAsync(args, { from: 'user' });
  return { out, err, files };
}

describe('metaorch simulate', () => {
  it('prints a regret table with the default policies', async () => {
    const { out } = await run('--arms', '0.5,2x0.45', '--horizon', '200', '--reps', '2');
    expect(out).toMatch(/^Cumulative regret .* 3 arms, batch 1, seed 1\n/);
    expect(out.split('\n')[1]).toMatch(/^t\s+thompson\s+ucb1\s+kl-ucb\s+epsilon-greedy\s+uniform\s+lai-robbins$/);
    expect(out).toMatch(/\n200 /);
  });

  it('prints JSON with t, regretMean and regretSE per policy and checkpoint, and writes a plot', async () => {
    const { out, err, files } = await run(
      '--arms', '0.6,0.5', '--policies', 'thompson,ucb1:exploration=2', '--horizon', '1e3', '--reps', '2', '--batch', '10', '--seed', '7', '--json', '--plot', 'r.svg',
    );
    const json = JSON.parse(out) as SimulationResult;
    expect(json).toMatchObject({ horizon: 1000, reps: 2, batch: 10, seed: 7 });
    expect(json.curves.map((c) => c.policy)).toEqual(['thompson', 'ucb1:exploration=2']);
    expect(Object.keys(json.curves[0]!.points[0]!)).toEqual(['t', 'regretMean', 'regretSE']);
    expect(files.get('r.svg')).toMatch(/^<svg /);
    expect(err).toBe('wrote r.svg\n');
  });

  it('prints CSV, and simulates Gaussian and drifting arms', async () => {
    const { out } = await run('--arms', '1,0,0', '--gaussian', '--sd', '2', '--drift', '0.001', '--horizon', '300', '--reps', '1', '--csv');
    expect(out.split('\n')[0]).toBe('policy,t,regretMean,regretSE');
    expect(out).toContain('gaussian-thompson,300,');
    expect(out).not.toContain('lai-robbins');
  });

  it('runs a controller scenario with and without the controller (table and JSON)', async () => {
    const { out } = await run('--scenario', 'outage', '--reps', '3', '--seed', '2');
    expect(out).toMatch(/^Scenario outage: c \(the best\) fails outright .* 8,000 trials, 3 repetitions .* policy thompson:discount=0.999, seed 2\n/);
    expect(out).toMatch(/\non +[\d.]+ ± [\d.]+ +[\d.]+ ± [\d.]+ +[\d.]+ +3\/3 +\d+ \/ \d+ \(3\/3 acted\)/);
    expect(out).toMatch(/\noff +[\d.]+ ± /);
    const json = JSON.parse((await run('--scenario', 'stationary', '--trials', '5000', '--reps', '2', '--controller', 'on', '--json')).out) as { rows: { controller: boolean; runsWithAction: number }[]; trials: number };
    expect(json.trials).toBe(5000);
    expect(json.rows).toEqual([expect.objectContaining({ controller: true, runsWithAction: 0 })]);
  });

  it.each([
    [['--scenario', 'meltdown'], "--scenario: unknown scenario 'meltdown'; known scenarios: stationary, stationary-equal, failure-spike, outage, slow-drift, latency-regression, recovery, swap"],
    [['--scenario', 'outage', '--controller', 'maybe'], "--controller: expected on, off or both, got 'maybe'"],
    [['--scenario', 'outage', '--arms', '0.5'], '--scenario and --arms: a scenario brings its own variants; give one of them'],
    [[], 'give --arms (bandit arms to compare policies on) or --scenario (a controller scenario)'],
    [['--arms', '0.5,1.5'], "--arms: 1.5 is not a success probability in [0, 1] (use --gaussian for other rewards)"],
    [['--arms', '0.5,0.4', '--policies', 'thompsn'], /--policies: policy: name: unknown policy "thompsn"; known policies: uniform, /],
    [['--arms', '0.5,0.4', '--policies', 'thompson:discount=2'], /--policies: policy 'thompson': discount: /],
    [['--arms', '1,0', '--gaussian', '--policies', 'kl-ucb'], "--policies: 'kl-ucb' needs rewards in [0, 1]; with --gaussian use gaussian-thompson, ucb1, epsilon-greedy or uniform"],
    [['--arms', '0.5,0.4', '--horizon', '0'], "--horizon: expected a whole number between 1 and 1000000000, got '0'"],
    [['--arms', '0.5,0.4', '--reps', 'many'], "--reps: 'many' is not a number"],
    [['--arms', '0.5,0.4', '--drift', '2'], "--drift: expected a probability per step in [0, 1], got '2'"],
    [['--arms', '0.5,0.4', '--json', '--csv'], '--json and --csv: choose one output format'],
    [['--arms', '0.5,0.4', '--plot', 'r.png'], "--plot: expected a file name ending in .svg, got 'r.png'"],
    [['--arms', '0.5,0.4', '--batch', '0'], /--batch: expected a whole number between 1 and/],
  ])('rejects %j with a usage error', async (args, message) => {
    const attempt = run(...args);
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(message);
  });
});

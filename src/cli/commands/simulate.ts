import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { scenarioNames } from '../../simulate/scenarios.js';

export interface SimulateFlags {
  arms?: string;
  scenario?: string;
  controller: string;
  trials?: string;
  policy: string;
  gaussian?: boolean;
  sd: string;
  drift?: string;
  batch: string;
  policies?: string;
  horizon: string;
  reps: string;
  seed: string;
  json?: boolean;
  csv?: boolean;
  plot?: string;
}

/** Where the command writes; swapped in tests. */
export interface SimulateIo {
  stdout(text: string): void;
  stderr(text: string): void;
  writeFile(path: string, text: string): void;
  /** Show per-repetition progress on stderr. */
  progress: boolean;
}

const processIo: SimulateIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  writeFile: (path, text) => writeFileSync(path, text),
  progress: process.stderr.isTTY === true,
};

export const BOUNDED_DEFAULT = 'thompson,ucb1,kl-ucb,epsilon-greedy,uniform';
export const GAUSSIAN_DEFAULT = 'gaussian-thompson,ucb1,epsilon-greedy,uniform';

/**
 * `metaorch simulate`: compares policies on simulated arms and prints cumulative regret over time.
 *
 * @example
 * metaorch simulate --arms 0.5,9x0.4 --horizon 1e5 --reps 20 --plot regret.svg
 */
export function simulateCommand(io: SimulateIo = processIo): Command {
  return new Command('simulate')
    .description('compare bandit policies on simulated arms: cumulative regret over time, with the Lai-Robbins bound')
    .option('--arms <list>', 'arm means, comma-separated; COUNTxMEAN repeats one, e.g. 0.5,0.45,0.45 or 1x0.5,9x0.4')
    .option('--scenario <name>', `a controller scenario instead of arms: ${scenarioNames.join(', ')}`)
    .option('--controller <on|off|both>', 'with --scenario: run with the controller (defaults), without it, or both', 'both')
    .option('--trials <T>', 'with --scenario: trials per run (default: the scenario\'s)')
    .option('--policy <name[:key=value...]>', 'with --scenario: the policy the controller steers', 'thompson:discount=0.999')
    .option('--gaussian', 'Gaussian rewards around each mean (default: Bernoulli, means are success probabilities)')
    .option('--sd <sd>', 'noise standard deviation of Gaussian arms', '1')
    .option('--drift <p>', "probability per step that an arm's mean is redrawn (uniform in [0,1]; N(0,1) when --gaussian)")
    .option('--batch <n>', 'deliver feedback in batches of n outcomes (delayed feedback, as with concurrent trials)', '1')
    .option('--policies <list>', `policies, comma-separated, each name[:key=value...], e.g. thompson:discount=0.99 (default: ${BOUNDED_DEFAULT}; with --gaussian: ${GAUSSIAN_DEFAULT})`)
    .option('--horizon <T>', 'steps per repetition (1e6 notation accepted)', '10000')
    .option('--reps <R>', 'repetitions per policy', '20')
    .option('--seed <S>', 'seed; the same seed gives the same numbers', '1')
    .option('--json', 'print JSON: per policy and checkpoint, t, regretMean and regretSE')
    .option('--csv', 'print CSV: policy,t,regretMean,regretSE')
    .option('--plot <file.svg>', 'also draw regret against t (log axis) as an SVG file')
    .action(async (flags: SimulateFlags) => {
      // The simulation and its policies load only when the command runs.
      const { simulate } = await import('./simulate-run.js');
      simulate(flags, io);
    });
}

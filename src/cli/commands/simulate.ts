import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { UsageError } from '../../model/errors.js';
import { PolicyConfigError } from '../../policies/errors.js';
import { createPolicy, findPolicy } from '../../policies/registry.js';
import { drifting } from '../../simulate/drifting.js';
import { bernoulliArms, gaussianArms, type Environment } from '../../simulate/environments.js';
import { formatCsv, formatJson, formatTable } from '../../simulate/format.js';
import { parseArms, parseInteger, parseNumber, parsePolicies } from '../../simulate/parse.js';
import { plotRegret } from '../../simulate/plot.js';
import type { PolicyEntry } from '../../simulate/runner.js';
import { defaultControllerConfig } from '../../controller/config.js';
import { formatScenario, runScenario } from '../../simulate/controller-scenarios.js';
import { SCENARIOS, scenarioNames } from '../../simulate/scenarios.js';
import { runSimulation } from '../../simulate/simulation.js';

interface SimulateFlags {
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

const BOUNDED_DEFAULT = 'thompson,ucb1,kl-ucb,epsilon-greedy,uniform';
const GAUSSIAN_DEFAULT = 'gaussian-thompson,ucb1,epsilon-greedy,uniform';

function environmentFrom(flags: SimulateFlags): Environment {
  const means = parseArms(flags.arms ?? '');
  const sd = parseNumber(flags.sd, '--sd');
  if (!(sd > 0)) throw new UsageError(`--sd: expected a positive standard deviation, got '${flags.sd}'`);
  if (!flags.gaussian) {
    const bad = means.find((m) => m < 0 || m > 1);
    if (bad !== undefined) throw new UsageError(`--arms: ${bad} is not a success probability in [0, 1] (use --gaussian for other rewards)`);
  }
  const env = flags.gaussian ? gaussianArms(means, { sd }) : bernoulliArms(means);
  if (flags.drift === undefined) return env;
  const p = parseNumber(flags.drift, '--drift');
  if (!(p >= 0 && p <= 1)) throw new UsageError(`--drift: expected a probability per step in [0, 1], got '${flags.drift}'`);
  return drifting(env, { probability: p });
}

/** Checks every policy now, so a typo fails before minutes of simulation rather than after. */
function policiesFrom(flags: SimulateFlags, env: Environment): PolicyEntry[] {
  const entries = parsePolicies(flags.policies ?? (env.bounded ? BOUNDED_DEFAULT : GAUSSIAN_DEFAULT));
  for (const { label, config } of entries) {
    try {
      createPolicy(config, env.armCount);
    } catch (error) {
      if (error instanceof PolicyConfigError) throw new UsageError(`--policies: ${error.message}`);
      throw error;
    }
    if (!env.bounded && findPolicy(config.name)?.bounded) {
      throw new UsageError(`--policies: '${label}' needs rewards in [0, 1]; with --gaussian use gaussian-thompson, ucb1, epsilon-greedy or uniform`);
    }
  }
  return entries;
}

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
    .action((flags: SimulateFlags) => {
      if (flags.scenario !== undefined) return simulateScenario(flags, io);
      if (flags.arms === undefined) throw new UsageError('give --arms (bandit arms to compare policies on) or --scenario (a controller scenario)');
      if (flags.json && flags.csv) throw new UsageError('--json and --csv: choose one output format');
      if (flags.plot !== undefined && !/\.svg$/i.test(flags.plot)) throw new UsageError(`--plot: expected a file name ending in .svg, got '${flags.plot}'`);
      const environment = environmentFrom(flags);
      const policies = policiesFrom(flags, environment);
      const horizon = parseInteger(flags.horizon, '--horizon', 1, 1e9);
      const reps = parseInteger(flags.reps, '--reps', 1, 1e6);
      const seed = parseInteger(flags.seed, '--seed', 0, 2 ** 32 - 1);
      const batch = parseInteger(flags.batch, '--batch', 1, horizon);
      const total = policies.length * reps;
      let done = 0;
      const result = runSimulation({ environment, policies, horizon, reps, seed, batch }, (policy, rep) => {
        done++;
        if (io.progress) io.stderr(`\r${policy}: repetition ${rep + 1}/${reps} (${Math.round((done / total) * 100)}% overall)\x1b[K`);
      });
      if (io.progress) io.stderr('\r\x1b[K');
      io.stdout(flags.json ? formatJson(result) : flags.csv ? formatCsv(result) : formatTable(result));
      if (flags.plot !== undefined) {
        io.writeFile(flags.plot, plotRegret(result));
        io.stderr(`wrote ${flags.plot}\n`);
      }
    });
}

/** `--scenario`: a controller scenario at simulation speed, with and/or without the controller. */
function simulateScenario(flags: SimulateFlags, io: SimulateIo): void {
  const make = SCENARIOS[flags.scenario ?? ''];
  if (!make) throw new UsageError(`--scenario: unknown scenario '${flags.scenario}'; known scenarios: ${scenarioNames.join(', ')}`);
  if (flags.arms !== undefined) throw new UsageError('--scenario and --arms: a scenario brings its own variants; give one of them');
  if (flags.csv || flags.plot !== undefined) throw new UsageError('--scenario prints a table or --json (no --csv or --plot)');
  const c = flags.controller;
  const sides: readonly ('on' | 'off')[] | null = c === 'both' ? ['on', 'off'] : c === 'on' || c === 'off' ? [c] : null;
  if (!sides) throw new UsageError(`--controller: expected on, off or both, got '${flags.controller}'`);
  const trials = flags.trials === undefined ? undefined : parseInteger(flags.trials, '--trials', 100, 1e8);
  const reps = parseInteger(flags.reps, '--reps', 1, 1e5);
  const seed = parseInteger(flags.seed, '--seed', 0, 2 ** 32 - 1);
  const [entry] = parsePolicies(flags.policy);
  const scenario = make(trials);
  try {
    createPolicy(entry!.config, scenario.variants.length);
  } catch (error) {
    if (error instanceof PolicyConfigError) throw new UsageError(`--policy: ${error.message}`);
    throw error;
  }
  let done = 0;
  const total = sides.length * reps;
  const report = runScenario(scenario, entry!.config, defaultControllerConfig(), {
    reps, seed, sides,
    onProgress: (side, rep) => {
      done++;
      if (io.progress) io.stderr(`\rcontroller ${side}: repetition ${rep + 1}/${reps} (${Math.round((done / total) * 100)}% overall)\x1b[K`);
    },
  });
  if (io.progress) io.stderr('\r\x1b[K');
  io.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatScenario(report));
}

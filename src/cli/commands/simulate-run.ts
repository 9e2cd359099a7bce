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
import { BOUNDED_DEFAULT, GAUSSIAN_DEFAULT, type SimulateFlags, type SimulateIo } from './simulate.js';

/**
 * What `metaorch simulate` does once its flags are read (loaded only when the command runs).
 *
 * @example
 * simulate({ arms: '0.5,0.45', ... }, io);
 */
export function simulate(flags: SimulateFlags, io: SimulateIo): void {
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
}

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

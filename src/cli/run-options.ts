import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import type { ResponseCache } from '../cache/response-cache.js';
import { readEnvFile } from '../config/env-file.js';
import type { Experiment } from '../config/experiment.js';
import type { ExecutorConfig } from '../config/executor.js';
import type { LoadOverrides } from '../config/load.js';
import { UsageError } from '../model/errors.js';
import { countFlag, selectRun } from '../config/select.js';

/** Modules loaded only when a command reads an experiment (`metaorch --help` and other commands never load them). */
const loader = () => import('../config/load.js');

/** Flags `run` shares with `validate`: which environment, which part of the experiment. */
export interface ExperimentFlags {
  envFile?: string;
  variant?: string[];
  limit?: string;
  sample?: string;
  /** --cache / --no-cache; undefined: as the experiment says. */
  cache?: boolean;
}

/** `--cache` / `--no-cache`: `run` and `resume`. */
export function cacheOptions(command: Command): Command {
  return command
    .addOption(new Option('--cache', 'answer from the response cache (.metaorch/cache.db) where it has the answer, and fill it (default: the experiment\'s cache field, off)'))
    .addOption(new Option('--no-cache', 'call every variant, whatever the experiment says'));
}

/**
 * The response cache a run uses, or none: `--cache`/`--no-cache`, else the experiment's `cache`
 * field, else off. It is one file beside the store.
 *
 * @example
 * const cache = await responseCache(flags, experiment, db); try { ... } finally { cache?.close(); }
 */
export async function responseCache(flags: ExperimentFlags, experiment: Pick<Experiment, 'cache'>, db: string, executor?: ExecutorConfig): Promise<ResponseCache | undefined> {
  const on = flags.cache ?? experiment.cache ?? false;
  if (!on) return undefined;
  if (executor && executor.type !== 'inline') {
    // Producers and workers are other processes: they cannot share this process's cache file safely.
    if (flags.cache === true) throw new UsageError(`--cache works with the inline executor only (this run uses ${executor.type})`);
    console.error(`Note: the response cache is off: it works with the inline executor only (this run uses ${executor.type}).`);
    return undefined;
  }
  const { SqliteResponseCache } = await import('../store/sqlite-response-cache.js');
  return SqliteResponseCache.open(join(dirname(db), 'cache.db'));
}

const repeatable = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** `--env-file`: every command that reads an experiment. */
export function envFileOption(command: Command): Command {
  return command.addOption(new Option('--env-file <path>', 'load variables from this file (default: .env beside the experiment, when there is one); variables already set win'));
}

/** `--variant`, `--limit`, `--sample`: run (or validate) a part of the experiment. */
export function selectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--variant <id>', 'run only this variant (repeat for several)').argParser(repeatable))
    .addOption(new Option('--limit <n>', 'only the first N tasks'))
    .addOption(new Option('--sample <n>', "N tasks drawn with the experiment's seed (the same N tasks every time)"));
}

/**
 * Loads the env file into this process's environment (so commands and modules a run starts see it),
 * validates the experiment against it and narrows it to the selection.
 *
 * @example
 * const { experiment } = await prepareExperiment('exp.yaml', { variant: ['a'], limit: '10' });
 */
export async function prepareExperiment(file: string, flags: ExperimentFlags, overrides: LoadOverrides = {}): Promise<{ experiment: Experiment; envFile: string | null; added: number }> {
  const { env, file: envFile, added } = readEnvFile(file, flags.envFile, process.env);
  for (const name of added) process.env[name] = env[name];
  const { loadExperiment } = await loader();
  const loaded = await loadExperiment(file, process.env, overrides);
  const selection = {
    ...(flags.variant ? { variants: flags.variant } : {}),
    ...(flags.limit !== undefined ? { limit: countFlag('--limit', flags.limit) as number } : {}),
    ...(flags.sample !== undefined ? { sample: countFlag('--sample', flags.sample) as number } : {}),
  };
  return { experiment: selectRun(loaded, selection), envFile, added: added.length };
}

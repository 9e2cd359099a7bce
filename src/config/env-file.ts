import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../model/errors.js';
import { FileReadError, readRegularFile } from '../model/files.js';

/** What reading an env file gave: where it was, and the variables it set (names only). */
export interface EnvFileResult {
  file: string | null;
  /** Names the file set that were not already set (variables already set win). */
  added: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The environment a run sees: `base` plus the variables of an env file that `base` does not set
 * (variables already set win, as in promptfoo and dotenv). The file is `--env-file` when given (it must
 * exist), else `.env` beside the experiment when there is one. Values are never printed, stored or
 * returned apart from the environment: like any environment value, they reach a run only through
 * `${NAME}` references, which stay references in the store.
 *
 * @example
 * const { env, file } = readEnvFile('exp/experiment.yaml', undefined, process.env); // loads exp/.env if present
 */
export function readEnvFile(experimentFile: string, flag: string | undefined, base: NodeJS.ProcessEnv): EnvFileResult {
  const file = flag !== undefined ? resolve(flag) : join(dirname(resolve(experimentFile)), '.env');
  if (flag === undefined && !existsSync(file)) return { file: null, added: [], env: base };
  let text: string;
  try {
    text = readRegularFile(file, base);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    throw new ConfigError([{ file: relativeName(file), path: '', message: `cannot read the env file${flag !== undefined ? ' given with --env-file' : ''}: ${e.message}` }]);
  }
  const parsed = parseEnv(text) as Record<string, string>;
  const added = Object.keys(parsed).filter((name) => base[name] === undefined);
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of added) env[name] = parsed[name];
  return { file, added, env };
}

function relativeName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

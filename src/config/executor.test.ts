import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import { ConfigError } from '../model/errors.js';
import { parseExecutorFlag, validateExecutor } from './executor.js';
import { loadExperiment } from './load.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

function experimentFile(extra: string, variant = '{ id: a, adapter: mock }'): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, `name: x\ntasks: [{ q: 1 }]\nvariants:\n  - ${variant}\n${extra}`);
  return file;
}

async function issuesOf(file: string, env: NodeJS.ProcessEnv = {}, executor?: unknown) {
  const error = await loadExperiment(file, env, executor !== undefined ? { executor } : {}).catch((e: unknown) => e);
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error.issues.map((i) => `${i.line ?? '-'} ${i.path}: ${i.message}`);
}

describe('executor config', () => {
  it('defaults every option', () => {
    expect(validateExecutor('pool').config).toEqual({ type: 'pool', heartbeat: 10_000, restarts: { max: 5, period: 60_000 } });
    expect(validateExecutor({ type: 'bullmq', redis: '${REDIS_URL}' }).config).toEqual({ type: 'bullmq', redis: '${REDIS_URL}', queue: 'metaorch', connectTimeout: 10_000, batch: 16 });
    expect(validateExecutor({ type: 'pool', workers: 4, heartbeat: '2s', restarts: { max: 50 } }).config).toMatchObject({ workers: 4, heartbeat: 2000, restarts: { max: 50, period: 60_000 } });
  });

  it('lists the known types for an unknown one, and names bad options', async () => {
    expect(await issuesOf(experimentFile('executor: { type: kubernetes }\n'))).toEqual([
      "5 executor.type: unknown executor type 'kubernetes' (known executor types: inline, pool, bullmq)",
    ]);
    expect(await issuesOf(experimentFile('executor: threads\n'))).toEqual([
      "5 executor: unknown executor type 'threads' (known executor types: inline, pool, bullmq)",
    ]);
    expect(await issuesOf(experimentFile('executor: { type: pool, workers: 0, wrkers: 2 }\n'))).toEqual([
      '5 executor.workers: expected at least 1, got 0',
      "5 executor.wrkers: unknown field 'wrkers' for executor 'pool'; did you mean 'workers'?",
    ]);
    expect(await issuesOf(experimentFile('executor: { type: bullmq, queue: "a b" }\n'))).toEqual([
      '5 executor.redis: missing: expected text',
      '5 executor.queue: expected a queue name of letters, digits, . _ -',
    ]);
  });

  it('takes --executor over the file, with the flag named in errors', async () => {
    const file = experimentFile('executor: pool\n');
    expect((await loadExperiment(file, {}, { executor: parseExecutorFlag('inline') })).executor).toEqual({ type: 'inline' });
    expect(await issuesOf(file, {}, parseExecutorFlag('pool,workers=x'))).toEqual(["- workers: expected a number, got 'x'"]);
  });

  it('parses the flag: TYPE[,key=value...], URLs with commas included', () => {
    expect(parseExecutorFlag('pool,workers=4,heartbeat=2s')).toEqual({ type: 'pool', workers: 4, heartbeat: '2s' });
    expect(parseExecutorFlag('bullmq,redis=redis://h:6379/0?a=1,2,queue=q')).toEqual({ type: 'bullmq', redis: 'redis://h:6379/0?a=1,2', queue: 'q' });
  });

  it('with bullmq, needs only the executor secrets on this machine: variant secrets are the workers\'', async () => {
    const variant = '{ id: a, adapter: openai, model: m, apiKey: "${OPENAI_API_KEY}", baseURL: "${LLM_URL}" }';
    const remote = experimentFile('executor: { type: bullmq, redis: "${REDIS_URL}" }\n', variant);
    expect(await issuesOf(remote, {})).toEqual(['5 executor.redis: environment variable REDIS_URL is not set (referenced as ${REDIS_URL}); set it in the environment or in a .env file beside the experiment']);
    const loaded = await loadExperiment(remote, { REDIS_URL: 'redis://localhost:6379' });
    // References stay references: nothing resolved (or stood in) reaches the stored config.
    expect(loaded.variants[0]?.options).toEqual({ model: 'm', apiKey: '${OPENAI_API_KEY}', baseURL: '${LLM_URL}' });
    expect(loaded.executor).toMatchObject({ type: 'bullmq', redis: '${REDIS_URL}' });
    // Inline, the same variant needs its secrets here.
    const local = experimentFile('', variant);
    expect(await issuesOf(local, {})).toEqual(['4 variants[0].apiKey: environment variable OPENAI_API_KEY is not set (referenced as ${OPENAI_API_KEY}); set it in the environment or in a .env file beside the experiment', '4 variants[0].baseURL: environment variable LLM_URL is not set (referenced as ${LLM_URL}); set it in the environment or in a .env file beside the experiment']);
  });
});

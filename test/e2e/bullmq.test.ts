import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bullmqExperiment, startWorker, stopWorker, type WorkerProcess } from '../support/bullmq.js';
import { expectRunComplete } from '../support/chaos.js';
import { REPO, runCli, tempDir } from '../support/cli.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * The bullmq executor through the real CLI: `metaorch run` publishes trials on a private Redis,
 * `metaorch worker` processes execute them from another folder (their own copy of the project).
 */

const FIXTURE = join(REPO, 'test/fixtures/crash');
let redis: TestRedis;
let lru: TestRedis;
const workers: WorkerProcess[] = [];
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  [redis, lru] = await Promise.all([startRedis(), startRedis({ maxmemoryPolicy: 'allkeys-lru' })]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), lru?.stop()]);
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map(stopWorker));
  cleanups.splice(0).forEach((c) => c());
});

/** The orchestrator's project and a worker's copy of it (another folder, as on another machine). */
function projects(): { orch: string; worker: string } {
  const { dir, cleanup } = tempDir('metaorch-bullmq-');
  cleanups.push(cleanup);
  const orch = join(dir, 'orchestrator');
  const worker = join(dir, 'worker');
  for (const d of [orch, worker]) {
    mkdirSync(join(d, 'agents'), { recursive: true });
    cpSync(join(FIXTURE, 'agent.js'), join(d, 'agents', 'agent.js'));
    cpSync(join(FIXTURE, 'tasks.jsonl'), join(d, 'tasks.jsonl'));
  }
  return { orch, worker };
}

describe('bullmq executor', () => {
  it('runs trials on workers elsewhere, with the results the inline executor gives', async () => {
    const { orch, worker } = projects();
    const file = bullmqExperiment(orch, { tasks: 100, queue: 'e2e-basic', agent: './agents/agent.js', tasksFile: './tasks.jsonl' });
    const env = { REDIS_URL: redis.url, CRASH_MIN_MS: '1', CRASH_MAX_MS: '3' };
    for (let i = 0; i < 2; i++) workers.push(startWorker(redis.url, worker, ['--queue', 'e2e-basic', '--concurrency', '20'], env));
    const db = join(orch, 's.db');
    const run = await runCli(['run', file, '--db', db, '--no-progress', '--out', join(orch, 'out')], { cwd: orch, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('executor bullmq (queue e2e-basic)');
    const runId = /^Run (\S+)/.exec(run.stdout)?.[1] as string;
    expect(expectRunComplete(db, runId, 300, join(orch, 'out', 'summary.json'))).toEqual({ status: 'completed', ok: 300, errors: 0 });
    // Each row holds its own trial's answer, as computed on a worker.
    const inline = await runCli(['run', file, '--db', db, '--no-progress', '--executor', 'inline'], { cwd: orch, env });
    const inlineId = /^Run (\S+)/.exec(inline.stdout)?.[1] as string;
    const rows = (id: string) => new Database(db, { readonly: true }).prepare('SELECT seq, variant_id, output, status FROM trials WHERE run_id = ? ORDER BY seq').all(id);
    expect(rows(runId)).toEqual(rows(inlineId));
    expect(workers.map((w) => w.output()).join('')).toContain('on queue \'e2e-basic\'');
    // Nothing of the run is left in Redis once it is done: no job, no published run, no results.
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      const keys = (await client.keys('*')).filter((k) => k.includes('e2e-basic')).sort();
      expect(keys.filter((k) => !/^bull:e2e-basic:(meta|events|id|stalled-check|marker)$/.test(k))).toEqual([]);
    } finally {
      client.disconnect();
    }
    const left = await runCli(['worker', '--redis', redis.url, '--queue', 'e2e-basic'], { cwd: worker });
    expect(left.code).toBe(2);
  }, 120_000);

  it('reports a module file missing on the worker as a clear trial error, not a crash', async () => {
    const { orch, worker } = projects();
    writeFileSync(join(orch, 'agents', 'only-here.js'), 'export default () => "x";\n');
    const file = join(orch, 'exp.yaml');
    writeFileSync(file, [
      'name: missing', 'seed: 1', 'retries: 2', 'prompt: "{{n}}"', 'tasks: { file: ./tasks.jsonl, limit: 10 }',
      'executor: { type: bullmq, redis: "${REDIS_URL}", queue: e2e-missing }', 'variants:',
      '  - { id: here, adapter: module, file: ./agents/agent.js, export: v0 }',
      '  - { id: gone, adapter: module, file: ./agents/only-here.js }', '',
    ].join('\n'));
    const env = { REDIS_URL: redis.url, CRASH_MIN_MS: '1', CRASH_MAX_MS: '2' };
    const w = startWorker(redis.url, worker, ['--queue', 'e2e-missing'], env);
    workers.push(w);
    const db = join(orch, 's.db');
    const run = await runCli(['run', file, '--db', db, '--no-progress'], { cwd: orch, env });
    expect(run.code, run.stderr).toBe(0);
    const runId = /^Run (\S+)/.exec(run.stdout)?.[1] as string;
    const trials = new Database(db, { readonly: true })
      .prepare('SELECT variant_id AS v, status, error_kind AS kind, error, attempt_count AS attempts FROM trials WHERE run_id = ? ORDER BY seq')
      .all(runId) as { v: string; status: string; kind: string | null; error: string | null; attempts: number }[];
    expect(trials.filter((t) => t.v === 'here').every((t) => t.status === 'ok')).toBe(true);
    const gone = trials.filter((t) => t.v === 'gone');
    expect(gone).toHaveLength(10);
    for (const t of gone) {
      expect(t).toMatchObject({ status: 'error', kind: 'client', attempts: 1 });
      expect(JSON.parse(t.error as string).message).toBe(
        `variant gone: file not found on worker ${w.output().match(/metaorch worker (\S+) on queue/)?.[1]}: ${join(worker, 'agents', 'only-here.js')} (written agents/only-here.js, resolved against --project ${worker})`,
      );
    }
    expect(w.child.exitCode).toBeNull(); // still serving
  }, 120_000);

  it('refuses bad input with exit 2 and writes nothing', async () => {
    const { orch, worker } = projects();
    const file = bullmqExperiment(orch, { tasks: 10, queue: 'e2e-bad', agent: './agents/agent.js', tasksFile: './tasks.jsonl' });
    const db = join(orch, 's.db');
    const cases: [Record<string, string>, string[], RegExp][] = [
      [{ REDIS_URL: 'localhost:6379' }, [], /executor\.redis: expected a redis:\/\/ or rediss:\/\/ URL, got localhost:\/\/ in localhost:6379/],
      [{}, ['--executor', 'bullmq,redis=redis://127.0.0.1:1,queue=e2e-bad,connectTimeout=1500ms'], /executor\.redis: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ within 1\.5s \(.*ECONNREFUSED.*\)/],
      [{ REDIS_URL: lru.url }, [], /has maxmemory-policy allkeys-lru: it may evict BullMQ jobs.*Set it to noeviction/s],
      [{}, ['--executor', 'kafka'], /--executor type: unknown executor type 'kafka' \(known executor types: inline, pool, bullmq\)/],
    ];
    for (const [env, extra, expected] of cases) {
      const r = await runCli(['run', file, '--db', db, '--no-progress', ...extra], { cwd: orch, env: { REDIS_URL: redis.url, ...env } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(expected);
    }
    expect(new Database(db, { readonly: true }).prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(0);
    const noRun = await runCli(['worker', '--redis', redis.url, '--queue', 'nobody-home'], { cwd: worker });
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toContain(`no run is published on queue 'nobody-home' at ${redis.url}`);
    const badUrl = await runCli(['worker', '--redis', 'redis://h:1/x'], { cwd: worker });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--redis: the path of redis://h:1/x must be a database number (/0), got /x');
  }, 120_000);

  it('a worker without a run\'s secret refuses it with exit 2, naming the variable', async () => {
    const { orch, worker } = projects();
    const file = join(orch, 'exp.yaml');
    writeFileSync(file, [
      'name: secrets', 'seed: 1', 'tasks: [{ q: 1 }]', 'executor: { type: bullmq, redis: "${REDIS_URL}", queue: e2e-secret }', 'variants:',
      '  - { id: a, adapter: openai, model: m, baseURL: "http://127.0.0.1:9/v1", apiKey: "${SOME_API_KEY}" }', '',
    ].join('\n'));
    // The orchestrator need not hold the workers' secrets.
    const run = startWorker(redis.url, worker, ['--queue', 'e2e-secret'], { SOME_API_KEY: undefined });
    const { startCli } = await import('../support/cli.js');
    const orchestrator = startCli(['run', file, '--db', join(orch, 's.db'), '--no-progress'], { cwd: orch, env: { REDIS_URL: redis.url, SOME_API_KEY: undefined } });
    const code = await run.exited;
    orchestrator.kill('SIGKILL');
    expect(code, run.output()).toBe(2);
    expect(run.output()).toMatch(/run \S+ needs \$\{SOME_API_KEY\}, which is not set in this worker's environment/);
  }, 60_000);
});

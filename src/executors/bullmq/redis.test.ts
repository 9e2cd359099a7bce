import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../../test/support/redis.js';
import type { Experiment } from '../../config/experiment.js';
import { UsageError } from '../../model/errors.js';
import { publishRun, rebaseRun } from './publish.js';
import { closeRedis, connectRedis, maskUrl, parseRedisUrl, requireNoEviction } from './redis.js';

let evicting: TestRedis;
let good: TestRedis;
beforeAll(async () => {
  [good, evicting] = await Promise.all([startRedis(), startRedis({ maxmemoryPolicy: 'allkeys-lru' })]);
});
afterAll(async () => {
  await Promise.all([good?.stop(), evicting?.stop()]);
});

const usage = async (f: () => Promise<unknown>) => {
  const error = await f().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return (error as Error).message;
};

describe('redis connections', () => {
  it('checks URLs and never shows a password', () => {
    expect(() => parseRedisUrl('localhost:6379', 'executor.redis')).toThrow("executor.redis: expected a redis:// or rediss:// URL, got localhost:// in localhost:6379");
    expect(() => parseRedisUrl('http://h:1', '--redis')).toThrow('--redis: expected a redis:// or rediss:// URL, got http://');
    expect(() => parseRedisUrl('redis://u:hunter22@h:6379/x', '--redis')).toThrow('--redis: the path of redis://u:***@h:6379/x must be a database number (/0), got /x');
    expect(() => parseRedisUrl('redis://:s3cret@[::1', '--redis')).toThrow("--redis: 'redis://:***@[::1' is not a URL");
    expect(maskUrl(parseRedisUrl('redis://:s3cret@host:6380/2', 'x'))).toBe('redis://:***@host:6380/2');
  });

  it('gives up on an unreachable Redis after the bounded wait, naming it', async () => {
    const url = parseRedisUrl('redis://:topsecret@127.0.0.1:1/0', 'executor.redis');
    const t0 = Date.now();
    const message = await usage(() => connectRedis(url, { timeoutMs: 700, where: 'executor.redis' }));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(message).toMatch(/^executor\.redis: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 within 0\.7s \(.*ECONNREFUSED.*\): start it, or point executor\.redis at a running one$/);
    expect(message).not.toContain('topsecret');
  });

  it('refuses a Redis that may evict keys, and accepts noeviction', async () => {
    const bad = parseRedisUrl(evicting.url, 'executor.redis');
    const redis = await connectRedis(bad, { timeoutMs: 5000, where: 'executor.redis' });
    try {
      const message = await usage(() => requireNoEviction(redis, bad, 'executor.redis'));
      expect(message).toContain('has maxmemory-policy allkeys-lru: it may evict BullMQ jobs');
      expect(message).toContain("Set it to noeviction (in redis.conf: 'maxmemory-policy noeviction'");
    } finally {
      closeRedis(redis);
    }
    const ok = parseRedisUrl(good.url, 'x');
    const fine = await connectRedis(ok, { timeoutMs: 5000, where: 'x' });
    try {
      await requireNoEviction(fine, ok, 'x');
    } finally {
      closeRedis(fine);
    }
  });

  it('reports an outage and the way back', async () => {
    const events: string[] = [];
    const url = parseRedisUrl(good.url, 'x');
    const redis = await connectRedis(url, { timeoutMs: 5000, where: 'x', onDown: () => events.push('down'), onUp: () => events.push('up') });
    try {
      await good.kill9();
      await new Promise((r) => setTimeout(r, 300));
      await good.restart();
      await expect(redis.ping()).resolves.toBe('PONG');
      expect(events).toEqual(['down', 'up']);
    } finally {
      closeRedis(redis);
    }
  });
});

describe('publishing a run for workers', () => {
  it('makes files project-relative, and a worker resolves them against its own project', () => {
    const project = mkdtempSync(join(tmpdir(), 'metaorch-publish-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'metaorch-publish-'));
    try {
      const experiment: Experiment = {
        name: 'p', mode: 'grid', seed: 1, repeats: 1, concurrency: 4, timeoutMs: 1000, retries: 0, threshold: 0.5, budget: {},
        objective: { score: 1, error: 0 }, snapshotEvery: 100, tasks: [{ id: 't', input: {} }], baseDir: join(project, 'exp'), source: join(project, 'exp', 'e.yaml'),
        executor: { type: 'bullmq', redis: '${REDIS_URL}', queue: 'q', connectTimeout: 1000, batch: 16 },
        variants: [
          { id: 'a', adapter: 'module', options: { file: join(project, 'agents', 'a.js'), export: 'default' }, maxConcurrency: 2, rateLimit: 60 },
          { id: 'b', adapter: 'module', options: { file: join(elsewhere, 'b.js'), export: 'default' } },
          { id: 'c', adapter: 'openai', options: { model: 'm', apiKey: '${OPENAI_API_KEY}' } },
        ],
        scorers: [{ type: 'javascript', weight: 1, options: { file: join(project, 'score.js'), export: 'default' } }],
      };
      const published = publishRun(experiment, project);
      expect(published.experiment.executor).toBeUndefined();
      expect(published.experiment.baseDir).toBe('exp');
      expect(published.experiment.variants.map((v) => v.options['file'] ?? v.options['apiKey'])).toEqual(['agents/a.js', join(elsewhere, 'b.js'), '${OPENAI_API_KEY}']);
      expect(published.experiment.variants[0]).not.toHaveProperty('maxConcurrency');
      expect(published.experiment.scorers[0]?.options['file']).toBe('score.js');

      const worker = mkdtempSync(join(tmpdir(), 'metaorch-worker-'));
      mkdirSync(join(worker, 'agents'));
      writeFileSync(join(worker, 'agents', 'a.js'), 'export default () => "a";');
      writeFileSync(join(elsewhere, 'b.js'), 'export default () => "b";');
      const { experiment: rebased, missing } = rebaseRun(published, worker);
      expect(rebased.baseDir).toBe(join(worker, 'exp'));
      expect(rebased.variants[0]?.options['file']).toBe(join(worker, 'agents', 'a.js'));
      expect(missing).toEqual([{ owner: 'scorer 1 (javascript)', written: 'score.js', resolved: join(worker, 'score.js') }]);
      rmSync(worker, { recursive: true, force: true });
    } finally {
      rmSync(project, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

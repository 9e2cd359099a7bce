import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../config/load.js';
import { startRun, resumeRun } from '../../engine/run.js';
import { MetaorchError } from '../../model/errors.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { concurrencyShare, prefetchFor } from './producer-pool.js';

/**
 * The pool executor with real producer processes (forked from the sources under tsx): results equal
 * the inline executor's, trials that kill their process error with kind `process`, a spinning trial is
 * cut off by the heartbeat, producers that cannot start are a clear error before anything is written.
 */

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function setup(yaml: string, files: Record<string, string> = {}): string {
  dir = mkdtempSync(join(tmpdir(), 'metaorch-pool-'));
  const tasks = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `t${i}`, input: { n: i }, expected: String(i) })).join('\n');
  writeFileSync(join(dir, 'tasks.jsonl'), `${tasks}\n`);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(join(dir, 'exp.yaml'), yaml);
  return join(dir, 'exp.yaml');
}

const MOCKS = `
name: pool-test
seed: 3
concurrency: 16
retries: 1
prompt: "n={{n}}"
tasks: ./tasks.jsonl
variants:
  - { id: a, adapter: mock, accuracy: 0.6, latencyMs: { median: 2, p95: 6 } }
  - { id: b, adapter: mock, accuracy: 0.8, latencyMs: 1, failureRate: 0.2 }
`;

function trialsOf(store: SqliteStore, runId: string) {
  return [...store.queries().trials(runId)].map((t) => ({ seq: t.seq, variant: t.variantId, status: t.status, output: t.output, score: t.score, attempts: t.attempts.length, kind: t.errorKind }));
}

describe('pool executor', () => {
  it('records the same trials as the inline executor, each once', async () => {
    const file = setup(MOCKS);
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const inline = await startRun(await loadExperiment(file), { store, backoff: { initialMs: 1, maxMs: 2 } });
      const pooled = await startRun(await loadExperiment(file, process.env, { executor: { type: 'pool', workers: 2 } }), { store, backoff: { initialMs: 1, maxMs: 2 } });
      expect(pooled).toMatchObject({ status: 'completed', finished: 80 });
      const a = trialsOf(store, inline.runId);
      const b = trialsOf(store, pooled.runId);
      expect(b).toHaveLength(80);
      expect(new Set(b.map((t) => t.seq)).size).toBe(80);
      expect(b).toEqual(a);
      expect(b.some((t) => t.attempts > 1)).toBe(true); // retries happen inside the producers too
    } finally {
      store.close();
    }
  });

  it('errors a trial that kills its producer with kind process after its retries; the others succeed', async () => {
    const file = setup(
      `${MOCKS.replace(/variants:[\s\S]*/, '')}
executor: { type: pool, workers: 2 }
variants:
  - { id: ok, adapter: mock, accuracy: 1, latencyMs: 2 }
  - { id: crashy, adapter: module, file: ./crashy.js, retries: 2 }
`,
      { 'crashy.js': `export default async (input) => { await new Promise((r) => setTimeout(r, 3)); if (input.n % 20 === 7) process.exit(1); return String(input.n); };\n` },
    );
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const result = await startRun(await loadExperiment(file), { store });
      expect(result).toMatchObject({ status: 'completed', finished: 80 });
      const trials = trialsOf(store, result.runId);
      const bad = trials.filter((t) => t.status === 'error');
      // Tasks 7 and 27 of the crashy variant, three deaths each (retries: 2), nothing else.
      expect(bad.map((t) => `${t.variant}:${t.kind}:${t.attempts}`)).toEqual(Array(2).fill('crashy:process:3'));
      const one = store.queries().trial(result.runId, bad[0]!.seq);
      expect(one?.error).toContain('the producer process died while running this trial alone, 3 times (exit code 1)');
      expect(trials.filter((t) => t.status === 'ok')).toHaveLength(78);
    } finally {
      store.close();
    }
  });

  it('kills a producer stuck in a busy loop after the heartbeat timeout and blames the trial', async () => {
    const file = setup(
      `${MOCKS.replace(/variants:[\s\S]*/, '')}
executor: { type: pool, workers: 2, heartbeat: 2s }
variants:
  - { id: ok, adapter: mock, accuracy: 1, latencyMs: 1 }
  - { id: spin, adapter: module, file: ./spin.js, retries: 0 }
`,
      { 'spin.js': `export default (input) => { if (input.n === 5) for (;;) {} return String(input.n); };\n` },
    );
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const result = await startRun(await loadExperiment(file), { store });
      expect(result).toMatchObject({ status: 'completed', finished: 80, errors: 1 });
      const bad = trialsOf(store, result.runId).filter((t) => t.status === 'error');
      expect(bad.map((t) => `${t.variant}:${t.kind}`)).toEqual(['spin:process']);
      // The message gives the silence measured: the timeout, or a little more on a loaded machine.
      const silence = /killed: no heartbeat for (\d+(?:\.\d)?)s \(stopped, or blocked by a busy loop\)/.exec(store.queries().trial(result.runId, bad[0]!.seq)?.error ?? '');
      expect(Number(silence?.[1])).toBeGreaterThanOrEqual(2);
    } finally {
      store.close();
    }
  });

  it('replaces a producer whose memory grows past maxMemoryMb once its trials are done', async () => {
    const file = setup(
      `${MOCKS.replace(/variants:[\s\S]*/, '')}
executor: { type: pool, workers: 1, heartbeat: 1s, maxMemoryMb: 160 }
variants:
  - { id: leaky, adapter: module, file: ./leaky.js }
`,
      // Keeps 8 MB per call (a producer passes 160 MB after about a dozen calls) and answers with its pid.
      { 'leaky.js': `const kept = []; export default async () => { kept.push(Buffer.alloc(8 * 2 ** 20, 1)); await new Promise((r) => setTimeout(r, 30)); return String(process.pid); };\n` },
    );
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const result = await startRun(await loadExperiment(file), { store });
      expect(result).toMatchObject({ status: 'completed', finished: 40, errors: 0 });
      // One producer slot, several processes: it was replaced (gracefully: no trial errored).
      const pids = new Set(trialsOf(store, result.runId).map((t) => t.output));
      expect(pids.size).toBeGreaterThanOrEqual(2);
    } finally {
      store.close();
    }
  });

  it('refuses to start when producers cannot start, before anything is written', async () => {
    const file = setup(`${MOCKS}executor: { type: pool, workers: 2, restarts: { max: 2 } }\n`);
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const env = { ...process.env, NODE_OPTIONS: `--require ${join(dir, 'missing.cjs')}` };
      const error = await startRun(await loadExperiment(file), { store, env }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MetaorchError);
      expect((error as MetaorchError).code).toBe('EXECUTOR');
      expect((error as Error).message).toMatch(/producer crash loop: 3 deaths in 60s without a trial to blame \(limit 2\); last: producer-\d \(producer, pid \d+\) before it was ready, exit code 1: Error: Cannot find module '.*missing\.cjs'/);
      expect(store.queries().listRuns()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('leaves cancelled trials unrecorded and resume finishes them on the pool', async () => {
    const file = setup(MOCKS.replace('latencyMs: 1,', 'latencyMs: 30,').replace('concurrency: 16', 'concurrency: 8'));
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const experiment = await loadExperiment(file, process.env, { executor: { type: 'pool', workers: 2 } });
      const stop = new AbortController();
      const cancel = new AbortController();
      let seen = 0;
      const observer = {
        onTrialEnd: () => {
          if (++seen === 20) {
            stop.abort();
            cancel.abort();
          }
        },
      };
      const first = await startRun(experiment, { store, stop: stop.signal, cancel: cancel.signal, observers: [observer] });
      expect(first.status).toBe('interrupted');
      const before = trialsOf(store, first.runId);
      expect(before.filter((t) => t.status === 'scheduled').length).toBeGreaterThan(0);
      const second = await resumeRun(first.runId, { store });
      expect(second).toMatchObject({ status: 'completed', finished: 80 });
      expect(trialsOf(store, first.runId).filter((t) => t.status === 'scheduled')).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('never runs more trials at once than the run concurrency, though producers hold more waiting', async () => {
    // Each call reports when it ran on a clock shared by the processes; 6 slots across 4 producers
    // (shares 2, 2, 1, 1), while the engine hands the pool 12 trials at once.
    const file = setup(
      `${MOCKS.replace(/concurrency: 16/, 'concurrency: 6').replace(/variants:[\s\S]*/, '')}
executor: { type: pool, workers: 4 }
variants:
  - { id: a, adapter: module, file: ./span.js }
  - { id: b, adapter: module, file: ./span.js }
`,
      { 'span.js': `export default async () => { const now = () => performance.timeOrigin + performance.now(); const start = now(); await new Promise((r) => setTimeout(r, 25)); return start + ' ' + now(); };\n` },
    );
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const result = await startRun(await loadExperiment(file), { store });
      expect(result).toMatchObject({ status: 'completed', finished: 80 });
      const edges = trialsOf(store, result.runId).flatMap((t) => {
        const [start, end] = String(t.output).split(' ').map(Number) as [number, number];
        return [[start, 1], [end, -1]] as const;
      });
      // An end and a start at the same instant do not overlap.
      edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      let running = 0;
      let most = 0;
      for (const [, d] of edges) most = Math.max(most, (running += d));
      expect(most).toBeLessThanOrEqual(6);
      expect(most).toBeGreaterThanOrEqual(4);
    } finally {
      store.close();
    }
  });
});

describe('concurrency shares', () => {
  it('divide the concurrency of a run among producers exactly, and let each hold as many again waiting', () => {
    expect([0, 1, 2].map((slot) => concurrencyShare(8, slot, 3))).toEqual([3, 3, 2]);
    expect([0, 1, 2, 3].map((slot) => concurrencyShare(2, slot, 4))).toEqual([1, 1, 0, 0]);
    expect([0, 1, 2, 3].map((slot) => concurrencyShare(200, slot, 4)).reduce((a, b) => a + b)).toBe(200);
    expect([prefetchFor(50), prefetchFor(1), prefetchFor(0), prefetchFor(Number.POSITIVE_INFINITY)]).toEqual([50, 1, 0, 0]);
  });
});

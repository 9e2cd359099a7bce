import { SqliteStore } from '../src/store/sqlite-store.js';
import type { Experiment } from '../src/config/experiment.js';
import { createRandom } from '../src/model/random.js';

/** The shape of a synthetic finished run written straight into the store. */
export interface BigRunSpec {
  runId: string;
  trials: number;
  variants: number;
  tasks: number;
  seed?: number;
}

/**
 * Writes a finished grid run of `trials` trials straight into the store with better-sqlite3 in one
 * transaction (schema of src/store/migrations.ts), so a 1,000,000-trial run takes seconds instead of
 * running the engine. Trials look like real ones: prompt, output, scores with reasons, attempts.
 *
 * @example
 * writeBigRun('/tmp/big.db', { runId: 'big', trials: 1_000_000, variants: 3, tasks: 1000 });
 */
export function writeBigRun(dbFile: string, spec: BigRunSpec): void {
  const store = SqliteStore.open(dbFile);
  const rng = createRandom(spec.seed ?? 11);
  const variants = Array.from({ length: spec.variants }, (_, v) => ({
    id: `variant-${String.fromCharCode(97 + v)}`, adapter: 'mock', options: { accuracy: 0.55 + 0.1 * v }, accuracy: 0.55 + 0.1 * v,
  }));
  const tasks = Array.from({ length: spec.tasks }, (_, i) => ({ id: `t${i}`, input: { n: i }, expected: String((i * 7) % 1000) }));
  const experiment: Experiment = {
    name: `big-${spec.trials}`, mode: 'grid', seed: 7, repeats: Math.ceil(spec.trials / (spec.variants * spec.tasks)), concurrency: 64,
    timeoutMs: 30_000, retries: 2, threshold: 0.5, budget: {}, objective: { score: 1, error: 0 }, snapshotEvery: 0, prompt: 'What is {{n}} times seven modulo a thousand?',
    variants: variants.map(({ id, adapter, options }) => ({ id, adapter, options })),
    scorers: [{ type: 'equals', weight: 1, options: {} }], tasks, baseDir: '/tmp', source: '/tmp/big.yaml',
  };
  store.createRun(spec.runId, experiment, spec.trials);
  const insert = store.db.prepare(
    `INSERT INTO trials (run_id, seq, variant_id, task_idx, repeat, seed, status, prompt, output, score, passed, scores, attempts,
       attempt_count, latency_ms, tokens_in, tokens_out, cost, error_kind, error, scheduled_at, started_at, finished_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const start = Date.now() - spec.trials;
  const nv = spec.variants;
  store.db.transaction(() => {
    for (let seq = 0; seq < spec.trials; seq++) {
      const v = variants[seq % nv]!;
      const taskIdx = Math.floor(seq / nv) % spec.tasks;
      const task = tasks[taskIdx]!;
      const failed = rng.next() < 0.01;
      const latency = Math.exp(Math.log(80 + 40 * (seq % nv)) + 0.5 * rng.normal());
      const t0 = start + seq;
      if (failed) {
        const error = { kind: 'server', message: 'mock: simulated failure (503)', status: 503, retryable: true };
        insert.run(spec.runId, seq, v.id, taskIdx, Math.floor(seq / (nv * spec.tasks)), seq, 'error', `What is ${taskIdx} times seven modulo a thousand?`,
          null, null, null, '[]', JSON.stringify([{ n: 1, latencyMs: latency, error }, { n: 2, latencyMs: latency, error }]), 2, latency, 12, 0, 0.00001,
          'server', JSON.stringify(error), t0, t0, t0 + Math.round(latency));
        continue;
      }
      const right = rng.next() < v.accuracy;
      const output = right ? String(task.expected) : String(Number(task.expected) + 1);
      const score = right ? 1 : 0;
      insert.run(spec.runId, seq, v.id, taskIdx, Math.floor(seq / (nv * spec.tasks)), seq, 'ok', `What is ${taskIdx} times seven modulo a thousand?`,
        output, score, score, JSON.stringify([{ scorer: 'equals', score, weight: 1, reason: right ? 'equals the expected answer' : `expected '${task.expected}'` }]),
        JSON.stringify([{ n: 1, latencyMs: latency }]), 1, latency, 12, 2, 0.00001 * (1 + (seq % nv)), null, null, t0, t0, t0 + Math.round(latency));
    }
  })();
  store.appendEvent(spec.runId, 'trials', { seqs: [spec.trials - 1] });
  store.updateRun(spec.runId, { status: 'completed', finishedAt: Date.now(), activeMs: spec.trials, stopReason: 'done', pid: null });
  store.close();
}

import { afterEach, describe, expect, it } from 'vitest';
import type { Experiment } from '../config/experiment.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import { seqHash } from '../report/latency-sample.js';
import type { RunQueries } from './run-queries.js';
import type { Store } from './store.js';

/**
 * The behaviour every read side must have, run against each implementation with data written through
 * the same store's write side (like describeStoreContract). A second store (Postgres) calls this with
 * its own factory and must pass unchanged.
 *
 * @example
 * describeRunQueriesContract('SqliteRunQueries', () => { const store = SqliteStore.open(file); return { store, queries: store.queries(), cleanup }; });
 */
export function describeRunQueriesContract(name: string, open: () => { store: Store; queries: RunQueries; cleanup: () => void }): void {
  const experiment: Experiment = {
    name: 'queries', mode: 'grid', seed: 3, repeats: 1, concurrency: 2, timeoutMs: 1000, retries: 0, threshold: 0.5, budget: {},
    objective: { score: 1, error: 0 }, snapshotEvery: 25, prompt: 'Say {{word}}',
    variants: [{ id: 'a', adapter: 'mock', options: {} }, { id: 'b', adapter: 'mock', options: {}, prompt: 'Shout {{word}}' }],
    scorers: [{ type: 'equals', weight: 1, options: {} }],
    tasks: [{ id: 'cat', input: { word: 'meow' }, expected: 'meow' }, { id: 'dog', input: { word: 'woof' }, expected: 'woof', metadata: { loud: true } }],
    baseDir: '/tmp', source: '/tmp/exp.yaml',
  };
  const RUN = '20260101-000000-aaaa';
  const spec = (seq: number): TrialSpec => ({
    runId: RUN, seq, variantId: seq % 2 ? 'b' : 'a', task: experiment.tasks.at(Math.floor(seq / 2) % 2)!, taskIdx: Math.floor(seq / 2) % 2, repeat: 0, seed: seq,
  });
  const outcome = (seq: number): TrialOutcome => {
    const right = seq % 3 !== 0;
    const error = seq === 5;
    const output = right ? String(spec(seq).task.expected) : 'nope';
    return {
      seq, status: error ? 'error' : 'ok', prompt: seq % 2 ? `Shout ${String(spec(seq).task.input['word'])}` : `Say ${String(spec(seq).task.input['word'])}`,
      output: error ? null : output, scores: error ? [] : [{ scorer: 'equals', score: right ? 1 : 0, weight: 1, reason: right ? 'equals expected' : 'expected' }],
      score: error ? null : right ? 1 : 0, passed: error ? null : right, attempts: [{ n: 1, latencyMs: 10 + seq, ...(error ? { error: { kind: 'timeout' as const, message: 'slow', retryable: true } } : {}) }],
      latencyMs: 10 + seq, tokens: { input: 2, output: 1 }, cost: 0.25, error: error ? { kind: 'timeout', message: 'slow', retryable: true } : null, startedAt: 1000 + seq, finishedAt: 1010 + seq,
    };
  };

  describe(`RunQueries contract: ${name}`, () => {
    let cleanups: (() => void)[] = [];
    afterEach(() => {
      cleanups.forEach((c) => c());
      cleanups = [];
    });
    /** A store with one grid run: seqs 0-7 finished (5 errored), 8 still running; two other runs. */
    const populated = (): RunQueries => {
      const { store, queries, cleanup } = open();
      cleanups.push(() => queries.close(), () => store.close(), cleanup);
      store.createRun('20251231-000000-zzzz', { ...experiment, name: 'older' }, 1);
      store.createRun(RUN, experiment, 10);
      const writer = store.trialWriter(RUN, { derivedPrompts: true });
      for (let seq = 0; seq < 8; seq++) writer.finished(spec(seq), outcome(seq), seq === 5 ? 0 : (outcome(seq).score ?? 0));
      writer.scheduled(spec(8));
      writer.event('policy', { finished: 8 });
      writer.event('decision', { kind: 'stop', best: 'a', reason: 'confident' });
      writer.flush();
      writer.close();
      store.createRun('20260102-000000-bbbb', { ...experiment, name: 'newer' }, 1);
      return queries;
    };

    it('lists runs newest first, with records, configs, variants and tasks in order', () => {
      const q = populated();
      expect(q.runs().map((r) => r.name)).toEqual(['newer', 'queries', 'older']);
      expect(q.listRuns().find((r) => r.id === RUN)).toMatchObject({ trials: 9, finished: 8, errors: 1, cost: 2 });
      expect(q.getRun(RUN)).toMatchObject({ status: 'running', seed: 3, planned: 10 });
      expect(q.resolveRunId('20260101')).toBe(RUN);
      const { tasks: _tasks, ...config } = experiment;
      expect(q.runConfig(RUN)).toEqual(config);
      expect(q.variants(RUN)).toEqual([{ id: 'a', adapter: 'mock' }, { id: 'b', adapter: 'mock' }]);
      expect([...q.tasks(RUN)]).toEqual(experiment.tasks);
    });

    it('reads a run\'s tasks a chunk at a time in order and one at a time out of order, with the same answers', () => {
      const { store, queries: q, cleanup } = open();
      cleanups.push(() => q.close(), () => store.close(), cleanup);
      const many = Array.from({ length: 2_500 }, (_, i) => ({ id: `t${i}`, input: { word: String(i) }, ...(i % 2 ? { expected: i } : {}) }));
      store.createRun(RUN, { ...experiment, tasks: many }, 5_000);
      const tasks = q.tasks(RUN);
      expect(tasks.length).toBe(2_500);
      expect([...tasks]).toEqual(many);
      expect([0, 1, 1023, 1024, 1025, 2499].map((i) => tasks.at(i))).toEqual([0, 1, 1023, 1024, 1025, 2499].map((i) => many[i]));
      expect([2000, 7, 1500, 2500, -1].map((i) => tasks.at(i))).toEqual([many[2000], many[7], many[1500], undefined, undefined]);
    });

    it('aggregates without reading trials one by one: totals, sums per variant, latencies, scores', () => {
      const q = populated();
      expect(q.runTotals(RUN)).toEqual({ finished: 8, errors: 1, cost: 2 });
      expect(q.trialSpan(RUN)).toBe(9);
      expect(q.inflightCount(RUN)).toBe(1);
      const sums = new Map(q.variantSums(RUN).map((s) => [s.variantId, s]));
      expect(sums.get('a')).toEqual({
        variantId: 'a', finished: 4, errors: 0, errorsByKind: {}, ns: 4, s: 2, s2: 2, judged: 4, passes: 2, cost: 1, costUnknown: 0, tokensIn: 8, tokensOut: 4,
        tokensUnknown: 0, attempts: 4, rewarded: 4, rewardSum: 2, latN: 4, latSum: 10 + 12 + 14 + 16, cached: 0,
      });
      // Errors by message, most frequent first (the report's most frequent errors).
      expect(q.errorGroups(RUN, 10)).toEqual([{ variantId: 'b', kind: 'timeout', message: 'slow', count: 1 }]);
      expect(sums.get('b')).toMatchObject({ finished: 4, errors: 1, errorsByKind: { timeout: 1 }, ns: 3, latN: 3 });
      expect(q.variantSums(RUN, { from: 2, to: 4 }).map((s) => [s.variantId, s.finished])).toEqual([['a', 1], ['b', 1]]);
      expect([...q.latencies(RUN, 2 ** 32)].sort((x, y) => x[1] - y[1]).map(([, seq, ms]) => [seq, ms])).toEqual([0, 1, 2, 3, 4, 6, 7].map((s) => [s, 10 + s]));
      const threshold = 2 ** 31;
      expect([...q.latencies(RUN, threshold)].map(([, seq]) => seq).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 6, 7].filter((s) => seqHash(s) < threshold));
      expect([...q.latencies(RUN, 2 ** 32, { from: 6, to: 8 })].map(([, seq]) => seq).sort()).toEqual([6, 7]);
      expect([...q.scores(RUN)]).toEqual([['a', 0, 0], ['b', 1, 1], ['a', 2, 1], ['b', 3, 0], ['a', 4, 1], ['a', 6, 0], ['b', 7, 1]]);
      expect(q.scoreSequence(RUN, 'a', 3)).toEqual([0, 1, 1]);
      expect(q.taskScores(RUN).sort((x, y) => (x.variantId + x.taskId).localeCompare(y.variantId + y.taskId))).toEqual([
        { variantId: 'a', taskId: 'cat', score: 0.5 }, { variantId: 'a', taskId: 'dog', score: 0.5 }, { variantId: 'b', taskId: 'cat', score: 1 }, { variantId: 'b', taskId: 'dog', score: 0.5 },
      ]);
      expect(q.savedStats(RUN)).toBeNull();
      expect(q.snapshot(() => [q.trialSpan(RUN), q.lastEventSeq(RUN)])).toEqual([9, q.lastEventSeq(RUN)]);
    });

    it('gives trials as records, pages, briefs, one in full, and facts', () => {
      const q = populated();
      const all = [...q.trials(RUN, { prompts: true })];
      expect(all.map((t) => [t.seq, t.status, t.prompt])).toEqual([...Array.from({ length: 8 }, (_, s) => [s, s === 5 ? 'error' : 'ok', outcome(s).prompt]), [8, 'scheduled', null]]);
      expect(all[1]).toMatchObject({ variantId: 'b', taskId: 'cat', scores: outcome(1).scores, attempts: outcome(1).attempts, reward: 1, tokensIn: 2 });
      expect(q.trial(RUN, 5)).toMatchObject({ status: 'error', errorKind: 'timeout', error: 'slow', attempts: outcome(5).attempts });

      const page = q.trialPage(RUN, { order: 'desc', limit: 3 });
      expect([page.trials.map((t) => t.seq), page.next, page.total]).toEqual([[8, 7, 6], 6, 9]);
      expect(q.trialPage(RUN, { order: 'desc', limit: 3, before: 6 }).trials.map((t) => t.seq)).toEqual([5, 4, 3]);
      expect(q.trialPage(RUN, { order: 'asc', limit: 10, variant: 'b', status: 'ok' }).trials.map((t) => t.seq)).toEqual([1, 3, 7]);
      expect(q.trialPage(RUN, { order: 'asc', limit: 10, maxScore: 0 }).trials.map((t) => t.seq)).toEqual([0, 3, 6]);
      expect(q.trialPage(RUN, { order: 'asc', limit: 10, q: 'woof' }).trials.map((t) => t.seq)).toEqual([2, 3, 6, 7]); // the task input is searched
      expect(q.trialBriefs(RUN, [1, 8, 2, 7], 3).map((t) => t.seq)).toEqual([7, 2]); // the newest 3 named, finished only
      expect(q.recentTrials(RUN, 2).map((t) => [t.seq, t.taskId, t.attempts, t.outputPreview])).toEqual([[7, 'dog', 1, 'woof'], [6, 'dog', 1, 'nope']]);
      expect(q.inflightTrials(RUN, 10).map((t) => [t.seq, t.status, t.latencyMs])).toEqual([[8, 'scheduled', null]]);
      expect(q.trialDetail(RUN, 3)).toMatchObject({
        seq: 3, variantId: 'b', prompt: 'Shout woof', task: { id: 'dog', input: { word: 'woof' }, expected: 'woof', metadata: { loud: true } },
        scores: outcome(3).scores, attempts: outcome(3).attempts, reward: 0,
      });
      expect(q.trialDetail(RUN, 99)).toBeUndefined();
      expect(q.trialFacts(RUN, [8, 5, 0])).toEqual([
        { seq: 0, variantId: 'a', status: 'ok', score: 0, passed: false, latencyMs: 10, cost: 0.25, tokensIn: 2, tokensOut: 1, attempts: 1, errorKind: null, reward: 0 },
        { seq: 5, variantId: 'b', status: 'error', score: null, passed: null, latencyMs: 15, cost: 0.25, tokensIn: 2, tokensOut: 1, attempts: 1, errorKind: 'timeout', reward: 0 },
      ]);
    });

    it('tails events after a sequence number, by run and type, and reads decisions', () => {
      const q = populated();
      const mine = q.eventsAfter(0, { runId: RUN });
      expect(mine.map((e) => e.type)).toEqual(['run', 'trials', 'policy', 'decision']);
      expect(mine[1]?.data).toEqual({ n: 8, ranges: [[0, 7]] });
      expect(q.eventsAfter(mine[1]!.seq, { runId: RUN, types: ['decision'] }).map((e) => e.type)).toEqual(['decision']);
      expect(q.eventsAfter(0, { limit: 2 }).map((e) => e.runId)).toEqual(['20251231-000000-zzzz', RUN]);
      expect(q.eventsAfter(0, { upTo: mine[0]!.seq }).length).toBe(2);
      expect(q.lastEventSeq(RUN)).toBe(mine[3]!.seq);
      expect(q.lastEventSeq()).toBeGreaterThan(mine[3]!.seq);
      expect(q.latestEvent(RUN, 'policy')?.data).toEqual({ finished: 8 });
      expect(q.decisions(RUN, 10)).toEqual([{ seq: mine[3]!.seq, ts: mine[3]!.ts, kind: 'decision', data: { kind: 'stop', best: 'a', reason: 'confident' } }]);
    });
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import type { Experiment } from '../config/experiment.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { Store } from './store.js';

/**
 * The behaviour every Store must have, run against each implementation (like evalite's storage
 * test-utils). A second store (Postgres...) calls this with its own factory and must pass unchanged.
 *
 * @example
 * describeStoreContract('SqliteStore', () => ({ store: SqliteStore.open(tmpFile()), cleanup }));
 */
export function describeStoreContract(name: string, open: () => { store: Store; cleanup: () => void }): void {
  const experiment: Experiment = {
    name: 'contract', mode: 'grid', seed: 3, repeats: 1, concurrency: 2, timeoutMs: 1000, retries: 0, threshold: 0.5, budget: {},
    objective: { score: 1, error: 0 }, snapshotEvery: 25,
    variants: [{ id: 'a', adapter: 'mock', options: { apiKey: '${SOME_KEY}' } }, { id: 'b', adapter: 'mock', options: {} }],
    scorers: [], tasks: [{ id: 't0', input: { q: 1 }, expected: 'x' }, { id: 't1', input: { q: 2 }, metadata: { lang: 'fr' } }],
    baseDir: '/tmp', source: '/tmp/exp.yaml',
  };
  const spec = (seq: number, variantId = 'a'): TrialSpec => ({ runId: 'r1', seq, variantId, task: experiment.tasks.at(seq % 2)!, taskIdx: seq % 2, repeat: 0, seed: seq });
  const outcome = (seq: number, output: string, status: TrialOutcome['status'] = 'ok', score = 1): TrialOutcome => ({
    seq, status, prompt: 'p', output, scores: [], score: status === 'ok' ? score : null, passed: status === 'ok' ? score >= 0.5 : null,
    attempts: [{ n: 1, latencyMs: 3 }], latencyMs: 3, tokens: { input: 1, output: 2 }, cost: 0.5,
    error: status === 'ok' ? null : { kind: 'server', message: 'boom', retryable: true }, startedAt: 1, finishedAt: 2,
  });

  describe(`Store contract: ${name}`, () => {
    let cleanups: (() => void)[] = [];
    afterEach(() => {
      cleanups.forEach((c) => c());
      cleanups = [];
    });
    const fresh = (): Store => {
      const { store, cleanup } = open();
      cleanups.push(() => store.close(), cleanup);
      return store;
    };

    it('round-trips the experiment with env references intact and tasks in order', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4);
      const { tasks, ...config } = store.loadExperiment('r1');
      const { tasks: written, ...expected } = experiment;
      expect(config).toEqual(expected);
      expect([...tasks]).toEqual(written);
      expect([tasks.length, tasks.at(1)?.id, tasks.at(0)?.id, tasks.at(2)]).toEqual([2, 't1', 't0', undefined]);
      expect(store.queries().runConfig('r1')).toEqual(expected);
      expect(store.getRun('r1')).toMatchObject({ status: 'running', seed: 3, planned: 4, name: 'contract' });
    });

    it('writes a result once: a second write of the same trial is ignored', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4);
      const writer = store.trialWriter('r1');
      writer.scheduled(spec(0));
      writer.scheduled(spec(1));
      writer.finished(spec(0), outcome(0, 'first'), 0.9);
      writer.flush();
      writer.finished(spec(0), outcome(0, 'second'), 0.1);
      writer.scheduled(spec(0));
      writer.close();
      const trials = [...store.queries().trials('r1')];
      expect(trials.map((t) => [t.seq, t.status, t.output, t.reward ?? null])).toEqual([[0, 'ok', 'first', 0.9], [1, 'scheduled', null, null]]);
      expect(store.queries().trial('r1', 0)?.taskId).toBe('t0');
      const bits = store.finishedBitmap('r1', 4);
      expect([0, 1, 2, 3].map((s) => ((bits[s >> 3] ?? 0) >> (s & 7)) & 1)).toEqual([1, 0, 0, 0]);
    });

    it('totals finished trials, lists runs with counts and their best variant, and gives the adaptive history', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4);
      const writer = store.trialWriter('r1');
      writer.finished(spec(0), outcome(0, 'x', 'ok', 1), 1);
      writer.finished(spec(1, 'b'), outcome(1, 'y', 'ok', 0), 0);
      writer.finished(spec(2, 'b'), outcome(2, 'z', 'error'), 0);
      writer.scheduled(spec(3));
      writer.close();
      expect(store.runTotals('r1')).toEqual({ finished: 3, errors: 1, cost: 1.5 });
      expect(store.queries().listRuns()[0]).toMatchObject({ id: 'r1', trials: 4, finished: 3, errors: 1, cost: 1.5 });
      const history = store.adaptiveHistory('r1');
      expect([...history.finished].map((t) => [t.seq, t.variantId, t.status, t.reward])).toEqual([[0, 'a', 'ok', 1], [1, 'b', 'ok', 0], [2, 'b', 'error', 0]]);
      expect(history.unfinished).toEqual([{ seq: 3, variantId: 'a', taskIdx: 1, repeat: 0 }]);
      expect(history.nextSeq).toBe(4);
    });

    it('appends events with increasing sequence numbers, one per flushed batch of trials, in order with queued events', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4);
      const flushed: number[][] = [];
      const writer = store.trialWriter('r1', { onFlush: (seqs) => flushed.push(seqs) });
      writer.finished(spec(0), outcome(0, 'x'));
      writer.finished(spec(1, 'b'), outcome(1, 'y'));
      writer.event('policy', { n: 2 });
      writer.close();
      store.updateRun('r1', { status: 'completed', stopReason: 'done' });
      const events = store.queries().eventsAfter(0, { runId: 'r1' });
      expect(events.map((e) => e.type)).toEqual(['run', 'trials', 'policy', 'run']);
      expect(events[1]?.data).toEqual({ n: 2, ranges: [[0, 1]] });
      expect(flushed).toEqual([[0, 1]]);
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
      expect(store.queries().eventsAfter(events[1]!.seq, { runId: 'r1' }).map((e) => e.type)).toEqual(['policy', 'run']);
      expect(store.getRun('r1')).toMatchObject({ status: 'completed', stopReason: 'done' });
    });

    it('gives back every outcome as written: compact (one scorer, one clean attempt) or in full', () => {
      const store = fresh();
      store.createRun('r1', { ...experiment, prompt: 'Q{{q}}?' }, 4);
      const writer = store.trialWriter('r1', { derivedPrompts: true });
      const one = { ...outcome(0, 'x'), prompt: 'Q1?', scores: [{ scorer: 'equals', score: 1, weight: 2, reason: 'equals expected' }] };
      const two = { ...outcome(1, 'y', 'ok', 0.5), prompt: 'Q2?', scores: [{ scorer: 'equals', score: 0, weight: 1, reason: 'no' }, { scorer: 'contains', score: 1, weight: 1, reason: 'yes' }] };
      const retried = { ...outcome(2, 'z'), prompt: 'Q1?', attempts: [{ n: 1, latencyMs: 9, error: { kind: 'server' as const, message: '503', retryable: true } }, { n: 2, latencyMs: 3 }] };
      const failed = { ...outcome(3, 'w', 'error'), prompt: 'Q2?', output: null, attempts: [{ n: 1, latencyMs: 3, error: { kind: 'server' as const, message: 'boom', retryable: true } }] };
      [one, two, retried, failed].forEach((o, seq) => writer.finished(spec(seq), o, 0.5));
      writer.close();
      const back = [...store.queries().trials('r1', { prompts: true })];
      expect(back.map((t) => [t.prompt, t.output, t.scores, t.attempts, t.score, t.errorKind])).toEqual(
        [one, two, retried, failed].map((o) => [o.prompt, o.output, o.scores, o.attempts, o.score, o.error?.kind ?? null]),
      );
      // Without asking, a prompt that was not stored stays null (reports and comparisons do not need it).
      expect([...store.queries().trials('r1')].map((t) => t.prompt)).toEqual([null, null, null, null]);
      expect(store.queries().trial('r1', 1)?.prompt).toBe('Q2?');
    });

    it('writes a scheduled row for trials still running at a commit: every one, or with lingering only those running a commit interval', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4);
      const scheduled = () => [...store.queries().trials('r1')].filter((t) => t.status === 'scheduled').map((t) => t.seq);
      const all = store.trialWriter('r1');
      all.scheduled(spec(0));
      all.flush();
      expect(scheduled()).toEqual([0]);
      all.finished(spec(0), outcome(0, 'x'));
      all.close();
      expect(scheduled()).toEqual([]);

      const lingering = store.trialWriter('r1', { scheduledRows: 'lingering' });
      lingering.scheduled(spec(1));
      lingering.scheduled(spec(2));
      lingering.flush();
      expect(scheduled()).toEqual([]); // started since the last commit: not yet
      lingering.finished(spec(1), outcome(1, 'y'));
      lingering.flush();
      expect(scheduled()).toEqual([2]); // still running a whole interval later
      lingering.finished(spec(2), outcome(2, 'z'));
      lingering.close();
      expect(scheduled()).toEqual([]);
      expect(store.queries().trial('r1', 2)).toMatchObject({ startedAt: 1, finishedAt: 2 }); // the outcome's times, not the scheduled row's
      expect([...store.queries().trials('r1')].map((t) => [t.seq, t.status])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'ok']]);
    });

    it('commits the first result at once when asked, then batches', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4);
      const writer = store.trialWriter('r1', { firstAtOnce: true });
      writer.finished(spec(0), outcome(0, 'x'));
      writer.finished(spec(1), outcome(1, 'y'));
      writer.finished(spec(2), outcome(2, 'z'));
      expect([...store.queries().trials('r1')].map((t) => t.seq)).toEqual([0]);
      writer.close();
      expect(store.queries().eventsAfter(0, { runId: 'r1', types: ['trials'] }).map((e) => e.data)).toEqual([{ n: 1, ranges: [[0, 0]] }, { n: 2, ranges: [[1, 2]] }]);
    });

    it('saves a run\'s final totals for reports, and forgets them when asked (a resume)', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4);
      expect(store.queries().savedStats('r1')).toBeNull();
      const stats = {
        version: 1, latencySampled: false, leader: null, latency: { a: { n: 1, p50: 3, p95: 3 } },
        variants: [{ variantId: 'a', finished: 1, errors: 0, errorsByKind: {}, ns: 1, s: 1, s2: 1, judged: 1, passes: 1, cost: 0.5, tokensIn: 1, tokensOut: 2, attempts: 1, rewarded: 1, rewardSum: 1, latN: 1, latSum: 3 }],
      };
      store.saveRunStats('r1', stats);
      expect(store.queries().savedStats('r1')).toEqual(stats);
      store.saveRunStats('r1', null);
      expect(store.queries().savedStats('r1')).toBeNull();
    });

    it('resolves run references by id, unique prefix and latest, and lists known runs on a miss', () => {
      const store = fresh();
      store.createRun('20260101-000000-aaaa', experiment, 4);
      store.createRun('20260102-000000-bbbb', experiment, 4);
      expect(store.resolveRunId('20260101')).toBe('20260101-000000-aaaa');
      expect(store.resolveRunId('latest')).toBe('20260102-000000-bbbb');
      expect(() => store.resolveRunId('2026')).toThrow(/'2026' matches several runs \(20260102-000000-bbbb, 20260101-000000-aaaa\)/);
      expect(() => store.resolveRunId('zzz')).toThrow(/Known runs: 20260102-000000-bbbb, 20260101-000000-aaaa/);
    });
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import type { Experiment } from '../config/experiment.js';
import type { Task } from '../model/task.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { ClaimOptions, RunOwner, Store } from './store.js';
import { RUN_STATS_VERSION } from './records.js';
import { trialEventSeqs } from './trial-events.js';

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

    it('gives back every task exactly: any expected value, and past whole statements of tasks', () => {
      const answers: unknown[] = ['', 'plain', 'say "hi"', 'back\\slash', 'two\nlines', 'tab\there', 'é ünïcode 🎉', '\u2028', 'a\u0000b', ' padded ',
        0, -1.5, 1e21, true, false, null, [], ['a', 1], {}, { nested: { q: '"' } }];
      const tasks = Array.from({ length: 150 }, (_, i) => {
        const task: Task = { id: `t${i}`, input: { n: i, text: i % 7 === 0 ? 'quo"te' : 'x' } };
        if (i % 11 !== 5) task.expected = answers[i % answers.length];
        if (i % 13 === 0) task.metadata = { i };
        return task;
      });
      const store = fresh();
      store.createRun('r1', { ...experiment, tasks }, null);
      const read = store.loadExperiment('r1').tasks;
      expect([...read]).toEqual(tasks);
      expect([read.at(149), read.at(64), read.at(3)]).toEqual([tasks[149], tasks[64], tasks[3]]);
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

    it('keeps track of running trials that finish out of order', () => {
      const store = fresh();
      store.createRun('r1', experiment, null);
      const scheduled = () => [...store.queries().trials('r1')].filter((t) => t.status === 'scheduled').map((t) => t.seq);
      const all = store.trialWriter('r1');
      for (const seq of [3, 4, 5]) all.scheduled(spec(seq));
      all.finished(spec(4), outcome(4, 'x'));
      all.flush();
      expect(scheduled()).toEqual([3, 5]);
      all.scheduled(spec(9));
      all.finished(spec(9), outcome(9, 'x'));
      all.finished(spec(5), outcome(5, 'x'));
      all.finished(spec(3), outcome(3, 'x'));
      all.close();
      expect(scheduled()).toEqual([]);

      const lingering = store.trialWriter('r1', { scheduledRows: 'lingering' });
      for (const seq of [6, 7, 8, 10]) lingering.scheduled(spec(seq));
      lingering.finished(spec(6), outcome(6, 'y'));
      lingering.finished(spec(10), outcome(10, 'y'));
      lingering.flush();
      expect(scheduled()).toEqual([]);
      lingering.finished(spec(8), outcome(8, 'y'));
      lingering.flush();
      expect(scheduled()).toEqual([7]);
      lingering.finished(spec(7), outcome(7, 'y'));
      // Ended in the order they began, then one started: it still gets its row a commit later.
      for (const seq of [11, 12, 13]) lingering.scheduled(spec(seq));
      for (const seq of [11, 12, 13]) lingering.finished(spec(seq), outcome(seq, 'y'));
      lingering.scheduled(spec(14));
      lingering.flush();
      lingering.flush();
      expect(scheduled()).toEqual([14]);
      lingering.finished(spec(14), outcome(14, 'y'));
      lingering.close();
      expect(scheduled()).toEqual([]);
      expect([...store.queries().trials('r1')].map((t) => t.status)).toEqual(Array(12).fill('ok'));
    });

    it('gives a scheduled row to exactly the trials running across commits, whatever order they end in', () => {
      type Op = { kind: 'start' } | { kind: 'finish'; pick: number } | { kind: 'flush' };
      const op = fc.oneof(
        { weight: 6, arbitrary: fc.constant<Op>({ kind: 'start' }) },
        { weight: 5, arbitrary: fc.nat(1000).map((pick): Op => ({ kind: 'finish', pick })) },
        { weight: 1, arbitrary: fc.constant<Op>({ kind: 'flush' }) },
      );
      fc.assert(
        fc.property(fc.constantFrom('all' as const, 'lingering' as const), fc.array(op, { minLength: 30, maxLength: 120 }), (mode, ops) => {
          const store = fresh();
          store.createRun('r1', experiment, null);
          const writer = store.trialWriter('r1', { scheduledRows: mode });
          const running: number[] = [];
          let recent = new Set<number>(); // started since the last flush
          const rows = new Set<number>(); // scheduled rows the model expects
          let next = 0;
          for (const o of ops) {
            if (o.kind === 'start') {
              writer.scheduled(spec(next));
              running.push(next);
              recent.add(next++);
            } else if (o.kind === 'finish' && running.length) {
              const [seq] = running.splice(o.pick % running.length, 1);
              writer.finished(spec(seq!), outcome(seq!, 'x'));
              rows.delete(seq!);
            } else if (o.kind === 'flush') {
              writer.flush();
              for (const seq of running) if (mode === 'all' || !recent.has(seq)) rows.add(seq);
              recent = new Set();
              const inStore = [...store.queries().trials('r1')].filter((t) => t.status === 'scheduled').map((t) => t.seq);
              expect(inStore.sort((a, b) => a - b)).toEqual([...rows].sort((a, b) => a - b));
            }
          }
          writer.close();
          store.close();
        }),
        { numRuns: 100 },
      );
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
        version: RUN_STATS_VERSION, latencySampled: false, leader: null, latency: { a: { n: 1, p50: 3, p95: 3 } },
        variants: [{ variantId: 'a', finished: 1, errors: 0, errorsByKind: {}, ns: 1, s: 1, s2: 1, judged: 1, passes: 1, cost: 0.5, costUnknown: 0, tokensIn: 1, tokensOut: 2, tokensUnknown: 0, attempts: 1, rewarded: 1, rewardSum: 1, latN: 1, latSum: 3, cached: 0 }],
        errors: [{ variantId: 'a', kind: 'server', message: 'HTTP 500', count: 2 }],
      };
      store.saveRunStats('r1', stats);
      expect(store.queries().savedStats('r1')).toEqual(stats);
      store.saveRunStats('r1', null);
      expect(store.queries().savedStats('r1')).toBeNull();
    });

    const alice: RunOwner = { token: 'alice', pid: 1001, host: 'h1' };
    const bob: RunOwner = { token: 'bob', pid: 1002, host: 'h1' };
    const at = (now: number, alive: readonly number[] = [1001, 1002]): ClaimOptions => ({ now, leaseMs: 60_000, isAlive: (pid) => alive.includes(pid) });

    it('claims a run for one owner at a time: another owner waits while the holder is alive and its lease fresh', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4, alice);
      expect(store.getRun('r1')).toMatchObject({ status: 'running', pid: 1001 });
      const refused = store.claimRun('r1', bob, at(Date.now()));
      expect(refused).toMatchObject({ claimed: false, holder: { token: 'alice', pid: 1001, host: 'h1' } });
      expect(store.getRun('r1')?.pid).toBe(1001);
      // The holder itself may claim again (a retry), and renew its lease; the other may do neither.
      expect(store.claimRun('r1', alice, at(Date.now()))).toEqual({ claimed: true });
      expect(store.renewClaim('r1', 'alice', Date.now())).toBe(true);
      expect(store.renewClaim('r1', 'bob', Date.now())).toBe(false);
    });

    it('lets a claim be taken over only from a dead holder or one past its lease, and never from another host by pid', () => {
      const store = fresh();
      const now = Date.now();
      store.createRun('r1', experiment, 4, alice);
      expect(store.claimRun('r1', bob, at(now, [1002])).claimed).toBe(true); // alice's process is gone
      expect(store.getRun('r1')).toMatchObject({ status: 'running', pid: 1002 });
      expect(store.renewClaim('r1', 'alice', now)).toBe(false);

      const carol: RunOwner = { token: 'carol', pid: 1002, host: 'h2' };
      // Bob is on another host for carol: a pid says nothing there, only the lease does.
      expect(store.claimRun('r1', carol, at(now + 1000, [])).claimed).toBe(false);
      expect(store.claimRun('r1', carol, at(now + 61_000, [1002])).claimed).toBe(true);
      expect(store.getRun('r1')?.pid).toBe(1002);
      expect(store.claimRun('r1', bob, at(now + 62_000)).claimed).toBe(false);
    });

    it('claims a stopped run whoever held it, and writes final fields only for the holder', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4, alice);
      expect(store.releaseRun('r1', 'bob', { status: 'completed' })).toBe(false);
      expect(store.getRun('r1')?.status).toBe('running');
      expect(store.releaseRun('r1', 'alice', { status: 'interrupted', stopReason: 'interrupted', pid: null, error: 'disk full' })).toBe(true);
      expect(store.getRun('r1')).toMatchObject({ status: 'interrupted', error: 'disk full', pid: null });
      expect(store.claimRun('r1', bob, at(Date.now())).claimed).toBe(true);
      expect(store.getRun('r1')).toMatchObject({ status: 'running', pid: 1002, error: null, stopReason: null, finishedAt: null });
      expect(() => store.claimRun('nope', bob, at(Date.now()))).toThrow(/No run 'nope'/);
    });

    it('commits no trial and no event of a writer whose owner lost the claim', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4, alice);
      const writer = store.trialWriter('r1', { owner: 'alice' });
      writer.finished(spec(0), outcome(0, 'kept'));
      writer.flush();
      expect(store.claimRun('r1', bob, at(Date.now(), [1002])).claimed).toBe(true);
      writer.finished(spec(1), outcome(1, 'lost'));
      writer.event('policy', { n: 1 });
      expect(() => writer.flush()).toThrow(/no longer owned/);
      expect([...store.queries().trials('r1')].map((t) => t.output)).toEqual(['kept']);
      expect(store.queries().eventsAfter(0, { runId: 'r1' }).map((e) => e.type)).toEqual(['run', 'trials', 'run']);
    });

    it('never announces a trial twice: a result already written is left out of the next trials event', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4, alice);
      const first = store.trialWriter('r1', { owner: 'alice' });
      const second = store.trialWriter('r1', { owner: 'alice' });
      first.finished(spec(0), outcome(0, 'one'));
      first.flush();
      second.finished(spec(0), outcome(0, 'two'));
      second.finished(spec(1), outcome(1, 'three'));
      second.flush();
      first.close();
      second.close();
      const seqs = store.queries().eventsAfter(0, { runId: 'r1' }).filter((e) => e.type === 'trials').flatMap((e) => trialEventSeqs(e.data));
      expect(seqs).toEqual([0, 1]);
      expect(store.queries().trial('r1', 0)?.output).toBe('one');
    });

    it('reports a batch that fails on its own to onError instead of throwing into the caller', async () => {
      const store = fresh();
      store.createRun('r1', experiment, 4, alice);
      const failures: unknown[] = [];
      const writer = store.trialWriter('r1', { owner: 'alice', onError: (e) => failures.push(e) });
      expect(store.claimRun('r1', bob, at(Date.now(), [1002])).claimed).toBe(true);
      writer.finished(spec(0), outcome(0, 'x'));
      await new Promise((r) => setTimeout(r, 150));
      writer.finished(spec(1), outcome(1, 'y'));
      expect(failures).toHaveLength(1);
      expect(String(failures[0])).toMatch(/no longer owned/);
      expect(() => writer.close()).toThrow(/no longer owned/);
      expect(store.runTotals('r1').finished).toBe(0);
    });

    it('keeps every result of a batch that could not be committed, however many come in, until a commit succeeds', () => {
      const store = fresh();
      store.createRun('r1', experiment, null, alice);
      const failures: unknown[] = [];
      const writer = store.trialWriter('r1', { owner: 'alice', onError: (e) => failures.push(e) });
      expect(store.claimRun('r1', bob, at(Date.now(), [1001, 1002])).claimed).toBe(false);
      expect(store.claimRun('r1', bob, at(Date.now(), [1002])).claimed).toBe(true);
      const n = 10_000;
      for (let seq = 0; seq < n; seq++) writer.finished(spec(seq), { ...outcome(seq, `out ${seq}`), latencyMs: seq, attempts: [{ n: 1, latencyMs: seq }] }, seq / n);
      expect(failures).toHaveLength(1);
      // Bob stops; Alice claims the run again, and her writer's next commit goes through.
      expect(store.releaseRun('r1', 'bob', { status: 'interrupted', stopReason: 'interrupted', pid: null })).toBe(true);
      expect(store.claimRun('r1', alice, at(Date.now(), [1001])).claimed).toBe(true);
      writer.close();
      const trials = [...store.queries().trials('r1')];
      expect(trials).toHaveLength(n);
      for (const seq of [0, 4095, 4096, 8191, 8192, n - 1]) {
        expect(trials[seq]).toMatchObject({ seq, status: 'ok', output: `out ${seq}`, latencyMs: seq, reward: seq / n });
      }
    });

    it('defines tasks as a workflow reaches them, idempotently, and gives the history of runs of a workflow', () => {
      const store = fresh();
      const workflow: Experiment = { ...experiment, name: 'wf', mode: 'workflow', tasks: [] };
      for (const run of ['w1', 'w2']) {
        store.createRun(run, workflow, null);
        store.defineTask(run, 0, { id: 'draft', input: { step: 'draft', kind: 'generate' } });
        store.defineTask(run, 0, { id: 'draft', input: { step: 'draft', kind: 'generate' } });
        store.defineTask(run, 1, { id: 'pick', input: { step: 'pick', kind: 'vote' } });
        const writer = store.trialWriter(run);
        writer.finished({ ...spec(0), runId: run, taskIdx: 0 }, outcome(0, 'text', 'ok', 0.8), 0.8);
        writer.finished({ ...spec(1, 'b'), runId: run, taskIdx: 1 }, outcome(1, 'x', 'ok', 1), 1);
        writer.scheduled({ ...spec(2), runId: run, taskIdx: 0 });
        writer.close();
      }
      store.createRun('other', experiment, 4);
      expect([...store.queries().tasks('w1')].map((t) => t.id)).toEqual(['draft', 'pick']);
      expect(store.workflowHistory('wf', 'w2')).toEqual([
        { runId: 'w1', taskId: 'draft', kind: 'generate', variantId: 'a', status: 'ok', score: 0.8, reward: 0.8 },
        { runId: 'w1', taskId: 'pick', kind: 'vote', variantId: 'b', status: 'ok', score: 1, reward: 1 },
      ]);
      expect(store.workflowHistory('contract', 'none')).toEqual([]);
      store.appendEvent('w1', 'vote', { step: 'pick', latencyMs: 5, ballots: [] });
      store.appendEvent('w2', 'vote', { step: 'pick', latencyMs: 7, ballots: [] });
      expect(store.workflowEvents('wf', 'vote', 'w2').map((e) => [e.runId, e.data])).toEqual([['w1', { step: 'pick', latencyMs: 5, ballots: [] }]]);
    });

    it('keeps the controller decision log: records, updates, external appends, commands and the replay history', () => {
      const store = fresh();
      store.createRun('r1', experiment, 4);
      const writer = store.trialWriter('r1');
      writer.finished(spec(1, 'b'), { ...outcome(1, 'y', 'error'), finishedAt: 5, attempts: [{ n: 1, latencyMs: 3 }, { n: 2, latencyMs: 4 }] }, 0);
      writer.finished(spec(0), { ...outcome(0, 'x'), finishedAt: 7 }, 1);
      writer.close();
      const decision = {
        id: 1, kind: 'quarantine', target: 'b', reason: 'failure spike', detector: 'failure', evidence: { statistic: 17.2, threshold: 16 },
        change: { before: { breaker: 'closed' }, after: { breaker: 'open' } }, atTrial: 2, time: 9, fromSeq: 3, validation: { status: 'not-applicable' },
        undoes: null, undoneBy: null, source: 'controller', escalate: true,
      };
      store.controller.record('r1', decision);
      store.controller.record('r1', decision);
      store.controller.update('r1', 1, { undoneBy: 2, delivery: { status: 'sent', attempts: 1 } });
      const external = store.controller.append('r1', { ...decision, kind: 'escalate', detector: 'thrashing', escalate: true, source: 'workflow' });
      expect(external.id).toBe(2);
      const list = store.controller.list('r1');
      expect(list.map((d) => [d.id, d.kind, d.undoneBy])).toEqual([[1, 'quarantine', 2], [2, 'escalate', null]]);
      expect(list[0]).toMatchObject({ evidence: { statistic: 17.2 }, delivery: { status: 'sent', attempts: 1 }, escalate: true, atTrial: 2, time: 9, fromSeq: 3 });
      expect(store.controller.get('r1', 1)?.validation).toEqual({ status: 'not-applicable' });
      expect(store.queries().eventsAfter(0, { runId: 'r1' }).filter((e) => e.type === 'controller').map((e) => (e.data as { action: string }).action)).toEqual(['decision', 'update', 'decision']);
      const history = [...store.controller.history('r1')];
      expect(history.map((t) => [t.seq, t.variantId, t.status, t.errorKind, t.attempts, t.finishedAt, t.reward])).toEqual([
        [1, 'b', 'error', 'server', 2, 5, 0],
        [0, 'a', 'ok', null, 1, 7, 1],
      ]);
      const command = store.controller.requestUndo('r1', 1, 'false alarm');
      expect(store.controller.pendingCommands('r1')).toEqual([command]);
      store.controller.completeCommand('r1', command.id, 'applied: decision 3', 2);
      expect(store.controller.pendingCommands('r1')).toEqual([]);
      expect(store.controller.doneCommands('r1')[0]).toMatchObject({ decision: 1, reason: 'false alarm', result: 'applied: decision 3', atTrial: 2 });
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

import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../config/load.js';
import { startRun } from '../engine/run.js';
import type { Executor } from '../engine/types.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { callsFromEvents } from './calls.js';
import { weightEffectiveness } from './effectiveness.js';
import { openTopicSession, type TopicEvent } from './session.js';

/** A topic experiment on two mock vocabularies, its folder in a fresh temporary directory. */
async function setup(extra: { head?: string[]; variantB?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'topic-session-'));
  const file = join(dir, 'topic.yaml');
  writeFileSync(file, [
    'mode: continuous', 'seed: 5', 'concurrency: 4', 'budget: { trials: 40 }', ...(extra.head ?? []),
    'topic: { name: Paris attractions, batch: 10, contextTokens: 100, exclusionShare: 0.5 }',
    'variants:',
    '  - { id: a, adapter: mock, topic: { vocabulary: 100, seed: 1 } }',
    `  - { id: b, adapter: mock, topic: { vocabulary: 1000, seed: 2 }${extra.variantB ?? ''} }`,
  ].join('\n'));
  const experiment = await loadExperiment(file);
  const store = SqliteStore.open(join(dir, 't.db'));
  return { dir, experiment, store, output: join(dir, 'output', 'paris-attractions', 'output.txt') };
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);

function topicEvents(store: SqliteStore, runId: string): TopicEvent[] {
  return store.queries().eventsAfter(0, { runId, limit: 100_000, types: ['topic'] }).map((e) => e.data as TopicEvent);
}

describe('topic session (the master side)', () => {
  it('a run appends each new item once, in the order found, with one topic event per request', async () => {
    const { experiment, store, output } = await setup();
    const result = await startRun(experiment, { store });
    expect(result.finished).toBe(40);
    const found = lines(output);
    const events = topicEvents(store, result.runId);
    expect(events).toHaveLength(40);
    expect(events.flatMap((e) => e.new).map((i) => i.text)).toEqual(found);
    expect(events.flatMap((e) => e.new).map((i) => i.n)).toEqual(found.map((_, i) => i));
    // Each trial's score is its share of new items: the reward the policy learned from.
    for (const t of store.queries().trials(result.runId)) {
      const e = events.find((x) => x.seq === t.seq)!;
      expect(t.score).toBeCloseTo(e.new.length / 10);
      expect(t.scores?.[0]?.scorer).toBe('unique-items');
    }
    store.close();
  });

  it('records every request with its outcome, failed ones too, and judges the weight changes in metadata.json', async () => {
    const { experiment, store, output } = await setup({ head: ['snapshotEvery: 5', 'retries: 0'], variantB: ', failureRate: 0.5, cost: 0.002' });
    const result = await startRun(experiment, { store });
    const events = topicEvents(store, result.runId);
    expect(events).toHaveLength(40);
    const trials = [...store.queries().trials(result.runId)];
    const failed = trials.filter((t) => t.status === 'error');
    expect(failed.length).toBeGreaterThan(0);
    for (const t of trials) {
      const e = events.find((x) => x.seq === t.seq)!;
      expect(e.ok).toBe(t.status === 'ok');
      expect(e.latencyMs).toBe(t.latencyMs);
      expect(e.cost).toBe(t.cost);
      if (!e.ok) expect(e.new).toEqual([]);
    }
    const metadata = JSON.parse(readFileSync(join(output, '..', 'metadata.json'), 'utf8')) as {
      requests: number; perVariant: Record<string, { ok: number }>; weightChanges: unknown; trends: Record<string, { successRate: { value: number } }[]>;
    };
    expect(metadata.requests).toBe(40);
    expect(metadata.perVariant['b']!.ok).toBe(trials.filter((t) => t.variantId === 'b' && t.status === 'ok').length);
    // The same judgement as computed from the store's events.
    const { calls, snapshots } = callsFromEvents(store.queries().eventsAfter(0, { runId: result.runId, limit: 10_000, types: ['topic', 'policy'] }));
    const expected = weightEffectiveness(calls, snapshots);
    expect(snapshots.length).toBe(8);
    expect(metadata.weightChanges).toMatchObject({ judged: expected.judged, raised: expected.raised, share: expected.share, changes: expected.changes.length });
    expect(expected.judged).toBeGreaterThan(0);
    expect(Object.keys(metadata.trends)).toEqual(['a', 'b']);
    expect(metadata.trends['b']![0]!.successRate.value).toBeLessThan(1);
    store.close();
  });

  it('rebuilds from output.txt: items written but never recorded come back as recovered, and are duplicates from then on', async () => {
    const { experiment, store, output } = await setup();
    const first = await startRun(experiment, { store });
    const before = lines(output);
    // As if the master died after the fsync, before the trial's commit; plus a torn last line.
    appendFileSync(output, 'Found Before The Kill 77-1\nTorn Li');
    const sink = store.trialWriter(first.runId);
    const session = openTopicSession({ runId: first.runId, experiment, store, sink });
    sink.flush();
    expect(session.count).toBe(before.length + 1);
    const recovered = topicEvents(store, first.runId).filter((e) => e.recovered);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.new).toEqual([{ n: before.length, text: 'Found Before The Kill 77-1' }]);
    // The exclusion list of the next request holds the newest items (within 100 tokens x 0.5).
    const task = session.source.taskFor(1000, 'a');
    expect(String(task.input['exclude'])).toContain('Found Before The Kill 77-1');
    expect(String(task.input['exclude']).length).toBeLessThanOrEqual(200 + 60);
    // A reply naming it again (respelled) and a new item: only the new item is appended.
    const reply = 'the found before the kill 77-1\n- Brand New Item 88-2';
    const inner: Executor = { name: 'fake', run: async (spec: TrialSpec) => outcomeOf(spec, reply), close: async () => undefined };
    const spec: TrialSpec = { runId: first.runId, seq: 1000, variantId: 'a', task, taskIdx: 0, repeat: 0, seed: 1 };
    const outcome = await session.wrap(inner).run(spec, new AbortController().signal);
    expect(outcome.score).toBeCloseTo(0.1);
    expect(outcome.scores[0]?.reason).toBe('1 new of 2 (1 exact, 0 near duplicates)');
    // An unparseable reply is an invalid_output error quoting its head; nothing is appended.
    const prose = 'x'.repeat(400);
    const bad = await session.wrap({ ...inner, run: async (s: TrialSpec) => outcomeOf(s, prose) }).run({ ...spec, seq: 1001 }, new AbortController().signal);
    expect(bad.status).toBe('error');
    expect(bad.error).toMatchObject({ kind: 'invalid_output', retryable: false });
    expect(bad.error?.message).toContain(`reply head: "${'x'.repeat(120)}…"`);
    session.close();
    expect(lines(output)).toEqual([...before, 'Found Before The Kill 77-1', 'Brand New Item 88-2']);
    const json = JSON.parse(readFileSync(join(output, '..', 'output.json'), 'utf8')) as { items: { item: string; variant: string | null }[] };
    expect(json.items.map((i) => i.item)).toEqual(lines(output));
    expect(json.items.at(-2)?.variant).toBeNull();
    expect(json.items.at(-1)?.variant).toBe('a');
    sink.close();
    store.close();
  });
});

function outcomeOf(spec: TrialSpec, output: string): TrialOutcome {
  return {
    seq: spec.seq, status: 'ok', prompt: 'p', output, scores: [], score: null, passed: null, attempts: [{ n: 1, latencyMs: 1 }],
    latencyMs: 1, tokens: { input: 1, output: 1 }, cost: 0, error: null, startedAt: 0, finishedAt: 1,
  };
}

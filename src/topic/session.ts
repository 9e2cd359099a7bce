import { join } from 'node:path';
import type { Experiment } from '../config/experiment.js';
import type { TaskSource } from '../engine/task-source.js';
import type { Executor, RunObserver } from '../engine/types.js';
import { writeFileAtomic } from '../model/files.js';
import type { Task } from '../model/task.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { Store, TrialSink } from '../store/store.js';
import { topicSlug, type TopicConfig } from './config.js';
import { createRedactor, resolveEnv, secretValues } from '../config/env.js';
import { Deduper, type DuplicateLayer, type Verdict } from './dedup.js';
import { EmbeddingLayer, type SemanticConfig } from './semantic.js';
import { exclusionList, exclusionText } from './exclusion.js';
import { openLedger, type Ledger } from './ledger.js';
import { parseItems, replyHead } from './parse.js';
import { callsFromEvents, type TopicCall } from './calls.js';
import { emptyStats, recordCall, summarise, type VariantStats } from './stats.js';
import { topicStatistics } from './statistics.js';

/** One unique item: its number (0, 1, ... in the order found), first spelling, and where it came from. */
export interface FoundItem {
  n: number;
  text: string;
  variant: string | null;
  seq: number | null;
  ts: number;
}

/** The `topic` event recorded with each request's trial (and once for items recovered on resume). */
export interface TopicEvent {
  seq: number | null;
  variant: string | null;
  returned: number;
  new: { n: number; text: string }[];
  duplicates: Record<DuplicateLayer, number>;
  recovered?: true;
  /** The request's outcome (every finished request has an event, failed ones too): the trends' data. */
  ok?: boolean;
  cost?: number | null;
  latencyMs?: number | null;
}

/** What the engine plugs in for a topic run: its task source, executor wrapper and observer. */
export interface TopicSession {
  readonly folder: string;
  readonly source: TaskSource & { taskFor(seq: number, variantId: string): Task };
  wrap(executor: Executor): Executor;
  readonly observer: RunObserver;
  /** Items found so far (the ledger's, then this session's). */
  readonly count: number;
  close(): void;
}

/** The topic folder of an experiment: `<topic.output>/<topic-slug>` (output resolved at load). */
export function topicFolder(experiment: Experiment): string {
  const topic = experiment.topic!;
  return join(topic.output, topicSlug(topic.name));
}

/**
 * Opens a topic run's session in the master (the one store writer): the ledger (output.txt) is the
 * truth of what was found; the deduplicator is rebuilt from it on resume, and items the ledger holds
 * but the store does not (written, then the master was killed before the trial committed) are
 * recorded as recovered, so the request that found them runs again and finds them as duplicates:
 * nothing lost, nothing doubled.
 *
 * @example
 * const session = openTopicSession({ runId, experiment, store, sink });
 * // the adaptive scheduler takes tasks from session.source, trials run on session.wrap(executor)
 */
export function openTopicSession(input: { runId: string; experiment: Experiment; store: Store; sink: TrialSink; now?: () => number; env?: NodeJS.ProcessEnv }): TopicSession {
  const { runId, experiment, store, sink } = input;
  const now = input.now ?? Date.now;
  const config = experiment.topic as TopicConfig;
  const folder = topicFolder(experiment);
  const ledger: Ledger = openLedger(folder);
  const items: FoundItem[] = [];
  const texts: string[] = [];
  const semantic = config.semantic ? semanticLayerOf(config.semantic, input.env ?? process.env) : null;
  const deduper = new Deduper({ near: config.near ? undefined : null, semantic, display: (n) => texts[n] ?? '' });
  const stats = new Map<string, VariantStats>(experiment.variants.map((v) => [v.id, emptyStats()]));
  const pending = new Map<number, TopicEvent>();
  const startedAt = now();
  // Every request in finish order (earlier sessions' from the store): metadata.json's trends and judgement.
  const calls: TopicCall[] = [];

  // What the store knows (events of earlier sessions), then the ledger, the truth.
  const known = new Map<number, FoundItem>();
  const queries = store.queries();
  for (let after = 0; ; ) {
    const page = queries.eventsAfter(after, { runId, limit: 5000, types: ['topic'] });
    if (page.length === 0) break;
    after = page[page.length - 1]!.seq;
    for (const e of page) {
      if (e.type !== 'topic') continue;
      const data = e.data as TopicEvent;
      calls.push(...callsFromEvents([e]).calls);
      for (const item of data.new) known.set(item.n, { n: item.n, text: item.text, variant: data.variant, seq: data.seq, ts: e.ts });
      if (data.variant !== null && stats.has(data.variant) && !data.recovered) {
        recordCall(stats.get(data.variant)!, { ok: data.ok ?? true, returned: data.returned, fresh: data.new.length, cost: data.cost ?? 0, latencyMs: data.latencyMs ?? 0 });
      }
    }
  }
  const recovered: { n: number; text: string }[] = [];
  ledger.items.forEach((text, n) => {
    deduper.restoreSync(text);
    void semantic?.add(text, n); // queued: embedded in batches when first needed
    texts.push(text);
    const k = known.get(n);
    items.push(k ?? { n, text, variant: null, seq: null, ts: now() });
    if (!k) recovered.push({ n, text });
  });
  // The store ahead of the ledger only if the file was removed or cut: write back what the store holds.
  const missing = [...known.values()].filter((k) => k.n >= texts.length).sort((a, b) => a.n - b.n);
  if (missing.length > 0) {
    ledger.appendSync(missing.map((m) => m.text));
    for (const m of missing) {
      deduper.restoreSync(m.text);
      void semantic?.add(m.text, texts.length);
      texts.push(m.text);
      items.push({ ...m, n: items.length });
    }
  }
  if (recovered.length > 0) {
    sink.event('topic', { seq: null, variant: null, returned: recovered.length, new: recovered, duplicates: { exact: 0, near: 0, semantic: 0 }, recovered: true } satisfies TopicEvent);
  }

  const taskFor = (seq: number, variantId: string): Task => {
    const tokens = config.context[variantId] ?? config.contextTokens;
    const exclude = exclusionText(exclusionList(texts, tokens, config.exclusionShare));
    return { id: 'topic', input: { topic: config.name, batch: config.batch, exclude, request: seq } };
  };

  /** Dedups a reply's items, appends the new ones to the ledger (durably), and scores the trial. */
  const digest = async (spec: TrialSpec, outcome: TrialOutcome): Promise<TrialOutcome> => {
    const variantStats = stats.get(spec.variantId) ?? emptyStats();
    if (outcome.status !== 'ok' || outcome.output === null) {
      recordCall(variantStats, { ok: false, returned: 0, fresh: 0, cost: outcome.cost ?? 0, latencyMs: outcome.latencyMs });
      return outcome;
    }
    const parsed = parseItems(outcome.output);
    if (!parsed.ok) {
      recordCall(variantStats, { ok: false, returned: 0, fresh: 0, cost: outcome.cost ?? 0, latencyMs: outcome.latencyMs });
      const message = `the reply could not be read as items (${parsed.reason}); reply head: "${replyHead(outcome.output)}"`;
      return { ...outcome, status: 'error', score: null, passed: null, scores: [], error: { kind: 'invalid_output', message, retryable: false } };
    }
    const duplicates: Record<DuplicateLayer, number> = { exact: 0, near: 0, semantic: 0 };
    const fresh: FoundItem[] = [];
    const ts = now();
    const take = (text: string, verdict: Verdict) => {
      if (!verdict.isNew) {
        duplicates[verdict.layer ?? 'exact']++;
        return;
      }
      const item: FoundItem = { n: items.length, text, variant: spec.variantId, seq: spec.seq, ts };
      items.push(item);
      texts.push(text);
      fresh.push(item);
    };
    if (semantic) {
      // One reply at a time, so two replies naming the same thing cannot both find it new; the
      // reply's vectors come in one request, with its first item the string layers find new.
      await semantic.serial(async () => {
        semantic.expect(parsed.items);
        try {
          for (const text of parsed.items) take(text, await deduper.offer(text));
        } finally {
          semantic.discard(parsed.items);
        }
      });
    } else for (const text of parsed.items) take(text, deduper.offerSync(text));
    // Durable before it is reported: the event, the trial's score and the dashboard come after. The
    // deduplicator already holds the items, so requests answered meanwhile count them as known.
    await ledger.append(fresh.map((f) => f.text));
    recordCall(variantStats, { ok: true, returned: parsed.items.length, fresh: fresh.length, cost: outcome.cost ?? 0, latencyMs: outcome.latencyMs });
    pending.set(spec.seq, { seq: spec.seq, variant: spec.variantId, returned: parsed.items.length, new: fresh.map((f) => ({ n: f.n, text: f.text })), duplicates });
    const score = rewardOf(config, fresh.length, outcome.cost);
    const reason = `${fresh.length} new of ${parsed.items.length} (${duplicates.exact} exact, ${duplicates.near} near duplicates)`;
    return { ...outcome, scores: [{ scorer: 'unique-items', score, weight: 1, reason }], score, passed: fresh.length > 0 };
  };

  const writeSummaries = () => {
    writeFileAtomic(join(folder, 'output.json'), `${JSON.stringify({ topic: config.name, runId, items: items.map((i) => ({ item: i.text, variant: i.variant, trial: i.seq === null ? null : `${runId}/${i.seq}`, time: new Date(i.ts).toISOString() })) }, null, 2)}\n`);
    const perVariant = Object.fromEntries([...stats].map(([id, s]) => [id, summarise(s)]));
    // Commit the queued policy snapshots first. A failed commit keeps its batch: the writer's own close
    // (after this) tries again and reports the failure, so nothing is lost by going on here.
    try {
      sink.flush();
    } catch {
      // reported by the writer's close
    }
    const { snapshots } = callsFromEvents(queries.eventsAfter(0, { runId, limit: 1_000_000, types: ['policy'] }));
    const statistics = topicStatistics(calls, snapshots, { variants: experiment.variants.map((v) => v.id), maxPoints: 50 });
    const { changes, ...effectiveness } = statistics.effectiveness;
    writeFileAtomic(join(folder, 'metadata.json'), `${JSON.stringify({
      topic: config.name, runId, experiment: experiment.name, settings: config, variants: experiment.variants.map((v) => ({ id: v.id, adapter: v.adapter })),
      policy: experiment.policy ?? null, startedAt: new Date(startedAt).toISOString(), writtenAt: new Date(now()).toISOString(),
      uniqueItems: items.length, perVariant,
      ...(semantic ? { semantic: { layer: semantic.name, storedVectors: semantic.size, ...semantic.health } } : {}),
      requests: statistics.calls,
      weightChanges: { ...effectiveness, changes: changes.length, raisedAt: changes.filter((c) => c.raised).map((c) => c.at) },
      trendWindow: statistics.window,
      trends: Object.fromEntries(statistics.variants.map((v) => [v.id, v.trend])),
    }, null, 2)}\n`);
  };

  return {
    folder,
    source: { name: 'topic', next: () => ({ taskIdx: 0, pass: 0 }), taskFor },
    get count() {
      return items.length;
    },
    wrap(executor) {
      return {
        name: executor.name,
        // A request's slot at the master also covers recording its items (durably); on a pool the
        // producers keep calling meanwhile, with requests waiting beside them (their exclusion lists a
        // round older; none wait at concurrency 1, see PoolRun.prefetch).
        ...(executor.prefetch ? { prefetch: executor.prefetch } : {}),
        async run(spec, cancel) {
          return digest(spec, await executor.run(spec, cancel));
        },
        close: () => executor.close(),
      };
    },
    observer: {
      onTrialEnd(spec, outcome) {
        // One event per finished request, failed ones included, with its outcome: the trends and the
        // judgement of weight changes are computed from these events alone.
        const event = pending.get(spec.seq) ?? { seq: spec.seq, variant: spec.variantId, returned: 0, new: [], duplicates: { exact: 0, near: 0, semantic: 0 } };
        pending.delete(spec.seq);
        event.ok = outcome.status === 'ok';
        event.cost = outcome.cost;
        event.latencyMs = outcome.latencyMs;
        sink.event('topic', event);
        calls.push({ variant: spec.variantId, ok: event.ok, returned: event.returned, fresh: event.new.length, cost: event.cost, latencyMs: event.latencyMs, ts: now() });
      },
    },
    close() {
      try {
        writeSummaries();
      } finally {
        ledger.close();
      }
    },
  };
}

/**
 * The trial's score, the reward the policy maximises: new items per call (as a share of the batch),
 * or per dollar (as a share of `perDollar`; a call of unknown or zero cost counts per call).
 *
 * @example
 * rewardOf({ ...config, batch: 10, reward: 'per-call' }, 4, 0.002); // 0.4
 */
export function rewardOf(config: TopicConfig, fresh: number, cost: number | null): number {
  if (config.reward === 'per-dollar' && cost !== null && cost > 0) return Math.min(1, fresh / cost / config.perDollar);
  return Math.min(1, fresh / config.batch);
}

/** The configured semantic layer, its secrets resolved here (the stored config keeps the references). */
function semanticLayerOf(config: SemanticConfig, env: NodeJS.ProcessEnv): EmbeddingLayer {
  const embeddings = resolveEnv(config.embeddings, env);
  return new EmbeddingLayer(embeddings, embeddings.apiKey, createRedactor(secretValues(config, env)));
}

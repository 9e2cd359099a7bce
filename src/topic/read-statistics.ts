import type { RunQueries } from '../store/run-queries.js';
import { callsFromEvents, type TopicCall, type WeightSnapshot } from './calls.js';

/** A run's calls and weight snapshots read so far, and the last event read. */
export interface TopicHistory {
  after: number;
  calls: TopicCall[];
  snapshots: WeightSnapshot[];
}

/**
 * Reads a topic run's `topic` and `policy` events after `history.after` into `history` (in place, so
 * a caller that keeps it reads only what is new: events are appended, never changed).
 *
 * @example
 * const history = readTopicHistory(queries, runId);
 * topicStatistics(history.calls, history.snapshots);
 */
export function readTopicHistory(queries: RunQueries, runId: string, history: TopicHistory = { after: 0, calls: [], snapshots: [] }): TopicHistory {
  for (;;) {
    const page = queries.eventsAfter(history.after, { runId, limit: 5000, types: ['topic', 'policy'] });
    if (page.length === 0) return history;
    history.after = page[page.length - 1]!.seq;
    const read = callsFromEvents(page);
    for (const c of read.calls) history.calls.push(c);
    for (const s of read.snapshots) history.snapshots.push(s);
  }
}

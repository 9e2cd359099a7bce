/**
 * What the API adds to the store's read side (RunQueries): a run's status as a viewer should see it,
 * and decisions with a one-line summary.
 */
import { summariseDecisions } from '../report/decisions.js';
import type { RunRecord } from '../store/records.js';
import type { RunQueries } from '../store/run-queries.js';
import type { Decision, DecisionsResponse, DisplayStatus } from './api-types.js';

/** A run marked running whose process is gone was killed: it shows as such (and can be resumed). */
export function displayStatus(run: RunRecord): DisplayStatus {
  if (run.status !== 'running' || run.pid === null) return run.status;
  return isAlive(run.pid) ? 'running' : 'killed';
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const STOP_TYPES = ['decision', 'stop'];

/**
 * Decisions of a run, oldest first: the controller's decision log (with evidence, validation and what
 * undid each one) and an adaptive run's stopping decision (a `decision` event), merged by time.
 */
export function decisions(queries: RunQueries, runId: string): DecisionsResponse {
  const events = queries.eventsAfter(0, { runId, types: STOP_TYPES, limit: 200 });
  const list: Decision[] = events.map((e) => ({ seq: e.seq, ts: e.ts, kind: (e.data as { kind?: string } | null)?.kind ?? e.type, summary: summarise(e.data), data: e.data }));
  const log = queries.decisionLog(runId);
  for (const d of log) {
    list.push({
      seq: d.id, ts: d.time, kind: d.kind, summary: d.reason, data: d, id: d.id, atTrial: d.atTrial, target: d.target, source: d.source,
      validation: d.validation.status, undoneBy: d.undoneBy,
    });
  }
  list.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  const controlled = queries.getRun(runId) !== undefined && queries.runConfig(runId).controller !== undefined;
  const note = list.length
    ? 'Decisions of this run, oldest first: the controller\'s log with its evidence, and the stopping rule of an adaptive run.'
    : controlled
      ? 'The controller has taken no decision in this run.'
      : 'This run has no controller (add `controller: {}` to the experiment) and no stopping decision.';
  return { decisions: list, note, summary: controlled ? summariseDecisions(log) : null };
}

function summarise(data: unknown): string {
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    for (const key of ['summary', 'reason', 'action', 'message']) if (typeof d[key] === 'string') return d[key];
    if (typeof d['best'] === 'string') {
      const kind = typeof d['kind'] === 'string' ? `${d['kind']}: ` : '';
      const evidence = typeof d['statistic'] === 'number' && typeof d['threshold'] === 'number'
        ? ` (statistic ${d['statistic'].toFixed(2)} over threshold ${d['threshold'].toFixed(2)}${typeof d['confidence'] === 'number' ? `, ${Math.round(d['confidence'] * 100)}% confidence` : ''})`
        : '';
      return `${kind}best variant ${d['best']}${evidence}`;
    }
  }
  return JSON.stringify(data).slice(0, 200);
}

/**
 * What the API adds to the store's read side (RunQueries): a run's status as a viewer should see it,
 * and decisions with a one-line summary.
 */
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

/** Controller decisions of a run with a summary each, newest first. */
export function decisions(queries: RunQueries, runId: string): DecisionsResponse {
  const list: Decision[] = queries.decisions(runId, 200).map((d) => ({ ...d, summary: summarise(d.data) }));
  const note = list.length
    ? 'Decisions recorded for this run, newest first.'
    : 'No controller decisions recorded for this run. The store has no decisions table yet; decisions appear here once the controller records them.';
  return { decisions: list, note };
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

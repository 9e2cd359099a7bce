import { isProcessAlive } from '../store/claim.js';
import type { RunRecord } from '../store/records.js';
import { STATUS_WORDS, type ShownStatus } from './words.js';

/**
 * A run's status as every face shows it: a run marked running whose process no longer runs on this
 * machine was killed (kill -9, a power cut) and can be resumed.
 *
 * @example
 * shownStatus(run); // 'killed'
 */
export function shownStatus(run: Pick<RunRecord, 'status' | 'pid'>, isAlive: (pid: number) => boolean = isProcessAlive): ShownStatus {
  if (run.status !== 'running' || run.pid === null) return run.status;
  return isAlive(run.pid) ? 'running' : 'killed';
}

/** @example statusText(run); // 'killed (resumable)' */
export function statusText(run: Pick<RunRecord, 'status' | 'pid'>, isAlive?: (pid: number) => boolean): string {
  return STATUS_WORDS[shownStatus(run, isAlive)];
}

/**
 * Words that every face of the product (the CLI, reports, the dashboard) prints the same way. No
 * imports: the dashboard bundles this file too.
 */

/** A run's status as shown: `killed` is a run marked running whose process is gone. */
export type ShownStatus = 'running' | 'completed' | 'failed' | 'interrupted' | 'killed';

/**
 * How a status reads. A killed run can be resumed: it says so everywhere.
 *
 * @example
 * STATUS_WORDS.killed; // 'killed (resumable)'
 */
export const STATUS_WORDS: Record<ShownStatus, string> = {
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  interrupted: 'interrupted',
  killed: 'killed (resumable)',
};

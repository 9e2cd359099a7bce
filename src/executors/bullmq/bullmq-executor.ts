import type { Executor, ExecutorContext } from '../../engine/types.js';
import { NotImplementedError } from '../../model/errors.js';

/** The BullMQ executor: not built yet in this increment. */
export function createBullmqExecutor(_ctx: ExecutorContext): Promise<Executor> {
  return Promise.reject(new NotImplementedError('The bullmq executor'));
}

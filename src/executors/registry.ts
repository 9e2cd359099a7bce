import type { ExecutorType } from '../config/executor.js';
import { buildRuntime } from '../engine/runtime.js';
import { warmRuntime } from '../engine/warm.js';
import type { Executor, ExecutorContext, ExecutorFactory } from '../engine/types.js';
import { inlineExecutor } from './inline.js';

/**
 * Executor types by name. Pool and BullMQ load on demand, so an inline run never loads the process
 * supervisor or the Redis client.
 */
const FACTORIES: Record<ExecutorType, ExecutorFactory> = {
  inline: async (ctx) => {
    const runtime = buildRuntime(ctx.experiment, ctx.env, ctx.backoff);
    if (ctx.cache) runtime.cache = ctx.cache;
    // Before any trial's clock starts: SDKs, modules and the engine's own code (honest latency).
    await warmRuntime(runtime);
    return inlineExecutor(runtime);
  },
  pool: async (ctx) => (await import('./pool/pool-executor.js')).createPoolExecutor(ctx),
  bullmq: async (ctx) => (await import('./bullmq/bullmq-executor.js')).createBullmqExecutor(ctx),
};

/**
 * Builds the executor the experiment names (`executor:`, default inline) and waits until it can run
 * trials.
 *
 * @example
 * const executor = await createExecutor({ runId, experiment, env: process.env, resumed: false, fail });
 */
export function createExecutor(ctx: ExecutorContext): Promise<Executor> {
  const factory = FACTORIES[ctx.experiment.executor?.type ?? 'inline'];
  return Promise.resolve(factory(ctx));
}

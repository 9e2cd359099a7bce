import type { PoolExecutorConfig } from '../../config/executor.js';
import type { Executor, ExecutorContext } from '../../engine/types.js';
import { MetaorchError } from '../../model/errors.js';
import { runGates } from '../gates.js';
import { startProducerHost } from './host.js';

/**
 * The pool executor of one run (`executor: { type: pool }` with `metaorch run`): it starts its own
 * supervised producers, waits until they are ready, and stops them when the run closes it. Under
 * `metaorch orchestrator` runs use the master's producers instead (`ProducerPool.openRun`).
 *
 * @example
 * const executor = await createPoolExecutor({ runId, experiment, env: process.env, resumed: false, fail });
 */
export async function createPoolExecutor(ctx: ExecutorContext): Promise<Executor> {
  const config = ctx.experiment.executor as PoolExecutorConfig;
  const redact = runGates(ctx.experiment, ctx.env).redact;
  const log = (line: string) => process.stderr.write(`[metaorch pool] ${redact(line)}\n`);
  let host;
  try {
    host = await startProducerHost({
      config, env: ctx.env, log, redact,
      output: (id, _stream, line) => process.stderr.write(`[${id}] ${redact(line)}\n`),
    });
  } catch (error) {
    throw new MetaorchError('EXECUTOR', `the pool's producers could not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const run = host.pool.openRun({ runId: ctx.runId, experiment: ctx.experiment, fail: ctx.fail, ...(ctx.backoff ? { backoff: ctx.backoff } : {}) });
  // Ready means ready at full speed: each producer has built and warmed the run's adapters and scorers.
  await host.pool.prepare(run);
  const stop = host.stop;
  return {
    name: 'pool',
    prefetch: run.prefetch,
    run: (spec, cancel) => run.run(spec, cancel),
    async close() {
      await run.close();
      await stop();
    },
  };
}

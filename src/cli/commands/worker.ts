import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../model/errors.js';

interface WorkerFlags {
  redis?: string;
  queue: string;
  concurrency: string;
  project?: string;
  lock: string;
  maxStalled: string;
  connectTimeout: string;
  wait?: boolean;
}

/**
 * `metaorch worker --redis URL`: executes the trials of a BullMQ queue, on any machine that has the
 * project's files and the runs' secrets. Ctrl-C finishes the active trials, then exits; a second one
 * abandons them (they run on another worker).
 *
 * @example
 * REDIS_URL=redis://queue-host:6379 metaorch worker --redis "$REDIS_URL" --concurrency 50
 */
export function workerCommand(): Command {
  return new Command('worker')
    .description('execute trials from a BullMQ queue (the bullmq executor), on this or any machine')
    .addOption(new Option('--redis <url>', 'Redis URL, e.g. redis://host:6379/0 (default: $REDIS_URL)'))
    .addOption(new Option('--queue <name>', 'queue to serve').default('metaorch'))
    .addOption(new Option('--concurrency <n>', 'trials in flight in this worker').default('50'))
    .addOption(new Option('--project <dir>', 'folder that module, scorer and variant files resolve against (default: the working folder)'))
    .addOption(new Option('--lock <duration>', 'a trial whose worker is silent this long runs on another worker').default('30s'))
    .addOption(new Option('--max-stalled <n>', 'a trial taken back from dead or stalled workers more often than this errors (kind process)').default('2'))
    .addOption(new Option('--connect-timeout <duration>', 'how long to wait for Redis at start').default('10s'))
    .option('--wait', 'wait for a run to be published on the queue instead of exiting')
    .action(async (flags: WorkerFlags) => {
      const redis = flags.redis ?? process.env['REDIS_URL'];
      if (!redis) throw new UsageError('--redis: give the Redis URL (or set REDIS_URL), e.g. --redis redis://localhost:6379');
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) throw new UsageError(`--concurrency: expected 1 to 10000, got '${flags.concurrency}'`);
      const maxStalled = Number(flags.maxStalled);
      if (!Number.isInteger(maxStalled) || maxStalled < 0) throw new UsageError(`--max-stalled: expected a whole number, got '${flags.maxStalled}'`);
      const lockMs = duration(flags.lock, '--lock');
      const connectTimeoutMs = duration(flags.connectTimeout, '--connect-timeout');
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(flags.queue)) throw new UsageError(`--queue: expected letters, digits, . _ -, got '${flags.queue}'`);
      const { startWorker } = await import('../../executors/bullmq/worker.js');
      const log = (line: string) => process.stderr.write(`[metaorch worker] ${line}\n`);
      const worker = await startWorker({
        redis, queue: flags.queue, concurrency, project: resolve(flags.project ?? '.'), lockMs, maxStalledCount: maxStalled,
        wait: flags.wait === true, connectTimeoutMs, env: process.env, log,
      });
      const outcome = await new Promise<{ code: number; error?: UsageError }>((done) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals) => {
          signals++;
          if (signals === 1) {
            log(`${signal}: finishing the trials in flight (Ctrl-C again to leave them to other workers)`);
            void worker.stop(false).then(() => done({ code: 0 }));
          } else void worker.stop(true).then(() => done({ code: 130 }));
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        void worker.refused.then((error) => worker.stop(true).then(() => done({ code: 2, error })));
      });
      log(`stopped after ${worker.done()} trial(s)`);
      if (outcome.error) throw outcome.error;
      process.exitCode = outcome.code;
    });
}

function duration(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new UsageError(`${flag}: expected a duration such as 30s or 500ms, got '${value}'`);
  return ms;
}

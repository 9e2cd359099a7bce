import { defaultPoolWorkers, type PoolExecutorConfig } from '../../config/executor.js';
import { DEFAULT_SUPERVISOR_OPTIONS, type ChildSpec, type SupervisorOptions } from '../../supervisor/core.js';
import { forkProcessManager, moduleEntry, type ForkEntry } from '../../supervisor/fork.js';
import { Supervisor } from '../../supervisor/supervisor.js';
import type { ProcessInfo, ProcessManager } from '../../supervisor/types.js';
import { ProducerPool } from './producer-pool.js';

/** The supervisor role of producers (crash loops are counted per role). */
export const PRODUCER_ROLE = 'producer';

/**
 * The producer children of a supervisor.
 *
 * @example
 * producerChildren(2); // [{ id: 'producer-1', role: 'producer' }, { id: 'producer-2', role: 'producer' }]
 */
export function producerChildren(count: number): ChildSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: `producer-${i + 1}`, role: PRODUCER_ROLE }));
}

/**
 * How often a producer heartbeats: five times per timeout, between 50 ms and 1 s.
 *
 * @example
 * heartbeatInterval(10_000); // 1000
 */
export function heartbeatInterval(timeoutMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(timeoutMs / 5)));
}

/**
 * The producer program, with its heartbeat interval in its environment.
 *
 * @example
 * forkProcessManager(() => producerEntry(10_000));
 */
export function producerEntry(heartbeatTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): ForkEntry {
  return { ...moduleEntry(import.meta.url, './producer-main'), env: { ...env, METAORCH_HEARTBEAT_MS: String(heartbeatInterval(heartbeatTimeoutMs)) } };
}

/**
 * Supervisor settings from a pool's `executor:` options.
 *
 * @example
 * supervisorOptionsFor({ heartbeat: 2000, restarts: { max: 5, period: 60_000 } }).heartbeatTimeoutMs; // 2000
 */
export function supervisorOptionsFor(config: Pick<PoolExecutorConfig, 'heartbeat' | 'restarts'>): SupervisorOptions {
  return {
    ...DEFAULT_SUPERVISOR_OPTIONS,
    heartbeatTimeoutMs: config.heartbeat,
    intensity: { max: config.restarts.max, periodMs: config.restarts.period },
  };
}

export interface ProducerHost {
  pool: ProducerPool;
  processes(): ProcessInfo[];
  stop(): Promise<void>;
}

export interface ProducerHostOptions {
  config: PoolExecutorConfig;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Every line producers write to stdout or stderr. */
  output?: (id: string, stream: 'stdout' | 'stderr', line: string) => void;
  redact?: (text: string) => string;
  /** Injected in tests; real forked processes by default. */
  processes?: ProcessManager;
}

/**
 * Starts N supervised producer processes for one pool and waits until all are ready. Rejects (after
 * stopping what started) when they crash-loop before that.
 *
 * @example
 * const host = await startProducerHost({ config: { type: 'pool', workers: 2, heartbeat: 10_000, restarts: { max: 5, period: 60_000 } } });
 * const executor = host.pool.openRun({ runId, experiment, fail });
 */
export async function startProducerHost(o: ProducerHostOptions): Promise<ProducerHost> {
  const config = o.config;
  const workers = config.workers ?? defaultPoolWorkers();
  const pool = new ProducerPool({ producers: workers, ...(config.maxMemoryMb ? { maxMemoryBytes: config.maxMemoryMb * 2 ** 20 } : {}), ...(o.log ? { log: o.log } : {}) });
  const entry = producerEntry(config.heartbeat, o.env);
  const processes = o.processes ?? forkProcessManager(() => entry, { ...(o.output ? { output: o.output } : {}), ...(o.redact ? { redact: o.redact } : {}) });
  const supervisor = new Supervisor(producerChildren(workers), processes, { ...pool.hooks, ...(o.log ? { log: o.log } : {}) }, supervisorOptionsFor(config));
  pool.attach((id) => supervisor.recycle(id));
  try {
    await supervisor.start();
  } catch (error) {
    await supervisor.stop();
    throw error;
  }
  return { pool, processes: () => supervisor.processes(), stop: () => supervisor.stop() };
}

import type { Experiment } from '../config/experiment.js';
import type { PoolExecutorConfig } from '../config/executor.js';
import { startRun, type RunResult } from '../engine/run.js';
import type { ExecutorFactory, RunObserver } from '../engine/types.js';
import { producerChildren, supervisorOptionsFor } from '../executors/pool/host.js';
import { ProducerPool } from '../executors/pool/producer-pool.js';
import { createExecutor } from '../executors/registry.js';
import { EXIT_STATUS, MetaorchError } from '../model/errors.js';
import type { Store } from '../store/store.js';
import type { ForkEntry } from '../supervisor/fork.js';
import { Supervisor, type SupervisorHooks } from '../supervisor/supervisor.js';
import type { ChildHandle, Clock, ProcessManager } from '../supervisor/types.js';
import { initialMasterState, masterStep, type MasterAction, type MasterEvent, type MasterState, type RunOrigin } from './master-core.js';
import type { FromWeb, LogLineMessage, OrchestratorState, ToWeb } from './web-protocol.js';

/** The web server child's id in the supervisor. */
export const WEB_ID = 'web';

/** What the master does its work with: all effects are injected, so it can run against fakes. */
export interface MasterDeps {
  store: Store;
  /** Starts producers and the web server (real forks in production). */
  processes: ProcessManager;
  clock: Clock;
  /** Reads and validates an experiment file (the file system). */
  loadExperiment(file: string): Promise<Experiment>;
  /** Observers for a run (the console progress of the command's run, for instance). */
  observers?(origin: RunOrigin): RunObserver[];
  /** Called when a run has ended (writes its report). */
  onRunEnd?(result: RunResult, origin: RunOrigin): void;
  /** Delivers SIGINT/SIGTERM to the handler; returns a function that stops listening. */
  onSignal(handler: (signal: string) => void): () => void;
  out(line: string): void;
  err(line: string): void;
}

export interface MasterOptions {
  /** The producers' settings (their number is `workers`). */
  pool: PoolExecutorConfig;
  /** How to start the web server child; null: no web server. */
  web: { entry: ForkEntry; token: string } | null;
  /** The experiment given on the command line, run once the children are ready. */
  commandFile: string | null;
  graceMs: number;
  env?: NodeJS.ProcessEnv;
}

interface ActiveRun {
  origin: RunOrigin;
  stop: AbortController;
  cancel: AbortController;
}

/** Console lines kept per run (and runs kept), so a restarted web server shows them again. */
const LOG_LINES_PER_RUN = 500;
const LOGGED_RUNS = 50;

/**
 * The master process of `metaorch orchestrator`: one supervisor over N producers and the web server,
 * the store's only writer, and the shell that performs the master core's decisions (start, stop and
 * cancel runs, stop the children, exit).
 *
 * @example
 * const code = await new Master(deps, { pool, web: { entry, token }, commandFile: null, graceMs: 10_000 }).run();
 */
export class Master {
  private state: MasterState;
  private readonly pool: ProducerPool;
  private readonly supervisor: Supervisor;
  private readonly runs = new Map<string, ActiveRun>();
  private readonly logs = new Map<string, LogLineMessage[]>();
  private web: ChildHandle | null = null;
  private webUrl: string | null = null;
  private readonly startedAt: number;
  private exit: (code: number) => void = () => {};
  private cancelGrace: (() => void) | null = null;
  private stateTimer: NodeJS.Timeout | null = null;
  /** Whether a run has used the producers since they started (a new topic then gets fresh ones). */
  private producersUsed = false;

  constructor(
    private readonly deps: MasterDeps,
    private readonly options: MasterOptions,
  ) {
    this.state = initialMasterState({ commandFile: options.commandFile, graceMs: options.graceMs });
    this.startedAt = deps.clock.now();
    this.pool = new ProducerPool({
      producers: options.pool.workers ?? 1,
      ...(options.pool.maxMemoryMb ? { maxMemoryBytes: options.pool.maxMemoryMb * 2 ** 20 } : {}),
      log: (line) => deps.err(`[metaorch] ${line}`),
    });
    const children = [...producerChildren(options.pool.workers ?? 1), ...(options.web ? [{ id: WEB_ID, role: 'web' }] : [])];
    this.supervisor = new Supervisor(children, deps.processes, this.hooks(), supervisorOptionsFor(options.pool), deps.clock);
    this.pool.attach((id) => this.supervisor.recycle(id));
  }

  /** Starts the children, runs until told to stop (or the command's run ends); resolves with the exit status. */
  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.exit = resolve));
    const dispose = this.deps.onSignal((signal) => this.dispatch({ type: 'signal', signal }));
    this.stateTimer = setInterval(() => this.sendState(), 1000);
    this.stateTimer.unref();
    this.supervisor.start().then(
      () => this.dispatch({ type: 'children-ready' }),
      () => undefined, // a crash loop before ready arrives through the crashLoop hook
    );
    return done.finally(() => {
      dispose();
      if (this.stateTimer) clearInterval(this.stateTimer);
      this.cancelGrace?.();
    });
  }

  /** The master and its children, as `GET /api/processes` shows them. */
  processes(): OrchestratorState {
    return {
      orchestrator: { pid: process.pid, startedAt: this.startedAt, runs: [...this.runs.keys()] },
      processes: this.supervisor.processes(),
    };
  }

  private hooks(): SupervisorHooks {
    const pool = this.pool.hooks;
    return {
      up: (id, generation, handle) => {
        if (id === WEB_ID) {
          this.web = handle;
          // A restarted web server starts empty: give it the runs' consoles again.
          for (const [runId, lines] of this.logs) for (const line of lines) this.toWeb({ t: 'log', runId, line });
        } else pool.up?.(id, generation, handle);
        this.sendState();
      },
      down: (id, generation, how) => {
        if (id === WEB_ID) this.web = null;
        else pool.down?.(id, generation, how);
      },
      explained: (id, generation) => id !== WEB_ID && (pool.explained?.(id, generation) ?? false),
      message: (id, generation, message) => {
        if (id === WEB_ID) this.onWebMessage(message as FromWeb);
        else pool.message?.(id, generation, message);
      },
      crashLoop: (message) => {
        pool.crashLoop?.(message);
        this.dispatch({ type: 'crash-loop', message });
      },
      log: (line) => this.deps.err(`[metaorch] ${line}`),
    };
  }

  private dispatch(event: MasterEvent): void {
    const { state, actions } = masterStep(this.state, event);
    this.state = state;
    for (const action of actions) this.perform(action);
  }

  private perform(action: MasterAction): void {
    switch (action.type) {
      case 'start-run':
        void this.startRun(action.requestId, action.file, action.origin);
        break;
      case 'reply':
        this.toWeb({ t: 'reply', id: action.requestId, ok: action.ok, message: action.message, ...(action.runId ? { runId: action.runId } : {}) });
        break;
      case 'stop-run':
        this.runs.get(action.runId)?.stop.abort();
        break;
      case 'cancel-run':
        this.runs.get(action.runId)?.cancel.abort();
        break;
      case 'grace-timer':
        this.cancelGrace?.();
        this.cancelGrace = this.deps.clock.at(this.deps.clock.now() + action.ms, () => this.dispatch({ type: 'grace-over' }));
        break;
      case 'stop-children':
        this.toWeb({ t: 'shutdown' });
        void this.supervisor.stop().then(() => this.dispatch({ type: 'children-stopped' }));
        break;
      case 'exit':
        this.exit(action.code);
        break;
      case 'log':
        this.deps.err(action.message);
        break;
    }
  }

  /** Loads the file, runs it on the master's producers (or its own BullMQ queue), reports back. */
  private async startRun(requestId: string, file: string, origin: RunOrigin): Promise<void> {
    let experiment: Experiment;
    try {
      experiment = await this.deps.loadExperiment(file);
    } catch (error) {
      this.dispatch({ type: 'run-rejected', requestId, message: messageOf(error), exitCode: exitCodeOf(error) });
      return;
    }
    const stop = new AbortController();
    const cancel = new AbortController();
    let runId: string | null = null;
    const executor: ExecutorFactory = (ctx) => {
      if (experiment.executor?.type === 'bullmq') return createExecutor(ctx);
      // A new topic stops the current producers and starts fresh ones (seed 003's decision 6): each
      // finishes what it holds, then is replaced; the topic's requests wait for the fresh processes.
      if (experiment.topic && this.producersUsed) {
        const renewed = this.pool.renewAll();
        if (renewed > 0) this.deps.out(`New topic "${experiment.topic.name}": replacing the ${renewed} producer(s) with fresh processes.`);
      }
      this.producersUsed = true;
      return this.pool.openRun({ runId: ctx.runId, experiment: ctx.experiment, fail: ctx.fail, ...(ctx.backoff ? { backoff: ctx.backoff } : {}) });
    };
    const starter: RunObserver = {
      onRunStart: (info) => {
        runId = info.runId;
        this.runs.set(info.runId, { origin, stop, cancel });
        this.runLog(info.runId, `Run ${info.runId} (${info.name}) started by the orchestrator (pid ${process.pid})${origin === 'dashboard' ? ', launched from the dashboard' : ''}: ${info.planned ?? 'open-ended'} trials planned.`);
        this.dispatch({ type: 'run-started', requestId, runId: info.runId });
        this.sendState();
      },
      onRunEnd: (info) => {
        this.runLog(info.runId, `Run ${info.runId} ended (${info.stopReason}): ${info.finished} trials, ${info.errors} errors.`);
      },
    };
    try {
      const result = await startRun(experiment, { store: this.deps.store, observers: [starter, ...(this.deps.observers?.(origin) ?? [])], stop: stop.signal, cancel: cancel.signal, executor, ...(this.options.env ? { env: this.options.env } : {}) });
      if (result.error) this.runLog(result.runId, `Run ${result.runId} stopped because of its executor: ${result.error}`);
      this.deps.onRunEnd?.(result, origin);
      this.finishRun(result.runId, runExitCode(result));
    } catch (error) {
      if (runId === null) this.dispatch({ type: 'run-rejected', requestId, message: messageOf(error), exitCode: exitCodeOf(error) });
      else {
        this.runLog(runId, `Run ${runId} failed: ${messageOf(error)}`);
        this.finishRun(runId, 1);
      }
    }
  }

  private finishRun(runId: string, exitCode: number): void {
    this.runs.delete(runId);
    this.dispatch({ type: 'run-ended', runId, exitCode });
    this.sendState();
  }

  /** A line of a run's console: the master's stdout, and the run's log on the dashboard. */
  private runLog(runId: string, text: string): void {
    this.deps.out(text);
    let lines = this.logs.get(runId);
    if (!lines) {
      this.logs.set(runId, (lines = []));
      if (this.logs.size > LOGGED_RUNS) this.logs.delete(this.logs.keys().next().value as string);
    }
    const line: LogLineMessage = { n: (lines[lines.length - 1]?.n ?? 0) + 1, ts: Date.now(), stream: 'stdout', text };
    lines.push(line);
    if (lines.length > LOG_LINES_PER_RUN) lines.shift();
    this.toWeb({ t: 'log', runId, line });
  }

  private onWebMessage(message: FromWeb): void {
    switch (message.t) {
      case 'ready':
        if (this.webUrl === null && this.options.web) {
          this.deps.out(`metaorch dashboard: ${message.url}/#token=${this.options.web.token}`);
          this.deps.out(`  launching and stopping runs needs the token in that link: ${this.options.web.token}`);
        }
        this.webUrl = message.url;
        this.sendState();
        break;
      case 'launch':
        this.dispatch({ type: 'launch', requestId: message.id, file: message.file, origin: 'dashboard' });
        break;
      case 'stop':
        this.dispatch({ type: 'stop-run', requestId: message.id, runId: message.runId });
        break;
      case 'hb':
        break;
    }
  }

  private sendState(): void {
    this.toWeb({ t: 'state', state: this.processes() });
  }

  private toWeb(message: ToWeb): void {
    this.web?.send(message);
  }
}

/**
 * The exit status `metaorch run` gives a run: 0 success, 1 failed (or its executor failed), 130 interrupted.
 *
 * @example
 * runExitCode({ runId, status: 'interrupted', stopReason: 'interrupted', finished: 10, errors: 0 }); // 130
 */
export function runExitCode(result: RunResult): number {
  if (result.error) return 1;
  return result.status === 'interrupted' ? 130 : result.status === 'failed' ? 1 : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function exitCodeOf(error: unknown): number {
  return error instanceof MetaorchError ? EXIT_STATUS[error.code] : 1;
}

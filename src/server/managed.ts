/**
 * The web server as a child of `metaorch orchestrator`: launches and stops of the master's runs go to
 * the master over the IPC channel (its producers run them); validation stays here (the same loader);
 * runs of other processes on the same store are stopped as a stand-alone server would.
 */
import { randomUUID } from 'node:crypto';
import type { FromWeb, OrchestratorState, ToWeb } from '../orchestrator/web-protocol.js';
import { MetaorchError } from '../model/errors.js';
import type { RunRecord } from '../store/records.js';
import type { LaunchResponse, LogLine, ProcessesResponse, StopResponse, ValidateResponse } from './api-types.js';
import { Launcher, type LauncherOptions, type RunLauncher } from './launcher.js';

export interface ManagedChannel {
  send(message: FromWeb): void;
  onMessage(handler: (message: ToWeb) => void): void;
}

const LOG_LINES = 2000;

/**
 * @example
 * const launcher = new ManagedLauncher({ projectDir, db }, { send: (m) => process.send?.(m), onMessage: (h) => process.on('message', h) });
 */
export class ManagedLauncher implements RunLauncher {
  private readonly local: Launcher;
  private readonly waiting = new Map<string, (reply: Extract<ToWeb, { t: 'reply' }>) => void>();
  private readonly logs = new Map<string, LogLine[]>();
  private state: OrchestratorState | null = null;

  constructor(
    private readonly options: LauncherOptions,
    private readonly channel: ManagedChannel,
  ) {
    this.local = new Launcher(options);
    channel.onMessage((message) => {
      if (message.t === 'reply') {
        this.waiting.get(message.id)?.(message);
        this.waiting.delete(message.id);
      } else if (message.t === 'state') {
        this.state = message.state;
      } else if (message.t === 'log') {
        let lines = this.logs.get(message.runId);
        if (!lines) this.logs.set(message.runId, (lines = []));
        lines.push(message.line);
        if (lines.length > LOG_LINES) lines.shift();
        this.options.onLog?.(message.runId, message.line);
      }
    });
  }

  /** The master's processes for `GET /api/processes`. */
  processes(): ProcessesResponse {
    const server = { pid: process.pid, rss: process.memoryUsage.rss() };
    return this.state ? { ...this.state, server } : { orchestrator: null, processes: [], server };
  }

  /** Workflows run in their own process, as under a stand-alone server: the master runs experiments only. */
  resumeWorkflow(runId: string): { pid: number; command: string } {
    return this.local.resumeWorkflow(runId);
  }

  isLaunchedHere(runId: string): boolean {
    return this.logs.has(runId) || (this.state?.orchestrator.runs.includes(runId) ?? false);
  }

  logOf(runId: string): LogLine[] | null {
    return this.logs.get(runId) ?? (this.isLaunchedHere(runId) ? [] : null);
  }

  command(file: string): string {
    return this.local.command(file);
  }

  validate(file: string, pastedFile: string | null): Promise<ValidateResponse> {
    return this.local.validate(file, pastedFile);
  }

  async launch(file: string): Promise<LaunchResponse> {
    const reply = await this.ask({ t: 'launch', id: randomUUID(), file }, 120_000);
    if (!reply.ok || !reply.runId) throw new MetaorchError('USAGE', reply.message);
    if (!this.logs.has(reply.runId)) this.logs.set(reply.runId, []);
    return { runId: reply.runId, pid: this.state?.orchestrator.pid ?? process.ppid, command: this.command(file) };
  }

  async stop(run: RunRecord): Promise<StopResponse> {
    const master = this.state?.orchestrator.pid ?? process.ppid;
    if (run.pid !== master && !this.state?.orchestrator.runs.includes(run.id)) return this.local.stop(run);
    const reply = await this.ask({ t: 'stop', id: randomUUID(), runId: run.id }, 10_000);
    if (!reply.ok) throw new MetaorchError('USAGE', reply.message);
    return { runId: run.id, pid: master, how: 'child', state: reply.message.startsWith('Cancelling') ? 'cancelling' : 'stopping', message: reply.message };
  }

  /** Runs belong to the master: closing the web server leaves them running. */
  async close(): Promise<void> {
    for (const resolve of this.waiting.values()) resolve({ t: 'reply', id: '', ok: false, message: 'the web server is stopping' });
    this.waiting.clear();
  }

  private ask(message: Extract<FromWeb, { id: string }>, timeoutMs: number): Promise<Extract<ToWeb, { t: 'reply' }>> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(message.id);
        resolve({ t: 'reply', id: message.id, ok: false, message: `the orchestrator did not answer within ${timeoutMs / 1000}s` });
      }, timeoutMs);
      this.waiting.set(message.id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.channel.send(message);
    });
  }
}

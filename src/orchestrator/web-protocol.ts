import type { ProcessInfo } from '../supervisor/types.js';

/**
 * Messages between `metaorch orchestrator` (the master) and its web server child (`metaorch serve`
 * started with an IPC channel and METAORCH_MANAGED=1). Launches and stops from the dashboard go to
 * the master, which runs them on its producers; the master keeps the web child informed of its
 * processes and of the console of its runs.
 */

export interface LogLineMessage {
  n: number;
  ts: number;
  stream: 'stdout' | 'stderr' | 'server';
  text: string;
}

/** What the master tells `GET /api/processes`. */
export interface OrchestratorState {
  orchestrator: { pid: number; startedAt: number; runs: string[] };
  processes: ProcessInfo[];
}

export type FromWeb =
  | { t: 'ready'; url: string }
  | { t: 'hb'; rss: number; done: number }
  | { t: 'launch'; id: string; file: string }
  | { t: 'stop'; id: string; runId: string };

export type ToWeb =
  | { t: 'reply'; id: string; ok: boolean; runId?: string; message: string }
  | { t: 'state'; state: OrchestratorState }
  | { t: 'log'; runId: string; line: LogLineMessage }
  | { t: 'shutdown' };

/** Set in the web child's environment by the master. */
export const MANAGED_ENV = 'METAORCH_MANAGED';
/** The dashboard token, passed in the environment (not on the command line, where `ps` shows it). */
export const TOKEN_ENV = 'METAORCH_TOKEN';

/**
 * Starts the dashboard server over a store: HTTP API, live stream, built pages, launcher. The store is
 * opened on its own connection (WAL: reading never blocks the runs writing to it); runs written by any
 * process using the same file appear live.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { SqliteRunQueries } from '../store/sqlite-run-queries.js';
import { cacheDirFor } from './aggregate-cache.js';
import { Aggregates } from './aggregates.js';
import { createApp } from './app.js';
import { EventHub } from './event-hub.js';
import { Launcher, type RunLauncher } from './launcher.js';
import { ManagedLauncher, type ManagedChannel } from './managed.js';
import { LiveRuns } from './live.js';
import { allowedHosts, newToken } from './security.js';
import { dashboardDir } from './static.js';

export interface ServeOptions {
  db: string;
  port?: number;
  host?: string;
  token?: string;
  /** The folder whose experiment files the Launch page offers (default: the working folder). */
  projectDir?: string;
  /** Event polling interval, ms (default 100). */
  pollMs?: number;
  /** Statistics of this many most recent runs are computed at start-up, in the background (default 5). */
  warm?: number;
  /** Keep large finished runs' statistics in `dashboard-cache/` beside the store (default true). */
  cache?: boolean;
  /** Under `metaorch orchestrator`: the channel to the master, which runs launched runs. */
  managed?: ManagedChannel;
}

export interface DashboardServer {
  url: string;
  port: number;
  token: string;
  /** HTTP requests served so far. */
  requests(): number;
  /** Stops runs launched here (gracefully), the stream, the server; closes the store. */
  close(): Promise<void>;
}

/**
 * @example
 * const server = await startServer({ db: '.metaorch/metaorch.db', port: 8080 });
 * console.log(`${server.url}/#token=${server.token}`);
 */
export async function startServer(options: ServeOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const projectDir = options.projectDir ?? process.cwd();
  const queries = SqliteRunQueries.open(options.db, { mmap: true });
  const aggregates = new Aggregates(queries, options.cache === false ? null : cacheDirFor(options.db));
  let hub: EventHub | null = null;
  const launcherOptions = {
    projectDir, db: options.db, onLog: (runId: string, line: Parameters<EventHub['log']>[1]) => hub?.log(runId, line),
    runExists: (id: string) => queries.getRun(id) !== undefined,
  };
  const managed = options.managed ? new ManagedLauncher(launcherOptions, options.managed) : null;
  const launcher: RunLauncher = managed ?? new Launcher(launcherOptions);
  const live = new LiveRuns(queries, aggregates, (id) => launcher.isLaunchedHere(id));
  hub = new EventHub(queries, aggregates, (id) => live.summaryIfReady(id), options.pollMs ?? 100);
  let port = options.port ?? 8080;
  const app = createApp({
    queries, dbPath: options.db, projectDir, token, live, hub, launcher, dashboardDir: dashboardDir(),
    hosts: () => allowedHosts(host, port),
    ...(managed ? { processes: () => managed.processes() } : {}),
  });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  let requests = 0;
  server.on('request', () => requests++);
  hub.start();
  warmUp(queries, aggregates, options.warm ?? 5);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    token,
    requests: () => requests,
    async close() {
      hub?.stop();
      await launcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      queries.close();
    },
  };
}

/** Computes the statistics of running and recent runs in the background, so their pages open at once. */
function warmUp(queries: SqliteRunQueries, aggregates: Aggregates, count: number): void {
  const runs = queries.runs();
  const ids = [...runs.filter((r) => r.status === 'running'), ...runs.filter((r) => r.status !== 'running')].slice(0, count).map((r) => r.id);
  void ids.reduce((chain, id) => chain.then(() => aggregates.ensure(id).then(() => undefined, () => undefined)), Promise.resolve());
}

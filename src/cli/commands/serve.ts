import { relative } from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../../model/errors.js';
import { MANAGED_ENV, TOKEN_ENV, type FromWeb, type ToWeb } from '../../orchestrator/web-protocol.js';
import { dbPath } from '../context.js';

interface ServeFlags {
  port: string;
  host: string;
  db?: string;
  token?: string;
}

/**
 * `metaorch serve`: the live dashboard and its API over the store, until Ctrl-C.
 *
 * @example
 * metaorch serve --port 8080
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description('live dashboard: watch, launch, browse and compare runs in the browser')
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').default('8080'))
    .addOption(new Option('--host <host>', 'interface to bind; the default keeps the dashboard on this machine').default('127.0.0.1'))
    .addOption(new Option('--db <path>', 'SQLite store (default: $METAORCH_DB or .metaorch/metaorch.db)'))
    .addOption(new Option('--token <token>', 'token that launch and stop require (default: a random one, printed)'))
    .action(async (flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number, got '${flags.port}'`);
      if (flags.token !== undefined && flags.token.length < 8) throw new UsageError('--token: use at least 8 characters');
      const db = dbPath(flags.db);
      if (process.env[MANAGED_ENV] === '1' && typeof process.send === 'function') {
        await serveManaged(db, port, flags.host, process.env[TOKEN_ENV] ?? flags.token);
        return;
      }
      // Imported here so other commands never load the HTTP server.
      const { startServer } = await import('../../server/serve.js');
      const server = await startServer({ db, port, host: flags.host, ...(flags.token ? { token: flags.token } : {}) });
      const rel = relative(process.cwd(), db);
      console.log(`metaorch dashboard: ${server.url}/#token=${server.token}`);
      console.log(`  store: ${rel.startsWith('..') ? db : rel}`);
      console.log(`  launching and stopping runs needs the token in that link: ${server.token}`);
      if (flags.host !== '127.0.0.1' && flags.host !== 'localhost' && flags.host !== '::1') {
        console.log(`  warning: listening on ${flags.host}: other machines can read your runs`);
      }
      console.log('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          console.log('Stopping the dashboard...');
          void server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/**
 * The web server as a child of `metaorch orchestrator`: launches go to the master over the IPC channel,
 * it reports ready and heartbeats there, and it exits when the master asks or is gone.
 */
async function serveManaged(db: string, port: number, host: string, token: string | undefined): Promise<void> {
  const { exitWhenOrphaned } = await import('../../supervisor/orphan-guard.js');
  const { startServer } = await import('../../server/serve.js');
  exitWhenOrphaned();
  const send = (message: FromWeb) => process.send?.(message);
  const handlers: ((message: ToWeb) => void)[] = [];
  process.on('message', (message: ToWeb) => handlers.forEach((h) => h(message)));
  const server = await startServer({
    db, port, host, ...(token ? { token } : {}), managed: { send, onMessage: (h) => handlers.push(h) },
  });
  send({ t: 'ready', url: server.url });
  const heartbeat = setInterval(() => send({ t: 'hb', rss: process.memoryUsage.rss(), done: server.requests() }), 1000);
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(heartbeat);
      void server.close().then(resolve, resolve);
    };
    handlers.push((message) => {
      if (message.t === 'shutdown') stop();
    });
    // Ctrl-C in the terminal reaches the whole process group: the master decides, this child waits for it.
    process.on('SIGINT', () => {});
    process.on('SIGTERM', stop);
  });
  process.exit(0);
}

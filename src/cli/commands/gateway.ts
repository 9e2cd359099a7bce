import { Command, Option } from 'commander';
import { UsageError } from '../../model/errors.js';
import { dbPath } from '../context.js';

interface GatewayFlags {
  config: string;
  port?: string;
  host?: string;
  db?: string;
}

/**
 * `metaorch gateway`: serves OpenAI's and Anthropic's APIs in front of the routes of gateway.yaml,
 * until Ctrl-C. The file is validated in full before the port is bound (exit 2 on error).
 *
 * @example
 * metaorch gateway --config gateway.yaml --port 4000
 */
export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('OpenAI/Anthropic-compatible gateway: routes each request by bandit, records it as a trial, learns from feedback')
    .addOption(new Option('--config <file>', 'gateway file (routes, keys)').default('gateway.yaml'))
    .addOption(new Option('--port <port>', "port to listen on (default: the file's, else 4000; 0: any free port)"))
    .addOption(new Option('--host <host>', "interface to bind (default: the file's, else 127.0.0.1)"))
    .addOption(new Option('--db <path>', 'SQLite store (default: $METAORCH_DB or .metaorch/metaorch.db)'))
    .action(async (flags: GatewayFlags) => {
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port: expected a port number, got '${flags.port}'`);
      // Imported here so other commands never load the gateway.
      const { loadGatewayConfig, startGateway } = await import('../../gateway/index.js');
      const { createRedactor, secretValues } = await import('../../config/env.js');
      const { SqliteStore } = await import('../../store/sqlite-store.js');
      const config = await loadGatewayConfig(flags.config, process.env);
      const store = SqliteStore.open(dbPath(flags.db), { checkpointer: true });
      const redact = createRedactor(secretValues({ routes: config.routes, keys: config.keys }, process.env));
      let gateway;
      try {
        gateway = await startGateway({ config, store, redact, ...(port !== undefined ? { port } : {}), ...(flags.host ? { host: flags.host } : {}) });
      } catch (error) {
        store.close();
        throw error;
      }
      const host = flags.host ?? config.host;
      console.log(`metaorch gateway: ${gateway.url}/v1 (${config.routes.length} route(s): ${config.routes.map((r) => r.name).join(', ')})`);
      for (const run of gateway.runs) console.log(`  route ${run.route.name}: run ${run.runId} (${run.route.variants.map((v) => v.id).join(', ')})`);
      if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
        console.log(`  warning: listening on ${host}: other machines can reach it${config.keys.length ? '' : ' and no gateway key is required'}`);
      }
      console.log('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          console.log('Stopping the gateway...');
          void gateway.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      store.close();
    });
}

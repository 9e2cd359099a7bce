import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { defaultPoolWorkers, PoolExecutorConfig, validateExecutor } from '../../config/executor.js';
import { UsageError } from '../../model/errors.js';
import { reportTable } from '../../report/console.js';
import { dbPath, defaultOutDir } from '../context.js';
import { consoleProgress } from '../progress.js';
import { relativePath, summaryLine } from './run.js';

interface OrchestratorFlags {
  producers: string;
  port: string;
  host: string;
  db?: string;
  token?: string;
  grace: string;
  heartbeat: string;
  web: boolean;
  out?: string;
  progress: boolean;
  topic?: string;
  variants?: string;
  iterations?: string;
  maxRequests?: string;
  budgetCost?: string;
  batch?: string;
  output?: string;
}

/**
 * `metaorch orchestrator [EXP]`: the master process. It owns the store and the run loop, keeps N
 * producer processes and the web server (`metaorch serve`) as supervised children, runs EXP (then
 * exits with its status) or waits for runs launched from the dashboard.
 *
 * @example
 * metaorch orchestrator -n 5 -p 8080
 */
export function orchestratorCommand(): Command {
  return new Command('orchestrator')
    .description('master process: N producer processes and the web dashboard as supervised children; runs EXP or the runs launched from the dashboard')
    .argument('[experiment]', 'experiment file to run (without it: wait for runs launched from the dashboard)')
    .addOption(new Option('-n, --producers <n>', 'producer processes (default: one per core)'))
    .addOption(new Option('-p, --port <port>', 'dashboard port (0: any free port)').default('8080'))
    .addOption(new Option('--host <host>', 'interface the dashboard binds').default('127.0.0.1'))
    .addOption(new Option('--db <path>', 'SQLite store (default: $METAORCH_DB or .metaorch/metaorch.db)'))
    .addOption(new Option('--token <token>', 'token that launch and stop require (default: a random one, printed)'))
    .addOption(new Option('--grace <seconds>', 'on Ctrl-C, how long in-flight trials may finish').default('10'))
    .addOption(new Option('--heartbeat <duration>', 'a producer silent this long is killed and replaced').default('10s'))
    .option('--no-web', 'no dashboard child')
    .addOption(new Option('--out <dir>', "where EXP's summary.md and summary.json go (default: .metaorch/runs/RUN/)"))
    .option('--no-progress', 'no live progress view for EXP')
    .addOption(new Option('--topic <text>', 'topic mode: producers generate unique items about this topic into OUTPUT/<topic-slug>/'))
    .addOption(new Option('--variants <file>', 'topic mode: YAML/JSON list of variants (default: three mock vocabularies)'))
    .addOption(new Option('--iterations <n>', 'topic mode: requests per producer'))
    .addOption(new Option('--max-requests <n>', 'topic mode: requests in all (overrides --iterations)'))
    .addOption(new Option('--budget-cost <dollars>', 'topic mode: stop once this much is spent'))
    .addOption(new Option('--batch <n>', 'topic mode: items asked for per request (default 10)'))
    .addOption(new Option('--output <dir>', 'topic mode: folder of the topic folders').default('output'))
    .action(async (fileArg: string | undefined, flags: OrchestratorFlags) => {
      let file = fileArg;
      // What the orchestrator needs, loaded when it runs (`metaorch --help` lists it without loading this).
      const [executors, { loadExperiment }, { SqliteStore }, { writeReports }] = await Promise.all([
        import('../../config/executor.js'), import('../../config/load.js'), import('../../store/sqlite-store.js'), import('../reports.js'),
      ]);
      const pool = poolConfig(flags, executors);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number, got '${flags.port}'`);
      const graceSeconds = Number(flags.grace);
      if (!Number.isFinite(graceSeconds) || graceSeconds < 0) throw new UsageError(`--grace: expected seconds, got '${flags.grace}'`);
      if (flags.token !== undefined && flags.token.length < 8) throw new UsageError('--token: use at least 8 characters');
      if (flags.topic !== undefined) {
        if (file !== undefined) throw new UsageError('give either an experiment file or --topic, not both');
        const { prepareTopic } = await import('../../topic/launch.js');
        const launch = prepareTopic({
          topic: flags.topic, producers: pool.workers, output: flags.output ?? 'output',
          ...optionalCount('--iterations', flags.iterations, 'iterations'), ...optionalCount('--max-requests', flags.maxRequests, 'maxRequests'),
          ...optionalCount('--batch', flags.batch, 'batch', 0), ...(flags.variants !== undefined ? { variantsFile: flags.variants } : {}),
          ...(flags.budgetCost !== undefined ? { budgetCost: dollars(flags.budgetCost) } : {}),
        });
        if (!launch.ok) throw new UsageError(launch.message);
        console.log(`Topic "${flags.topic.trim()}": items go to ${relativePath(join(launch.folder, 'output.txt'))} (experiment: ${relativePath(launch.file)})`);
        file = launch.file;
      }
      // The experiment is checked before anything starts: a bad file exits 2 with nothing written.
      if (file !== undefined) await loadExperiment(file);
      const db = dbPath(flags.db);
      const store = SqliteStore.open(db, { checkpointer: true });
      const { Master } = await import('../../orchestrator/master.js');
      const { forkProcessManager, moduleEntry } = await import('../../supervisor/fork.js');
      const { producerEntry } = await import('../../executors/pool/host.js');
      const { systemClock } = await import('../../supervisor/types.js');
      const token = flags.token ?? randomBytes(18).toString('base64url');
      // A fixed port, so a restarted web server comes back at the same address.
      const webPort = flags.web ? (port === 0 ? await freePort(flags.host) : port) : 0;
      const web = flags.web
        ? {
            token,
            entry: {
              ...moduleEntry(import.meta.url, '../main'),
              args: ['serve', '--port', String(webPort), '--host', flags.host, '--db', db],
              env: { ...process.env, METAORCH_MANAGED: '1', METAORCH_TOKEN: token },
            },
          }
        : null;
      const producer = producerEntry(pool.heartbeat);
      const processes = forkProcessManager((child) => (child.role === 'web' && web ? web.entry : producer), {
        output: (id, _stream, line) => process.stderr.write(`[${id}] ${line}\n`),
      });
      console.log(`metaorch orchestrator (pid ${process.pid}): ${pool.workers} producers${web ? ', dashboard' : ''}. Store: ${relativePath(db)}`);
      const master = new Master(
        {
          store, processes, clock: systemClock,
          loadExperiment: (f) => loadExperiment(f),
          observers: (origin) => (origin === 'command' && flags.progress ? [consoleProgress(process.stderr)] : []),
          onRunEnd: (result, origin) => {
            const dir = origin === 'command' && flags.out ? flags.out : defaultOutDir(db, result.runId);
            const report = writeReports(store, result.runId, dir);
            if (origin === 'command') console.log(`\n${reportTable(report)}\n`);
            console.log(summaryLine(result, report.winner, report.variants.reduce((n, v) => n + v.cached, 0)));
            console.log(`Report: ${relativePath(join(dir, 'summary.md'))} (and summary.json)`);
            if (result.status === 'interrupted') console.log(`Resume with: metaorch resume ${result.runId}`);
          },
          onSignal: (handler) => {
            process.on('SIGINT', handler);
            process.on('SIGTERM', handler);
            return () => {
              process.off('SIGINT', handler);
              process.off('SIGTERM', handler);
            };
          },
          out: (line) => console.log(line),
          err: (line) => process.stderr.write(`${line}\n`),
        },
        { pool, web, commandFile: file ?? null, graceMs: graceSeconds * 1000 },
      );
      try {
        process.exitCode = await master.run();
      } finally {
        store.close();
      }
    });
}

function poolConfig(
  flags: OrchestratorFlags,
  executors: { defaultPoolWorkers: typeof defaultPoolWorkers; validateExecutor: typeof validateExecutor },
): PoolExecutorConfig & { workers: number } {
  const workers = flags.producers === undefined ? executors.defaultPoolWorkers() : Number(flags.producers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`-n/--producers: expected a number of processes from 1 to 256, got '${flags.producers}'`);
  const { config, issues } = executors.validateExecutor({ type: 'pool', workers, heartbeat: flags.heartbeat });
  if (!config || config.type !== 'pool') throw new UsageError(`--heartbeat: ${issues.map((i) => i.message).join('; ')}`);
  return { ...config, workers };
}

/** A positive whole number option (or, with `min` 0, a non-negative one the schema then judges). */
function optionalCount<K extends string>(flag: string, value: string | undefined, key: K, min = 1): Partial<Record<K, number>> {
  if (value === undefined) return {};
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: expected a whole number of at least ${min}, got '${value}'`);
  return { [key]: n } as Partial<Record<K, number>>;
}

function dollars(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--budget-cost: expected dollars above 0, got '${value}'`);
  return n;
}

/** A port nobody listens on now (for `-p 0`: the web server keeps it across restarts). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

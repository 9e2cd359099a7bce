/**
 * Launch and stop: a launched run is `metaorch run FILE --db DB` in a child process (the same command a
 * user types, so it validates, records and reports exactly as the CLI does); stopping sends SIGINT,
 * which the run turns into a graceful stop (in-flight trials finish; a second SIGINT cancels them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envReferences } from '../config/env.js';
import { readEnvFile } from '../config/env-file.js';
import { loadExperiment } from '../config/load.js';
import { ConfigError, MetaorchError, UsageError } from '../model/errors.js';
import type { RunRecord } from '../store/records.js';
import type { ConfigIssueItem, LaunchResponse, LogLine, StopResponse, ValidateResponse } from './api-types.js';
import { isAlive } from './queries.js';

/** The CLI of this installation (dist/cli/main.js), resolved from this file. */
export const CLI_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../cli/main.js');

const LOG_LINES = 2000;

interface Child {
  process: ChildProcess;
  runId: string;
  log: LogLine[];
  lines: number;
  stops: number;
  exited: boolean;
}

export interface LauncherOptions {
  projectDir: string;
  db: string;
  /** Receives every log line of a launched run (for the live stream). */
  onLog?: (runId: string, line: LogLine) => void;
  /** True once the run is recorded in the store (launch resolves then, so its page can open). */
  runExists?: (runId: string) => boolean;
  cliEntry?: string;
}

/** Launching and stopping runs, as the app uses them: in child processes here, or through the orchestrator. */
export interface RunLauncher {
  isLaunchedHere(runId: string): boolean;
  logOf(runId: string): LogLine[] | null;
  command(file: string): string;
  validate(file: string, pastedFile: string | null): Promise<ValidateResponse>;
  launch(file: string): Promise<LaunchResponse>;
  stop(run: RunRecord): StopResponse | Promise<StopResponse>;
  /** Resumes a workflow run in a child `metaorch workflow resume` (after an answer to its approval). */
  resumeWorkflow(runId: string): { pid: number; command: string };
  close(): Promise<void>;
}

export class Launcher implements RunLauncher {
  private readonly children = new Map<string, Child>();

  constructor(private readonly options: LauncherOptions) {}

  isLaunchedHere(runId: string): boolean {
    return this.children.has(runId);
  }

  logOf(runId: string): LogLine[] | null {
    return this.children.get(runId)?.log ?? null;
  }

  /** The command line a user would type, relative to the project folder. */
  command(file: string): string {
    const rel = (p: string) => {
      const r = relative(this.options.projectDir, p);
      return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
    };
    const quote = (s: string) => (/^[\w./@:-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
    return `metaorch run ${quote(rel(file))} --db ${quote(rel(this.options.db))}`;
  }

  /** Validates with the CLI's own loader; issues name project-relative files; secrets never appear. */
  async validate(file: string, pastedFile: string | null): Promise<ValidateResponse> {
    const redact = redactor(file);
    const relFile = (p: string) => {
      const r = relative(this.options.projectDir, resolve(this.options.projectDir, p));
      return r.startsWith('..') ? p : r;
    };
    try {
      // The experiment's .env, for this check only: the run's own process loads it again.
      const experiment = await loadExperiment(file, readEnvFile(file, undefined, process.env).env);
      const planned = experiment.mode === 'grid' ? experiment.variants.length * experiment.tasks.length * experiment.repeats : (experiment.budget.trials ?? null);
      return {
        ok: true, issues: [], command: this.command(file), file: pastedFile,
        experiment: { name: experiment.name, mode: experiment.mode, variants: experiment.variants.map((v) => v.id), tasks: experiment.tasks.length, planned },
      };
    } catch (error) {
      let issues: ConfigIssueItem[];
      if (error instanceof ConfigError) issues = error.issues.map((i) => ({ ...i, file: relFile(i.file), message: redact(i.message) }));
      else if (error instanceof MetaorchError) issues = [{ file: relFile(file), path: '', message: redact(error.message) }];
      else throw error;
      return { ok: false, issues, experiment: null, command: this.command(file), file: pastedFile };
    }
  }

  /**
   * Starts `metaorch run FILE --db DB` and resolves with the run id once the child prints it; rejects
   * with the child's error output when it exits first (an invalid config).
   */
  launch(file: string): Promise<LaunchResponse> {
    const entry = this.options.cliEntry ?? CLI_ENTRY;
    const child = spawn(process.execPath, [entry, 'run', file, '--db', this.options.db, '--no-progress'], {
      cwd: this.options.projectDir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const early: LogLine[] = [];
    let record: Child | null = null;
    let n = 0;
    const push = (stream: LogLine['stream'], text: string) => {
      const line: LogLine = { n: ++n, ts: Date.now(), stream, text };
      if (record) {
        record.log.push(line);
        if (record.log.length > LOG_LINES) record.log.shift();
        this.options.onLog?.(record.runId, line);
      } else early.push(line);
    };
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => fail(new MetaorchError('USAGE', 'the run did not start within 30 seconds')), 30_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (!record) child.kill('SIGINT');
        reject(error);
      };
      lines(child.stdout, (text) => {
        push('stdout', text);
        const id = /^Run (\S+) /.exec(text)?.[1];
        if (id && !record) {
          clearTimeout(timer);
          record = { process: child, runId: id, log: [...early], lines: 0, stops: 0, exited: false };
          this.children.set(id, record);
          const started = Date.now();
          const ready = () => {
            if (this.options.runExists?.(id) === false && Date.now() - started < 10_000 && !record?.exited) setTimeout(ready, 20);
            else resolvePromise({ runId: id, pid: child.pid ?? 0, command: this.command(file) });
          };
          ready();
        }
      });
      lines(child.stderr, (text) => push('stderr', text));
      child.on('error', (e) => fail(e));
      child.on('exit', (code, signal) => {
        push('server', `process exited with ${code !== null ? `code ${code}` : `signal ${signal}`}`);
        if (record) record.exited = true;
        else fail(new UsageError(early.filter((l) => l.stream === 'stderr').map((l) => l.text).join('\n') || `the run exited with code ${code}`));
      });
    });
  }

  /**
   * Continues a workflow run (after an approval answered here): `metaorch workflow resume RUN --db DB`
   * in a child process, logged and stopped like a launched run.
   */
  resumeWorkflow(runId: string): { pid: number; command: string } {
    const existing = this.children.get(runId);
    if (existing && !existing.exited) return { pid: existing.process.pid ?? 0, command: `metaorch workflow resume ${runId}` };
    const entry = this.options.cliEntry ?? CLI_ENTRY;
    const child = spawn(process.execPath, [entry, 'workflow', 'resume', runId, '--db', this.options.db, '--no-progress'], {
      cwd: this.options.projectDir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const record: Child = { process: child, runId, log: existing?.log ?? [], lines: 0, stops: 0, exited: false };
    this.children.set(runId, record);
    let n = record.log.length;
    const push = (stream: LogLine['stream'], text: string) => {
      const line: LogLine = { n: ++n, ts: Date.now(), stream, text };
      record.log.push(line);
      if (record.log.length > LOG_LINES) record.log.shift();
      this.options.onLog?.(runId, line);
    };
    lines(child.stdout, (text) => push('stdout', text));
    lines(child.stderr, (text) => push('stderr', text));
    child.on('error', (e) => push('server', `cannot start: ${e.message}`));
    child.on('exit', (code, signal) => {
      push('server', `process exited with ${code !== null ? `code ${code}` : `signal ${signal}`}`);
      record.exited = true;
    });
    return { pid: child.pid ?? 0, command: `metaorch workflow resume ${runId} --db ${this.options.db}` };
  }

  /**
   * Stops a run: SIGINT to the child when it was launched here, else to the run's recorded pid once
   * that process is checked to be a `metaorch run`/`resume` of this same store. A second stop cancels
   * in-flight trials.
   */
  stop(run: RunRecord): StopResponse {
    const child = this.children.get(run.id);
    if (child && !child.exited && child.process.pid) {
      child.stops++;
      child.process.kill('SIGINT');
      return stopResponse(run.id, child.process.pid, 'child', child.stops);
    }
    if (run.status !== 'running' || run.pid === null) throw new MetaorchError('USAGE', `run ${run.id} is not running`);
    if (!isAlive(run.pid)) throw new MetaorchError('USAGE', `run ${run.id} is marked running but its process ${run.pid} is gone (resume it with metaorch resume ${run.id})`);
    const why = notOurRun(run.pid, this.options.db);
    if (why) throw new MetaorchError('USAGE', `refusing to signal process ${run.pid}: ${why}`);
    process.kill(run.pid, 'SIGINT');
    return stopResponse(run.id, run.pid, 'pid', 1);
  }

  /** Interrupts every run launched here and waits (up to `graceMs`) for them to record their state. */
  async close(graceMs = 15_000): Promise<void> {
    const live = [...this.children.values()].filter((c) => !c.exited);
    await Promise.all(
      live.map(
        (c) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => {
              c.process.kill('SIGKILL');
              done();
            }, graceMs);
            c.process.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            c.process.kill('SIGINT');
          }),
      ),
    );
  }
}

function stopResponse(runId: string, pid: number, how: 'child' | 'pid', stops: number): StopResponse {
  const state = stops > 1 ? 'cancelling' : 'stopping';
  const message = state === 'stopping' ? 'Stopping: no new trials; in-flight trials finish (stop again to cancel them).' : 'Cancelling in-flight trials.';
  return { runId, pid, how, state, message };
}

/**
 * Why `pid` is not a metaorch run of the store `db` (null when it is). Reads /proc: the command line
 * must run the metaorch CLI with `run` or `resume`, and its store (--db, else METAORCH_DB, else the
 * default, relative to its working folder) must be this same file.
 */
export function notOurRun(pid: number, db: string): string | null {
  let argv: string[];
  let cwd: string;
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return 'cannot inspect it (only processes on this machine, readable through /proc, can be stopped from here)';
  }
  // The installed command, its bin (bin/metaorch.cjs), or the unbundled program (dist/cli/main.js,
  // src/cli/main.ts under tsx).
  const cli = argv.findIndex((a) => /(^|\/)metaorch(\.cjs)?$/.test(a) || /(^|\/)(dist|src)\/cli\/main\.[jt]s$/.test(a));
  if (cli < 0 || !['run', 'resume'].includes(argv[cli + 1] ?? '')) return 'it is not a `metaorch run` or `metaorch resume` process';
  let dbArg: string | undefined;
  for (let i = cli + 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--db') dbArg = argv[i + 1];
    else if (a.startsWith('--db=')) dbArg = a.slice(5);
  }
  if (dbArg === undefined) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      dbArg = env.find((e) => e.startsWith('METAORCH_DB='))?.slice('METAORCH_DB='.length);
    } catch {
      // environ unreadable: fall back to the default store
    }
  }
  const theirs = resolve(cwd, dbArg ?? '.metaorch/metaorch.db');
  const same = (a: string, b: string) => {
    try {
      return realpathSync(a) === realpathSync(b);
    } catch {
      return false;
    }
  };
  return same(theirs, db) ? null : `it writes to another store (${theirs})`;
}

/** Replaces the values of environment variables the file references with `***`. */
function redactor(file: string): (text: string) => string {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return (s) => s;
  }
  let env = process.env;
  try {
    env = readEnvFile(file, undefined, process.env).env;
  } catch {
    // an unreadable .env: the check reports it
  }
  const secrets = [...envReferences(text)].map((n) => env[n]).filter((v): v is string => typeof v === 'string' && v.length >= 4);
  return (s) => secrets.reduce((out, secret) => out.split(secret).join('***'), s);
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, i).replace(/\r$/, ''));
      buffer = buffer.slice(i + 1);
    }
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
  });
}

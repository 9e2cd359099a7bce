/**
 * Helpers for the dashboard's tests: a real `metaorch serve` child process, mock experiments, runs in
 * other processes, and a headless Chromium (Debian's package, driven by playwright-core).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CLI, cliEnv, collect, type CliResult } from '../support/cli.js';
import { childrenOf } from '../support/processes.js';
import { until } from '../support/until.js';

export interface Served {
  url: string;
  token: string;
  child: ChildProcess;
  stdout: () => string;
  close(): Promise<void>;
}

/** Starts `metaorch serve --port 0` in `cwd` and waits for the URL it prints. */
export async function serve(db: string, cwd: string, env: Record<string, string> = {}, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', db, ...extra], { cwd, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out} ${err}`)), 20_000);
    const check = () => {
      const m = /metaorch dashboard: (http:\/\/\S+?)\/#token=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return {
    url: match[1]!,
    token: match[2]!,
    child,
    stdout: () => out,
    close: () => stop(child),
  };
}

/** SIGINT, then waits for the exit (SIGKILL after 20 s). */
export function stop(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/** Starts `metaorch run FILE --db DB` in another process; resolves with its run id once printed. */
export async function startRun(file: string, db: string, cwd: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; runId: string; done: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'run', file, '--db', db, '--no-progress'], { cwd, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const runId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run did not start: ${out} ${err}`)), 20_000);
    child.stdout.on('data', () => {
      const m = /^Run (\S+) /m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void done.then((code) => reject(new Error(`run exited with ${code}: ${out} ${err}`)));
  });
  return { child, runId, done };
}

/** A grid of mock variants over `tasks` capital-like tasks. */
export function mockExperiment(dir: string, name: string, opts: { tasks: number; latencyMs: number; concurrency: number; variants?: string[]; seed?: number }): string {
  mkdirSync(dir, { recursive: true });
  const variants = opts.variants ?? [
    `  - { id: steady, adapter: mock, accuracy: 0.6, latencyMs: ${opts.latencyMs}, cost: { input: 1, output: 4 } }`,
    `  - { id: sharp, adapter: mock, accuracy: 0.85, latencyMs: ${opts.latencyMs}, failureRate: 0.05, cost: { input: 3, output: 12 } }`,
  ];
  const tasks = Array.from({ length: opts.tasks }, (_, i) => `  - { id: task-${i}, input: { n: ${i} }, expected: "answer ${i}" }`);
  const yaml = [
    `name: ${name}`, 'mode: grid', `seed: ${opts.seed ?? 5}`, `concurrency: ${opts.concurrency}`, 'timeout: 10s', 'retries: 1',
    'prompt: "Answer for {{n}}?"', 'tasks:', ...tasks, 'variants:', ...variants, '',
  ].join('\n');
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempProject(prefix = 'metaorch-dash-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const CHROMIUM = '/usr/bin/chromium';

/** Headless Debian Chromium with a fresh profile. */
export async function browser(profileDir: string, viewport = { width: 1400, height: 1000 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export { until };

export interface Orchestrator {
  child: ChildProcess;
  /** The dashboard's URL (`exited` if the master ended before printing it). */
  url: string;
  exited: Promise<CliResult>;
  output: () => string;
}

/**
 * Starts `metaorch orchestrator -n 2 -p 0 --db DIR/o.db --token TOKEN` (plus `args`) and waits for its
 * dashboard line; `track` is told the master's pid and its children's.
 */
export async function startOrchestrator(o: { dir: string; token: string; track: (pid: number) => void; args?: string[]; env?: Record<string, string>; db?: string }): Promise<Orchestrator> {
  const child = spawn(process.execPath, [CLI, 'orchestrator', '-n', '2', '-p', '0', '--db', o.db ?? join(o.dir, 'o.db'), '--token', o.token, '--no-progress', ...(o.args ?? [])], {
    cwd: o.dir, env: cliEnv(o.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'],
  });
  o.track(child.pid as number);
  let all = '';
  child.stdout?.on('data', (d: Buffer) => (all += String(d)));
  child.stderr?.on('data', (d: Buffer) => (all += String(d)));
  const exited = collect(child, 180_000);
  const url = await until(() => /metaorch dashboard: (http:\/\/\S+?)\/#token=/.exec(all)?.[1] ?? (child.exitCode !== null ? 'exited' : null), 30_000, 'the dashboard line');
  for (const c of childrenOf(child.pid as number)) o.track(c.pid);
  return { child, url, exited, output: () => all };
}

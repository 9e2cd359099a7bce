import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessesResponse } from '../../src/server/api-types.js';
import { expectRunComplete, sleep } from '../support/chaos.js';
import { CLI, cliEnv, collect, REPO, runCli } from '../support/cli.js';
import { childrenOf, isAlive, killAll, waitGone } from '../support/processes.js';
import { browser, mockExperiment, startOrchestrator, tempProject, until, type Orchestrator } from './dashboard-support.js';

/**
 * `metaorch orchestrator` with real processes: the master, its producers and its web server child.
 * Launches from the dashboard run on the master's producers; children killed with SIGKILL come back;
 * Ctrl-C and kill -9 of the master leave no process behind and a resumable run.
 */

const ARTIFACTS = resolve(REPO, 'test-artifacts', 'dashboard');
const TOKEN = 'orchestrator-test-token';


const cleanups: (() => void)[] = [];
const pids = new Set<number>();
afterEach(() => {
  killAll(pids);
  pids.clear();
  cleanups.splice(0).forEach((c) => c());
});

const orchestrator = (dir: string, args: string[] = [], env: Record<string, string> = {}) =>
  startOrchestrator({ dir, token: TOKEN, args, env, track: (pid) => pids.add(pid) });

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  return (await r.json()) as T;
}

async function post<T>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-metaorch-token': TOKEN }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as T };
}

const processesOf = (o: Orchestrator) => getJson<ProcessesResponse>(`${o.url}/api/processes`);

function project(tasks: number, latencyMs: number, concurrency = 8): { dir: string; file: string } {
  const { dir, cleanup } = tempProject('metaorch-orch-');
  cleanups.push(cleanup);
  const file = mockExperiment(join(dir, 'experiments'), 'grid', { tasks, latencyMs, concurrency });
  return { dir, file };
}

describe('metaorch orchestrator', () => {
  it('runs dashboard launches on its producers, shows its processes, survives kill -9 of its children', async () => {
    const { dir } = project(400, 15);
    const o = await orchestrator(dir);
    const before = await until(async () => {
      const p = await processesOf(o);
      return p.processes.length === 3 && p.processes.every((x) => x.state === 'ready') ? p : null;
    }, 20_000, 'three ready children');
    expect(before.orchestrator?.pid).toBe(o.child.pid);
    expect(before.processes.map((p) => `${p.id}:${p.role}`)).toEqual(['producer-1:producer', 'producer-2:producer', 'web:web']);

    // The panel, in a real browser.
    mkdirSync(ARTIFACTS, { recursive: true });
    const context = await browser(join(dir, 'chromium-profile'));
    try {
      const page = await context.newPage();
      await page.goto(`${o.url}/#token=${TOKEN}`);
      await page.waitForSelector('[data-testid=processes-table] [data-process=web][data-state=ready]');
      expect(await page.locator('[data-testid=processes-table] tbody tr').count()).toBe(3);
      await page.screenshot({ path: join(ARTIFACTS, 'processes.png'), fullPage: true });
    } finally {
      await context.close();
    }

    // A launch runs in the master, on its producers.
    const launched = await post<{ runId: string; pid: number }>(`${o.url}/api/launch`, { file: 'experiments/grid.yaml' });
    expect(launched.status, JSON.stringify(launched.body)).toBe(200);
    const { runId, pid } = launched.body;
    expect(pid).toBe(o.child.pid);
    await until(async () => (await processesOf(o)).orchestrator?.runs.includes(runId), 10_000, 'the run in the process list');

    // kill -9 of a producer mid-run: its trials run again elsewhere.
    const producer = (await processesOf(o)).processes.find((p) => p.id === 'producer-1')?.pid as number;
    process.kill(producer, 'SIGKILL');
    // kill -9 of the web server: restarted at the same address.
    const web = before.processes.find((p) => p.id === 'web')?.pid as number;
    process.kill(web, 'SIGKILL');
    const after = await until(async () => {
      const p = await processesOf(o).catch(() => null);
      const w = p?.processes.find((x) => x.id === 'web');
      const p1 = p?.processes.find((x) => x.id === 'producer-1');
      return w?.state === 'ready' && w.pid !== web && p1?.state === 'ready' && p1.pid !== producer ? p : null;
    }, 30_000, 'web server and producer back');
    for (const c of childrenOf(o.child.pid as number)) pids.add(c.pid);
    expect(after.processes.find((p) => p.id === 'web')?.restarts).toBe(1);
    expect(after.processes.find((p) => p.id === 'producer-1')).toMatchObject({ restarts: 1, lastExit: { signal: 'SIGKILL' } });
    expect((await fetch(`${o.url}/api/session`)).status).toBe(200);

    const finished = await until(async () => {
      const r = await getJson<{ run: { status: string } }>(`${o.url}/api/runs/${runId}`);
      return r.run.status === 'completed' ? r : null;
    }, 60_000, 'the launched run to complete');
    expect(finished.run.status).toBe('completed');
    const log = await getJson<{ launchedHere: boolean; lines: { text: string }[] }>(`${o.url}/api/runs/${runId}/log`);
    expect(log.launchedHere).toBe(true);
    expect(log.lines.map((l) => l.text).join('\n')).toContain(`Run ${runId} (grid) started by the orchestrator`);
    const done = (await processesOf(o)).processes.filter((p) => p.role === 'producer').reduce((n, p) => n + p.done, 0);
    expect(done).toBeGreaterThan(0);

    // Idle: Ctrl-C exits 0, children gone.
    const children = childrenOf(o.child.pid as number).map((c) => c.pid);
    o.child.kill('SIGINT');
    const result = await o.exited;
    expect(result.code, o.output()).toBe(0);
    expect(await waitGone(children, 5000)).toEqual([]);
    expectRunComplete(join(dir, 'o.db'), runId, 800, join(dir, '.', 'runs', runId, 'summary.json'));
  }, 180_000);

  it('stops a launched run from the dashboard; Ctrl-C mid-run exits 130 and the run resumes', async () => {
    const { dir } = project(300, 40, 4);
    const o = await orchestrator(dir, ['--grace', '1']);
    const first = await post<{ runId: string }>(`${o.url}/api/launch`, { file: 'experiments/grid.yaml' });
    const stopped = first.body.runId;
    await sleep(300);
    const stop = await post<{ state: string }>(`${o.url}/api/runs/${stopped}/stop`, {});
    expect(stop.body.state).toBe('stopping');
    await until(async () => (await getJson<{ run: { status: string } }>(`${o.url}/api/runs/${stopped}`)).run.status === 'interrupted', 20_000, 'the stopped run');

    const second = await post<{ runId: string }>(`${o.url}/api/launch`, { file: 'experiments/grid.yaml' });
    const runId = second.body.runId;
    await sleep(500);
    const children = childrenOf(o.child.pid as number).map((c) => c.pid);
    o.child.kill('SIGINT');
    const result = await o.exited;
    expect(result.code, o.output()).toBe(130);
    expect(o.output()).toContain('SIGINT: stopping; in-flight trials have 1s to finish');
    expect(await waitGone(children, 5000)).toEqual([]);
    for (const id of [stopped, runId]) {
      const resumed = await runCli(['resume', id, '--db', join(dir, 'o.db'), '--no-progress', '--out', join(dir, 'out', id)], { cwd: dir });
      expect(resumed.code, resumed.stderr).toBe(0);
      expectRunComplete(join(dir, 'o.db'), id, 600, join(dir, 'out', id, 'summary.json'));
    }
  }, 180_000);

  it('leaves no child behind after kill -9 of the master, and its run resumes', async () => {
    const { dir, file } = project(300, 30, 4);
    const o = await orchestrator(dir, [file]);
    const runId = await until(() => /^Run (\S+) \(grid\) started by the orchestrator/m.exec(o.output())?.[1], 30_000, 'the run to start');
    await sleep(300);
    const children = childrenOf(o.child.pid as number).map((c) => c.pid);
    expect(children.length).toBe(3);
    o.child.kill('SIGKILL');
    await o.exited;
    expect(await waitGone(children, 4000)).toEqual([]);
    const resumed = await runCli(['resume', runId, '--db', join(dir, 'o.db'), '--no-progress', '--out', join(dir, 'out')], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expectRunComplete(join(dir, 'o.db'), runId, 600, join(dir, 'out', 'summary.json'));
  }, 120_000);

  it('runs EXP and exits with its status; a crash loop of a child stops it with the cause', async () => {
    const { dir, file } = project(50, 0);
    const o = await orchestrator(dir, [file, '--out', join(dir, 'out')]);
    const result = await o.exited;
    expect(result.code, o.output()).toBe(0);
    const runId = /^Run (\S+) completed: 100 trials, 0 errors/m.exec(result.stdout)?.[1] as string;
    expectRunComplete(join(dir, 'o.db'), runId, 100, join(dir, 'out', 'summary.json'));

    // The dashboard's port is taken: the web server dies at every start.
    const blocker: Server = await new Promise((ok) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => ok(s));
    });
    cleanups.push(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const child = spawn(process.execPath, [CLI, 'orchestrator', '-n', '1', '-p', String(port), '--db', join(dir, 'o.db')], { cwd: dir, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    pids.add(child.pid as number);
    const looped = await collect(child, 60_000);
    expect(looped.code).toBe(1);
    expect(looped.stderr).toMatch(new RegExp(`error: web crash loop: 6 deaths in 60s without a trial to blame \\(limit 5\\); last: web \\(web, pid \\d+\\) before it was ready, exit code 1: .*EADDRINUSE.*${port}`));
    expect(isAlive(child.pid as number)).toBe(false);
  }, 120_000);

  it('refuses bad input with exit 2 before starting anything', async () => {
    const { dir } = project(5, 0);
    const bad = await runCli(['orchestrator', 'missing.yaml', '--db', join(dir, 'o.db')], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('missing.yaml file not found: expected a YAML or JSON experiment file');
    const n = await runCli(['orchestrator', '-n', '0', '--db', join(dir, 'o.db')], { cwd: dir });
    expect(n.code).toBe(2);
    expect(n.stderr).toContain("-n/--producers: expected a number of processes from 1 to 256, got '0'");
  });
});

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveSnapshot, RunListResponse, RunSummary, StreamBatch, TrialDetail, TrialPage, ValidateResponse } from '../../src/server/api-types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { runCli } from '../support/cli.js';
import { mockExperiment, serve, startRun, stop, tempProject, until, type Served } from './dashboard-support.js';

let dir: string;
let cleanup: () => void;
let db: string;
let server: Served;
let quickRun: string;
const SECRET = 'sk-dashboard-test-secret-4242';

const get = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T; headers: Headers }> => {
  const r = await fetch(server.url + path, init);
  return { status: r.status, body: (await r.json()) as T, headers: r.headers };
};
const auth = (extra: Record<string, string> = {}) => ({ Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', ...extra });

beforeAll(async () => {
  ({ dir, cleanup } = tempProject('metaorch-server-'));
  db = join(dir, '.metaorch', 'metaorch.db');
  const file = mockExperiment(dir, 'quick', { tasks: 40, latencyMs: 0, concurrency: 8 });
  const r = await runCli(['run', file, '--db', db, '--no-progress', '--out', join(dir, 'out')], { cwd: dir });
  expect(r.code).toBe(0);
  quickRun = /^Run (\S+)/m.exec(r.stdout)![1]!;
  server = await serve(db, dir, { DASH_SECRET: SECRET });
});

afterAll(async () => {
  await server?.close();
  cleanup?.();
});

describe('metaorch serve: the API over a real store', () => {
  it('prints the URL with its token and binds to 127.0.0.1', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token.length).toBeGreaterThanOrEqual(16);
    const { body } = await get<{ authorized: boolean }>('/api/session');
    expect(body.authorized).toBe(false);
    const authed = await get<{ authorized: boolean }>('/api/session', { headers: auth() });
    expect(authed.body.authorized).toBe(true);
  });

  it('lists runs with filters and sorting', async () => {
    const { body } = await get<RunListResponse>('/api/runs');
    const run = body.runs.find((r) => r.id === quickRun)!;
    expect(run).toMatchObject({ name: 'quick', mode: 'grid', status: 'completed', finished: 80, planned: 80, statsPending: false });
    expect(run.best?.id).toBeTruthy();
    expect((await get<RunListResponse>('/api/runs?status=running')).body.runs).toHaveLength(0);
    expect((await get<RunListResponse>('/api/runs?q=quick&sort=name&order=asc')).body.runs[0]?.id).toBe(quickRun);
  });

  it('answers the variant table with the numbers of `metaorch report`', async () => {
    const report = await runCli(['report', quickRun, '--db', db, '--format', 'json'], { cwd: dir });
    const expected = JSON.parse(report.stdout) as { variants: Record<string, unknown>[]; best: { id: string; reason: string } };
    const { body } = await get<RunSummary>(`/api/runs/${quickRun}/summary`);
    expect(body.best?.id).toBe(expected.best.id);
    expect(body.best?.reason).toBe(expected.best.reason);
    for (const v of expected.variants) {
      const mine = body.variants.find((x) => x.id === v['id'])!;
      for (const key of ['trials', 'errors', 'errorsByKind', 'passRate', 'tokensIn', 'tokensOut']) expect(mine[key as keyof typeof mine]).toEqual(v[key]);
      for (const key of ['meanScore', 'costTotal', 'costPerTrial', 'latencyP50Ms', 'latencyP95Ms', 'meanAttempts', 'errorRate']) {
        expect(mine[key as keyof typeof mine] as number).toBeCloseTo(v[key] as number, 9);
      }
      for (const key of ['ci95', 'passRateCi95']) {
        const [a, b] = mine[key as 'ci95']!;
        const [c, d] = v[key] as [number, number];
        expect(a).toBeCloseTo(c, 9);
        expect(b).toBeCloseTo(d, 9);
      }
    }
  });

  it('says whether the lead is established with the anytime-valid check of `metaorch report`', async () => {
    const report = JSON.parse((await runCli(['report', quickRun, '--db', db, '--format', 'json'], { cwd: dir })).stdout) as { leader: RunSummary['leader'] };
    expect(report.leader).toMatchObject({ id: 'sharp', runnerUp: 'steady' });
    expect((await get<RunSummary>(`/api/runs/${quickRun}/summary`)).body.leader).toEqual(report.leader);
    expect((await get<LiveSnapshot>(`/api/runs/${quickRun}/live`)).body.leader).toEqual(report.leader);
  });

  it('pages and filters trials on the server, and returns one trial in full', async () => {
    const first = (await get<TrialPage>(`/api/runs/${quickRun}/trials?limit=10`)).body;
    expect(first.trials.map((t) => t.seq)).toEqual([79, 78, 77, 76, 75, 74, 73, 72, 71, 70]);
    expect(first.total).toBe(80);
    const next = (await get<TrialPage>(`/api/runs/${quickRun}/trials?limit=10&before=${first.next}`)).body;
    expect(next.trials[0]?.seq).toBe(69);
    const sharp = (await get<TrialPage>(`/api/runs/${quickRun}/trials?variant=sharp&limit=200`)).body;
    expect(sharp.total).toBe(40);
    expect(sharp.trials.every((t) => t.variantId === 'sharp')).toBe(true);
    const zeros = (await get<TrialPage>(`/api/runs/${quickRun}/trials?maxScore=0&limit=200`)).body;
    expect(zeros.trials.length).toBeGreaterThan(0);
    expect(zeros.trials.every((t) => t.score === 0)).toBe(true);
    const text = (await get<TrialPage>(`/api/runs/${quickRun}/trials?q=task-7&limit=200`)).body;
    expect(new Set(text.trials.map((t) => t.taskId))).toEqual(new Set(['task-7']));
    const detail = (await get<TrialDetail>(`/api/runs/${quickRun}/trials/3`)).body;
    expect(detail).toMatchObject({ seq: 3, task: { id: 'task-1', input: { n: 1 }, expected: 'answer 1' } });
    expect(detail.attempts.length).toBeGreaterThan(0);
    expect((await get(`/api/runs/${quickRun}/trials/9999`)).status).toBe(404);
    expect((await get('/api/runs/nope/summary')).status).toBe(404);
  });

  it('serves events and says that no decisions are recorded', async () => {
    const events = (await get<{ events: { type: string }[] }>(`/api/runs/${quickRun}/events?types=run`)).body.events;
    expect(events.map((e) => e.type)).toEqual(['run', 'run']);
    const decisions = (await get<{ decisions: unknown[]; note: string }>(`/api/runs/${quickRun}/decisions`)).body;
    expect(decisions.decisions).toEqual([]);
    expect(decisions.note).toMatch(/has no controller/);
  });

  it('streams a run written by another process, with seq ids and gap-free Last-Event-ID resume', async () => {
    // 120 trials of 60 ms, four at a time: the run lasts about two seconds however fast the machine.
    const file = mockExperiment(dir, 'streamed', { tasks: 60, latencyMs: 60, concurrency: 4 });
    const ctrl = new AbortController();
    const got: StreamBatch[] = [];
    const ids: number[] = [];
    let subscribed = false;
    const reader = readStream(`${server.url}/api/stream`, ctrl.signal, (event, id, data) => {
      if (event === 'hello') subscribed = true;
      if (event === 'batch') {
        got.push(JSON.parse(data) as StreamBatch);
        ids.push(id);
      }
    });
    await until(() => subscribed, 10_000, 'the stream to say hello');
    const run = await startRun(file, db, dir);
    let exited = false;
    void run.done.then(() => (exited = true));
    await until(() => got.flatMap((b) => b.events).find((e) => e.runId === run.runId && e.type === 'trials'), 10_000, 'a trials event');
    // Live, not replayed at the end: trials arrive while the run that writes them is still going. (A
    // bound in milliseconds here failed on a loaded 2-core machine, where the 50 ms commit and 100 ms
    // poll each stretch.)
    expect(exited).toBe(false);
    // Disconnect mid-run, then resume from the last id received.
    await until(() => got.filter((b) => b.events.some((e) => e.runId === run.runId)).length >= 3, 10_000, 'three batches');
    ctrl.abort();
    await reader.catch(() => undefined);
    const lastId = ids[ids.length - 1]!;
    const before = got.flatMap((b) => b.events).filter((e) => e.runId === run.runId).map((e) => e.seq);
    expect(await run.done).toBe(0);
    const resumed: StreamBatch[] = [];
    const ctrl2 = new AbortController();
    const reader2 = readStream(`${server.url}/api/stream?run=${run.runId}`, ctrl2.signal, (event, _id, data) => {
      if (event === 'batch') resumed.push(JSON.parse(data) as StreamBatch);
    }, { 'Last-Event-ID': String(lastId) });
    const store = new Database(db, { readonly: true });
    const all = (store.prepare('SELECT seq FROM events WHERE run_id = ? ORDER BY seq').pluck().all(run.runId) as number[]);
    store.close();
    await until(() => resumed.flatMap((b) => b.events).some((e) => e.seq === all[all.length - 1]), 10_000, 'the resumed stream to catch up');
    ctrl2.abort();
    await reader2.catch(() => undefined);
    const after = resumed.flatMap((b) => b.events).map((e) => e.seq);
    expect([...before, ...after]).toEqual(all);
    const withSummary = resumed.find((b) => b.summary);
    expect(withSummary?.summary?.run.id).toBe(run.runId);
    expect(resumed.flatMap((b) => b.trials).every((t) => t.status !== 'scheduled')).toBe(true);
  });

  it('keeps the statistics of a run it follows live equal to `metaorch report`', async () => {
    const file = mockExperiment(dir, 'watched', { tasks: 150, latencyMs: 4, concurrency: 6 });
    const run = await startRun(file, db, dir);
    const ctrl = new AbortController();
    const summaries: RunSummary[] = [];
    const reader = readStream(`${server.url}/api/stream?run=${run.runId}`, ctrl.signal, (event, _id, data) => {
      if (event === 'batch') {
        const batch = JSON.parse(data) as StreamBatch;
        if (batch.summary) summaries.push(batch.summary);
      }
    });
    expect(await run.done).toBe(0);
    await until(() => summaries.at(-1)?.run.status === 'completed', 10_000, 'the completed summary');
    ctrl.abort();
    await reader.catch(() => undefined);
    expect(summaries.length).toBeGreaterThan(2);
    const report = JSON.parse((await runCli(['report', run.runId, '--db', db, '--format', 'json'], { cwd: dir })).stdout) as { leader: RunSummary['leader']; variants: { id: string; trials: number; errors: number; errorsByKind: Record<string, number>; meanScore: number; latencyP95Ms: number; costTotal: number }[] };
    const live = summaries.at(-1)!;
    expect(live.leader).toEqual(report.leader);
    for (const v of report.variants) {
      const m = live.variants.find((x) => x.id === v.id)!;
      expect(m).toMatchObject({ trials: v.trials, errors: v.errors, errorsByKind: v.errorsByKind });
      expect(m.meanScore).toBeCloseTo(v.meanScore, 9);
      expect(m.latencyP95Ms).toBeCloseTo(v.latencyP95Ms, 9);
      expect(m.costTotal).toBeCloseTo(v.costTotal, 9);
    }
  });

  it('refuses launches and stops without the token, from other origins, or for another Host', async () => {
    const body = JSON.stringify({ file: 'quick.yaml' });
    expect((await fetch(`${server.url}/api/launch`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/launch`, { method: 'POST', body, headers: auth({ Origin: 'http://evil.example' }) })).status).toBe(403);
    expect((await fetch(`${server.url}/api/launch`, { method: 'POST', body, headers: auth({ 'Sec-Fetch-Site': 'cross-site' }) })).status).toBe(403);
    expect((await fetch(`${server.url}/api/runs/${quickRun}/stop`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer wrong-token-000000' } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/files`)).status).toBe(401);
    const rebound = await rawStatus(server.url, '/api/runs', 'evil.example:80');
    expect(rebound).toBe(403);
    const r = await fetch(`${server.url}/api/runs`, { headers: { Origin: 'http://evil.example' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('keeps file access inside the project folder', async () => {
    const files = (await get<{ files: { path: string }[] }>('/api/files', { headers: auth() })).body.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['quick.yaml', 'streamed.yaml']));
    expect(files.some((f) => f.includes('.metaorch'))).toBe(false);
    for (const path of ['../../etc/passwd', '/etc/passwd', '.metaorch/../../x.yaml']) {
      const r = await get<{ error: { message: string } }>(`/api/files/content?path=${encodeURIComponent(path)}`, { headers: auth() });
      expect(r.status).toBe(400);
    }
    const v = await get<{ error: unknown }>('/api/validate', { method: 'POST', headers: auth(), body: JSON.stringify({ file: '../outside.yaml' }) });
    expect(v.status).toBe(400);
  });

  it('validates with the CLI rules, showing problems with lines, and never a secret value', async () => {
    const bad = (await get<ValidateResponse>('/api/validate', { method: 'POST', headers: auth(), body: JSON.stringify({ yaml: 'name: x\nmode: grid\ntasks: []\nvariants:\n  - { id: a, adapter: gpt5 }\n' }) })).body;
    expect(bad.ok).toBe(false);
    expect(bad.file).toMatch(/^\.metaorch\/launch\/pasted-[0-9a-f]+\.yaml$/);
    expect(bad.issues.find((i) => /unknown adapter 'gpt5'/.test(i.message))?.line).toBe(5);
    const good = (await get<ValidateResponse>('/api/validate', { method: 'POST', headers: auth(), body: JSON.stringify({ file: 'quick.yaml' }) })).body;
    expect(good).toMatchObject({ ok: true, command: 'metaorch run quick.yaml --db .metaorch/metaorch.db', experiment: { name: 'quick', planned: 80 } });
    const secretYaml = [
      'name: secret', 'tasks:', '  - { input: { q: hi }, expected: ok }', 'variants:',
      '  - { id: remote, adapter: openai, model: m, baseURL: "http://127.0.0.1:9/v1", apiKey: "${DASH_SECRET}", temperature: "${DASH_SECRET}" }', '',
    ].join('\n');
    const res = await fetch(`${server.url}/api/validate`, { method: 'POST', headers: auth(), body: JSON.stringify({ yaml: secretYaml }) });
    expect(await res.text()).not.toContain(SECRET);
  });

  it('never sends a secret: configs keep their ${ENV} references', async () => {
    const store = SqliteStore.open(db);
    const id = 'secret-run-0001';
    store.createRun(id, {
      name: 'secret', mode: 'grid', seed: 1, repeats: 1, concurrency: 1, timeoutMs: 1000, retries: 0, threshold: 0.5, budget: {},
      objective: { score: 1, error: 0 } as never, snapshotEvery: 0,
      variants: [{ id: 'remote', adapter: 'openai', options: { model: 'm', apiKey: '${DASH_SECRET}' } }], scorers: [], tasks: [{ id: 't', input: {} }],
      baseDir: dir, source: join(dir, 'secret.yaml'),
    }, 1);
    store.updateRun(id, { status: 'completed', finishedAt: Date.now(), pid: null });
    store.close();
    for (const path of [`/api/runs/${id}`, `/api/runs/${id}/live`, '/api/runs', `/api/runs/${id}/events`]) {
      const text = await (await fetch(server.url + path)).text();
      expect(text).not.toContain(SECRET);
    }
    const live = (await get<LiveSnapshot>(`/api/runs/${id}/live`)).body;
    expect(JSON.stringify(live.config)).toContain('${DASH_SECRET}');
  });

  it('launches a run in a child process and stops it with SIGINT', async () => {
    mockExperiment(dir, 'slow', { tasks: 300, latencyMs: 100, concurrency: 2 });
    const r = await get<{ runId: string; command: string }>('/api/launch', { method: 'POST', headers: auth(), body: JSON.stringify({ file: 'slow.yaml' }) });
    expect(r.status).toBe(200);
    expect(r.body.command).toBe('metaorch run slow.yaml --db .metaorch/metaorch.db');
    const id = r.body.runId;
    await until(async () => (await get<RunSummary>(`/api/runs/${id}/summary`)).body.run.finished > 2, 10_000, 'trials');
    const stopped = await get<{ how: string; state: string }>(`/api/runs/${id}/stop`, { method: 'POST', headers: auth(), body: '{}' });
    expect(stopped.body).toMatchObject({ how: 'child', state: 'stopping' });
    await until(async () => (await get<RunSummary>(`/api/runs/${id}/summary`)).body.run.status === 'interrupted', 15_000, 'interrupted');
    const log = (await get<{ launchedHere: boolean; lines: { text: string }[] }>(`/api/runs/${id}/log`)).body;
    expect(log.launchedHere).toBe(true);
    expect(log.lines.some((l) => l.text.startsWith(`Run ${id}`))).toBe(true);
  });

  it('stops a run of another process after checking it is a metaorch run of this store', async () => {
    const file = mockExperiment(dir, 'external', { tasks: 300, latencyMs: 100, concurrency: 2 });
    const run = await startRun(file, db, dir);
    await until(async () => (await get<RunSummary>(`/api/runs/${run.runId}/summary`)).body.run?.finished > 0, 10_000, 'the run to start');
    const stopped = await get<{ how: string }>(`/api/runs/${run.runId}/stop`, { method: 'POST', headers: auth(), body: '{}' });
    expect(stopped.body.how).toBe('pid');
    expect(await run.done).toBe(130);
    // A run row pointing at a process that is not metaorch is refused.
    const sleeper = spawn('sleep', ['30']);
    const store = SqliteStore.open(db);
    store.db.prepare("UPDATE runs SET status = 'running', pid = ? WHERE id = ?").run(sleeper.pid, quickRun);
    store.close();
    const refused = await get<{ error: { message: string } }>(`/api/runs/${quickRun}/stop`, { method: 'POST', headers: auth(), body: '{}' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/not a `metaorch run`/);
    await stop(sleeper);
    const restore = SqliteStore.open(db);
    restore.db.prepare("UPDATE runs SET status = 'completed', pid = NULL WHERE id = ?").run(quickRun);
    restore.close();
  });
});

/** Reads an SSE stream with fetch, calling `on(event, id, data)` per message. */
async function readStream(url: string, signal: AbortSignal, on: (event: string, id: number, data: string) => void, headers: Record<string, string> = {}): Promise<void> {
  const r = await fetch(url, { signal, headers });
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      let event = 'message';
      let id = NaN;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('id: ')) id = Number(line.slice(4));
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      on(event, id, data.join('\n'));
    }
  }
}

/** A request with a forged Host header (fetch does not allow setting it). */
async function rawStatus(base: string, path: string, host: string): Promise<number> {
  const { request } = await import('node:http');
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}


import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../support/cli.js';
import { browser, serve, startRun, tempProject, until, type Served } from './dashboard-support.js';

/**
 * The controller end to end through the real CLI: a continuous run of mock variants whose schedules
 * make one fail outright, escalations received by a real local HTTP server, the decision log read
 * back with `metaorch decisions --format json`, `metaorch undo` on a stopped and on a live run,
 * `GET /metrics` on `metaorch serve`, and the live page in Chromium.
 */
let dir: string;
let cleanup: () => void;
let db: string;
let hook: { server: Server; url: string; bodies: Record<string, unknown>[] };
const ARTIFACTS = resolve(REPO, 'test-artifacts', 'dashboard');

function experiment(name: string, o: { trials: number; latencyMs: number; outageAt: number; webhook?: string; extra?: string[]; bare?: boolean }): string {
  const tasks = Array.from({ length: 40 }, (_, i) => `  - { id: task-${i}, input: { n: ${i} }, expected: "answer ${i}" }`);
  const yaml = [
    `name: ${name}`, 'mode: continuous', 'seed: 11', 'concurrency: 1', 'timeout: 10s', 'retries: 0',
    'prompt: "Answer for {{n}}?"', `budget: { trials: ${o.trials} }`, 'tasks:', ...tasks,
    'controller:', '  warmup: 100', ...(o.bare ? [] : ['  quarantine: { backoff: 100000 }']),
    ...(o.webhook ? ['  escalate:', `    webhook: ${o.webhook}`, '    retries: 2'] : []),
    ...(o.extra ?? []),
    'variants:',
    `  - { id: steady, adapter: mock, accuracy: 0.7, failureRate: 0.02, latencyMs: ${o.latencyMs} }`,
    `  - { id: flaky, adapter: mock, accuracy: 0.8, failureRate: 0.02, latencyMs: ${o.latencyMs}, schedule: [{ trial: ${o.outageAt}, failureRate: 0.7 }] }`,
    '',
  ].join('\n');
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

interface DecisionsDoc {
  schemaVersion: number;
  kind: string;
  run: { id: string; status: string };
  summary: { total: number; byKind: Record<string, number>; validation: { beneficial: number; neutral: number; harmful: number } };
  decisions: { id: number; kind: string; target: string; reason: string; detector: string | null; source: string; undoes: number | null; undoneBy: number | null;
    evidence: { statistic: number; threshold: number; samples: { baseline: number; current: number }; window: { fromTrial: number; toTrial: number } } | null;
    validation: { status: string }; delivery: { status: string } | null; atTrial: number }[];
}

const decisionsOf = async (runId: string): Promise<DecisionsDoc> => {
  const r = await runCli(['decisions', runId, '--db', db, '--format', 'json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DecisionsDoc;
};

beforeAll(async () => {
  ({ dir, cleanup } = tempProject('metaorch-controller-'));
  db = join(dir, '.metaorch', 'metaorch.db');
  const bodies: Record<string, unknown>[] = [];
  let hits = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      // The first delivery fails: the controller must retry it.
      if (++hits === 1) return void res.writeHead(500).end();
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hook = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/escalations`, bodies };
});

afterAll(async () => {
  await new Promise<void>((r) => hook.server.close(() => r()));
  cleanup?.();
});

describe('the controller through the CLI', () => {
  let runId = '';

  it('quarantines the failing variant, escalates to the webhook, and prints the decisions', async () => {
    const file = experiment('outage', { trials: 1500, latencyMs: 0, outageAt: 700, webhook: hook.url });
    const r = await runCli(['run', file, '--db', db, '--no-progress', '--out', join(dir, 'out')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    runId = /^Run (\S+)/m.exec(r.stdout)![1]!;
    expect(r.stdout).toMatch(/continuous \(thompson\), until stopped or 1,500 trials/);
    expect(r.stdout).toMatch(/Controller: \d+ decision\(s\) \(.*1 quarantine/);

    const doc = await decisionsOf(runId);
    expect(doc).toMatchObject({ schemaVersion: 1, kind: 'meta-orchestrator/decisions', run: { id: runId, status: 'completed' } });
    const q = doc.decisions.find((d) => d.kind === 'quarantine')!;
    expect(q).toMatchObject({ target: 'flaky', detector: 'failure', source: 'controller', delivery: { status: 'sent' } });
    expect(q.evidence!.statistic).toBeGreaterThanOrEqual(q.evidence!.threshold);
    expect(q.evidence!.window.fromTrial).toBeGreaterThanOrEqual(650);
    expect(q.atTrial).toBeLessThan(800);
    expect(doc.summary.byKind['quarantine']).toBe(1);

    await until(() => hook.bodies.length > 0, 10_000, 'the webhook');
    expect(hook.bodies[0]).toMatchObject({ schemaVersion: 1, kind: 'meta-orchestrator/escalation', run: { id: runId, name: 'outage' }, decision: { id: q.id, kind: 'quarantine', target: 'flaky' } });

    const table = await runCli(['decisions', runId, '--db', db], { cwd: dir });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${q.id}\\s+[\\d,]+\\s+quarantine\\s+flaky\\s+controller\\s+not-applicable\\s+–\\s+[\\d.]+ vs [\\d.]+`, 'm'));
    expect(table.stdout).toMatch(/Controller: \d+ decision\(s\)/);

    const summary = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(dir, 'out', 'summary.json'), 'utf8'))) as { controller: { byKind: Record<string, number> } };
    expect(summary.controller.byKind['quarantine']).toBe(1);
  });

  it('undoes a decision of a stopped run by hand, logs it, and refuses what cannot be undone', async () => {
    const doc = await decisionsOf(runId);
    const q = doc.decisions.find((d) => d.kind === 'quarantine')!;
    const undo = await runCli(['undo', runId, String(q.id), '--db', db, '--reason', 'false alarm: planned restart'], { cwd: dir });
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(new RegExp(`Decision ${q.id} undone by decision \\d+ \\(applied to the stored run`));
    const after = await decisionsOf(runId);
    const rb = after.decisions.at(-1)!;
    expect(rb).toMatchObject({ kind: 'rollback', source: 'manual', undoes: q.id, reason: 'false alarm: planned restart' });
    expect(after.decisions.find((d) => d.id === q.id)!.undoneBy).toBe(rb.id);

    const again = await runCli(['undo', runId, String(q.id), '--db', db], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`decision ${q.id} was already undone by decision ${rb.id}`);
    const missing = await runCli(['undo', runId, '999', '--db', db], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/has no decision 999/);
    const rollbackUndo = await runCli(['undo', runId, String(rb.id), '--db', db], { cwd: dir });
    expect(rollbackUndo.code).toBe(2);
    expect(rollbackUndo.stderr).toMatch(/is a rollback: only reweight, quarantine, probe, restore, reset decisions can be undone/);
  });

  it('refuses bad controller settings at validate, naming the path and the known names', async () => {
    const file = experiment('bad', {
      trials: 10, latencyMs: 0, outageAt: 5, bare: true,
      extra: ['  detectors: { failur: {}, score: { action: explode } }', '  quarantine: { maxShare: 1.5 }', '  tick: -3'],
    });
    const r = await runCli(['validate', file], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/controller\.detectors: unknown detector 'failur'; did you mean 'failure'\? \(known detectors: failure, score, latency, cost, rework, thrashing, starvation, noProgress\)/);
    expect(r.stderr).toMatch(/controller\.detectors\.score\.action: unknown action 'explode' \(known actions here: reweight, quarantine, escalate, pause, none\)/);
    expect(r.stderr).toMatch(/controller\.quarantine\.maxShare: expected at most 1, got 1\.5/);
    expect(r.stderr).toMatch(/controller\.tick: expected more than 0, got -3/);
    // Plain words only: no validator's own text.
    expect(r.stderr).not.toMatch(/Invalid input|Too small|Too big|>=|<=/);
  });
});

describe('a live run: undo, /metrics and the dashboard', () => {
  let server: Served;
  let context: BrowserContext;

  beforeAll(async () => {
    server = await serve(db, dir);
    context = await browser(join(dir, 'chromium-profile'));
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  it('applies an undo sent to the running run, exposes its windows on /metrics, and shows decisions on the charts and in a panel', async () => {
    const file = experiment('live', { trials: 2500, latencyMs: 4, outageAt: 300 });
    const run = await startRun(file, db, dir);
    try {
      const q = await until(async () => (await decisionsOf(run.runId)).decisions.find((d) => d.kind === 'quarantine'), 30_000, 'the quarantine');
      const undo = await runCli(['undo', run.runId, String(q.id), '--db', db, '--reason', 'operator says it is fine'], { cwd: dir });
      expect(undo.code, undo.stderr).toBe(0);
      expect(undo.stdout).toMatch(/applied by the running run/);

      const text = await until(async () => {
        const body = await (await fetch(`${server.url}/metrics`)).text();
        return body.includes(`metaorch_variant_breaker{run="${run.runId}",name="live",variant="flaky",state="closed"} 1`) ? body : null;
      }, 15_000, 'metrics of the live run');
      for (const line of text.trim().split('\n')) {
        expect(line).toMatch(/^(# (HELP|TYPE) metaorch_\w+ .+|metaorch_\w+\{(\w+="(?:[^"\\]|\\.)*",?)+\} -?[\d.e+-]+)$/);
      }
      expect(text).toMatch(new RegExp(`metaorch_controller_decisions\\{run="${run.runId}",name="live",kind="quarantine"\\} 1`));
      expect(text).toMatch(/# TYPE metaorch_variant_latency_p95_ms gauge/);
      expect(text).toMatch(/metaorch_detector_pressure\{[^}]*detector="failure"[^}]*\} [\d.]+/);

      const page = await context.newPage();
      await page.goto(`${server.url}/runs/${run.runId}#token=${server.token}`);
      await page.waitForSelector('[data-testid=decisions-table]');
      await page.waitForSelector(`[data-testid=decisions-table] tr[data-decision="${q.id}"]`);
      await page.click(`[data-testid=decisions-table] tr[data-decision="${q.id}"]`);
      const evidence = await page.textContent('[data-testid=decision-evidence]');
      expect(evidence).toMatch(/statistic \/ threshold/);
      expect(evidence).toMatch(/Bernoulli CUSUM/);
      await until(async () => Number(await page.getAttribute('[data-testid=score-chart]', 'data-markers')) >= 2, 10_000, 'decision markers on the chart');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'controller-decisions.png'), fullPage: true });
      await page.close();
    } finally {
      run.child.kill('SIGINT');
      await run.done;
    }
    const doc = await decisionsOf(run.runId);
    expect(doc.decisions.find((d) => d.kind === 'rollback')).toMatchObject({ source: 'manual', reason: 'operator says it is fine' });
  });

  it('answers /metrics?run=ID for a run that is not running, and nothing for it without', async () => {
    const runs = (await (await fetch(`${server.url}/api/runs`)).json()) as { runs: { id: string; name: string }[] };
    const outage = runs.runs.find((r) => r.name === 'outage')!;
    const one = await (await fetch(`${server.url}/metrics?run=${outage.id}`)).text();
    expect(one).toMatch(new RegExp(`metaorch_run_trials\\{run="${outage.id}",name="outage"\\} 1500`));
    const all = await (await fetch(`${server.url}/metrics`)).text();
    expect(all).not.toContain(outage.id);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow, RunSummary } from '../../src/server/api-types.js';
import { REPO, runCli, startCli, tempDir } from '../support/cli.js';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai-server.js';
import { browser, serve, until, type Served } from './dashboard-support.js';

/**
 * Why trials fail, and who won, said once and the same everywhere: `run`'s output, summary.md and
 * summary.json, `report`, `runs` and the dashboard (its API and its page).
 */

let tmp: { dir: string; cleanup: () => void };
let openai: FakeServer;
let server: Served | undefined;
let context: BrowserContext | undefined;
beforeAll(async () => {
  tmp = tempDir('metaorch-verdict-');
  // A real OpenAI-compatible server answers 404 outside /v1, as vLLM, Ollama and LM Studio do.
  openai = await startFakeOpenAI({
    respond: (req) => (req.path.startsWith('/v1/') ? { body: { choices: [] } } : { status: 404, body: { detail: 'Not Found' } }),
  });
});
afterAll(async () => {
  await context?.close();
  await server?.close();
  await openai.close();
  tmp.cleanup();
});

const TASKS = `tasks: [${Array.from({ length: 12 }, (_, i) => `{ q: ${i}, expected: "${i}" }`).join(', ')}]\n`;
const json = <T>(text: string) => JSON.parse(text) as T;
interface Report {
  run: { status: string };
  variants: { id: string; probBest: number | null; ci95: unknown }[];
  winner: { text: string; known: boolean; criterion: string };
  topErrors: { message: string; count: number; hint: string | null; variants: Record<string, number> }[];
}

describe('the most frequent errors, with a hint', () => {
  const origin = () => openai.url.replace(/\/v1$/, '');
  let stdout = '';
  let runId = '';

  beforeAll(async () => {
    writeFileSync(
      join(tmp.dir, 'mixed.yaml'),
      `${TASKS}retries: 0\nvariants:\n  - { id: good, adapter: mock }\n  - { id: broken, adapter: openai, model: m, baseURL: "${origin()}", apiKey: k }\n`,
    );
    const r = await runCli(['run', 'mixed.yaml', '--db', 'mixed.db', '--out', 'mixed-out', '--no-progress'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    stdout = r.stdout;
    runId = /^Run (\S+)/m.exec(stdout)![1]!;
  });

  it('run prints them after the table, and the variant without a scored trial has no P(best) and no interval', () => {
    expect(stdout).toContain([
      'Most frequent errors:',
      '  12 × client (broken 12): openai: HTTP 404: status code (no body)',
      '      hint: does baseURL end in /v1? An OpenAI-compatible server answers at BASE/v1/chat/completions',
    ].join('\n'));
    const row = stdout.split('\n').find((l) => /^\s+broken\s/.test(l))!;
    expect(row.trim().split(/\s{2,}/)).toEqual(['broken', '12', '50%', '–', '12', '– –', '–', '–', '$0']);
    expect(stdout).toMatch(/; winner: good \(the only variant with scored trials\)\.\n/);
  });

  it('summary.md and summary.json list them with the hint', () => {
    const md = readFileSync(join(tmp.dir, 'mixed-out', 'summary.md'), 'utf8');
    expect(md).toContain('| 12 | client | broken 12 | openai: HTTP 404: status code (no body) | does baseURL end in /v1? An OpenAI-compatible server answers at BASE/v1/chat/completions |');
    const report = json<Report>(readFileSync(join(tmp.dir, 'mixed-out', 'summary.json'), 'utf8'));
    expect(report.topErrors).toEqual([{
      message: 'openai: HTTP 404: status code (no body)', kind: 'client', count: 12, variants: { broken: 12 },
      hint: 'does baseURL end in /v1? An OpenAI-compatible server answers at BASE/v1/chat/completions',
    }]);
    expect(report.variants.find((v) => v.id === 'broken')).toMatchObject({ probBest: null, ci95: null });
    expect(report.variants.find((v) => v.id === 'good')?.probBest).toBe(1);
  });

  it('a run whose every trial failed says why, not only that it failed', async () => {
    writeFileSync(join(tmp.dir, 'failing.yaml'), `${TASKS}retries: 0\nvariants:\n  - { id: broken, adapter: openai, model: m, baseURL: "${origin()}", apiKey: k }\n`);
    const r = await runCli(['run', 'failing.yaml', '--db', 'failing.db', '--no-progress'], { cwd: tmp.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('hint: does baseURL end in /v1?');
    expect(r.stdout).toMatch(/FAILED \(every trial errored: see the errors above\): 12 trials, 12 errors; no winner: no trial was scored\.\n/);
  });

  it('the dashboard shows the same list, and the hint on the live page', async () => {
    server = await serve(join(tmp.dir, 'mixed.db'), tmp.dir);
    const summary = json<RunSummary>(await (await fetch(`${server.url}/api/runs/${runId}/summary`)).text());
    const report = json<Report>(readFileSync(join(tmp.dir, 'mixed-out', 'summary.json'), 'utf8'));
    expect(summary.topErrors).toEqual(report.topErrors);
    expect(summary.variants.find((v) => v.id === 'broken')?.probBest).toBeNull();
    expect(summary.winner.text).toBe(report.winner.text);
    context = await browser(join(tmp.dir, 'chromium'));
    const page = await context.newPage();
    await page.goto(`${server.url}/runs/${runId}`);
    const hint = await page.waitForSelector('[data-testid=top-errors] [data-testid=error-hint]');
    expect(await hint.textContent()).toBe('Check: does baseURL end in /v1? An OpenAI-compatible server answers at BASE/v1/chat/completions');
    expect(await page.textContent('[data-testid=top-errors]')).toContain('openai: HTTP 404: status code (no body)');
    await server.close();
    server = undefined;
  });
});

describe('one answer to "is the winner known?"', () => {
  it('an adaptive run: run, summary.json, report, runs and the dashboard say the same, with the same rule', async () => {
    const r = await runCli(['run', join(REPO, 'examples/adaptive/experiment.yaml'), '--db', 'adaptive.db', '--out', 'adaptive-out', '--no-progress'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    const runId = /^Run (\S+)/m.exec(r.stdout)![1]!;
    const last = r.stdout.split('\n').find((l) => l.startsWith(`Run ${runId} completed`))!;
    const summary = json<Report>(readFileSync(join(tmp.dir, 'adaptive-out', 'summary.json'), 'utf8'));
    expect(summary.winner).toMatchObject({ known: true, criterion: 'stopping-rule' });
    expect(summary.winner.text).toBe('winner: strong, known at 95% (the adaptive stopping rule, a sequential test valid at any look)');
    expect(last).toBe(`Run ${runId} completed (stopping rule met): ${/: ([\d,]+) trials/.exec(last)![1]} trials, 0 errors; ${summary.winner.text}.`);
    const report = json<Report>((await runCli(['report', runId, '--db', 'adaptive.db', '--format', 'json'], { cwd: tmp.dir })).stdout);
    expect(report.winner).toEqual(summary.winner);
    const md = (await runCli(['report', runId, '--db', 'adaptive.db'], { cwd: tmp.dir })).stdout;
    expect(md).toContain(`**Winner: strong, known at 95% (the adaptive stopping rule, a sequential test valid at any look)**.`);
    expect(md).not.toMatch(/not established|not yet known/);
    const runs = json<{ id: string; winner: Report['winner'] }[]>((await runCli(['runs', '--db', 'adaptive.db', '--json'], { cwd: tmp.dir })).stdout);
    expect(runs.find((x) => x.id === runId)?.winner).toEqual(summary.winner);
    const table = (await runCli(['runs', '--db', 'adaptive.db'], { cwd: tmp.dir })).stdout;
    expect(table).toMatch(new RegExp(`${runId} .* completed .* strong \\(known\\)`));
    server = await serve(join(tmp.dir, 'adaptive.db'), tmp.dir);
    const live = json<RunSummary>(await (await fetch(`${server.url}/api/runs/${runId}/summary`)).text());
    expect(live.winner).toEqual(summary.winner);
    const rows = json<{ runs: RunRow[] }>(await (await fetch(`${server.url}/api/runs`)).text()).runs;
    expect(rows.find((x) => x.id === runId)?.winner).toEqual({ id: 'strong', known: true, text: summary.winner.text });
    await server.close();
    server = undefined;
  });

  it('a killed run reads "killed (resumable)" everywhere, and its winner is checked as a watched run', async () => {
    writeFileSync(join(tmp.dir, 'slow.yaml'), `${TASKS}concurrency: 2\nrepeats: 20\nvariants:\n  - { id: a, adapter: mock, accuracy: 0.9, latencyMs: 20 }\n  - { id: b, adapter: mock, accuracy: 0.3, latencyMs: 20 }\n`);
    const child = startCli(['run', 'slow.yaml', '--db', 'killed.db', '--no-progress'], { cwd: tmp.dir });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const runId = await until(() => /^Run (\S+)/m.exec(out)?.[1], 30_000, 'the run to start');
    await until(async () => {
      const r = await runCli(['report', runId, '--db', 'killed.db', '--format', 'json'], { cwd: tmp.dir });
      return r.code === 0 && json<{ run: { finished: number } }>(r.stdout).run.finished >= 40;
    }, 60_000, '40 finished trials');
    child.kill('SIGKILL');
    await exited;
    const runs = (await runCli(['runs', '--db', 'killed.db'], { cwd: tmp.dir })).stdout;
    expect(runs).toMatch(new RegExp(`${runId} .* killed \\(resumable\\) `));
    const report = json<Report>((await runCli(['report', runId, '--db', 'killed.db', '--format', 'json'], { cwd: tmp.dir })).stdout);
    expect(report.run.status).toBe('killed');
    expect(report.winner).toMatchObject({ criterion: 'anytime-valid' });
    expect(report.winner.text).toMatch(/\(anytime-valid check: the run was killed before its plan\)$/);
    const md = (await runCli(['report', runId, '--db', 'killed.db'], { cwd: tmp.dir })).stdout;
    expect(md).toContain('**Status:** killed (resumable)');
    server = await serve(join(tmp.dir, 'killed.db'), tmp.dir);
    const live = json<RunSummary>(await (await fetch(`${server.url}/api/runs/${runId}/summary`)).text());
    expect(live.run.status).toBe('killed');
    expect(live.winner.text).toBe(report.winner.text);
    const page = await context!.newPage();
    await page.goto(`${server.url}/runs/${runId}`);
    expect(await (await page.waitForSelector('[data-testid=run-header] [data-status=killed]')).textContent()).toBe('killed (resumable)');
    expect(await (await page.waitForSelector('[data-testid=winner-line]')).textContent()).toContain(report.winner.text.slice(1));
  });
});

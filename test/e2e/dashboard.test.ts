import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../support/cli.js';
import { browser, mockExperiment, serve, tempProject, until, type Served } from './dashboard-support.js';

/** Screenshots of every page, for people to look at (git-ignored). */
const ARTIFACTS = resolve(REPO, 'test-artifacts', 'dashboard');
const XSS = '<script>window.__xss = 1</script><b>bold?</b>';

let dir: string;
let cleanup: () => void;
let server: Served;
let context: BrowserContext;
let page: Page;
let baseRun: string;
let launched: string;
const pageErrors: string[] = [];

const variants = (latencyMs: number) => [
  `  - { id: steady, adapter: mock, accuracy: 0.55, latencyMs: ${latencyMs}, cost: { input: 1, output: 4 } }`,
  `  - { id: sharp, adapter: mock, accuracy: 0.85, latencyMs: ${latencyMs * 2}, failureRate: 0.05, cost: { input: 3, output: 12 } }`,
  `  - { id: scripty, adapter: mock, reply: ${JSON.stringify(XSS)}, latencyMs: ${latencyMs} }`,
];

const shot = (name: string, fullPage = true) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ dir, cleanup } = tempProject('metaorch-dashboard-'));
  const db = join(dir, '.metaorch', 'metaorch.db');
  const base = mockExperiment(join(dir, 'experiments'), 'baseline', { tasks: 120, latencyMs: 0, concurrency: 8, variants: variants(0), seed: 3 });
  mockExperiment(join(dir, 'experiments'), 'watch', { tasks: 250, latencyMs: 40, concurrency: 3, variants: variants(40), seed: 4 });
  const r = await runCli(['run', base, '--db', db, '--no-progress', '--out', join(dir, 'out')], { cwd: dir });
  expect(r.code).toBe(0);
  baseRun = /^Run (\S+)/m.exec(r.stdout)![1]!;
  server = await serve(db, dir);
  context = await browser(join(dir, 'chromium-profile'));
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.waitForSelector('[data-testid=runs-table]');
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  cleanup?.();
});

describe('the dashboard in a real browser', () => {
  it('launches a mock experiment from the Launch page, after validating it', async () => {
    await page.click('nav >> text=Launch');
    await page.click('[data-path="experiments/watch.yaml"]');
    await page.waitForSelector('[data-testid=validation] >> text=Valid.');
    expect(await page.textContent('[data-testid=cli-command]')).toBe('metaorch run experiments/watch.yaml --db .metaorch/metaorch.db');
    await shot('launch');
    await page.click('[data-testid=launch-button]');
    await page.waitForURL(/\/runs\/[^/]+$/);
    launched = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.waitForSelector('[data-testid=run-header] [data-status=running]');
  });

  it('updates counts and charts live', async () => {
    const count = async () => Number((await page.textContent('[data-testid=finished-count]'))?.replace(/,/g, '') ?? 0);
    const points = async () => Number((await page.getAttribute('[data-testid=score-chart]', 'data-points').catch(() => '0')) ?? 0);
    const c1 = await until(async () => { const c = await count(); return c > 0 ? c : 0; }, 15_000, 'first finished trials');
    const p1 = await until(points, 10_000, 'chart points');
    const c2 = await until(async () => { const c = await count(); return c > c1 + 10 ? c : 0; }, 15_000, 'the count to grow');
    await until(async () => (await points()) > p1, 10_000, 'the chart to grow');
    expect(c2).toBeGreaterThan(c1);
    expect(await page.locator('[data-testid=feed] tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=timeline] .timeline-bar').count()).toBeGreaterThan(0);
    const lead = await page.waitForSelector('[data-testid=winner-line]');
    const n = String.raw`[+−]?\d\.\d{3}`;
    expect(await lead.textContent()).toMatch(new RegExp(String.raw`(Winner: \w+, known|Leader: \w+, not yet known) at 95% \(anytime-valid check: the run is still running, watched live\): \w+ − \w+ = ${n} \[${n}, ${n}\]`));
    expect(await lead.getAttribute('title')).toMatch(/valid however often you look/);
    await shot('live-running');
  });

  it('stops the run from its page', async () => {
    await page.click('[data-testid=stop-button]');
    await page.waitForSelector('[data-testid=run-header] [data-status=interrupted]', { timeout: 20_000 });
    await page.waitForTimeout(300);
    await shot('live-stopped');
  });

  it('shows a trial output containing <script> as text, never as HTML', async () => {
    await page.goto(`${server.url}/runs/${encodeURIComponent(launched)}?tab=trials&variant=scripty`);
    await page.waitForSelector('[data-testid=trials-table] tbody tr');
    await page.click('[data-testid=trials-table] tbody tr');
    const output = await page.waitForSelector('[data-testid=trial-output]');
    expect(await output.textContent()).toBe(XSS);
    expect(await page.locator('[data-testid=trial-drawer] script, [data-testid=trial-drawer] b').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
    await shot('trial-drawer', false);
  });

  it('finds the run on the Runs page, with its status', async () => {
    await page.goto(`${server.url}/?status=interrupted`);
    const row = await page.waitForSelector(`[data-run="${launched}"]`);
    expect(await row.textContent()).toContain('interrupted');
    await page.goto(`${server.url}/`);
    await page.waitForSelector(`[data-run="${baseRun}"]`);
    await shot('runs');
  });

  it('compares the stopped run with the baseline', async () => {
    await page.check(`[data-run="${baseRun}"] input[type=checkbox]`);
    await page.check(`[data-run="${launched}"] input[type=checkbox]`);
    await page.click('[data-testid=compare-picked]');
    await page.waitForURL(/\/compare\?/);
    await page.waitForSelector('[data-testid=compare-table]', { timeout: 20_000 });
    const text = await page.textContent('[data-testid=compare-table]');
    expect(text).toMatch(/steady/);
    expect(text).toMatch(/improved|regressed|no significant change|inconclusive/);
    await page.waitForSelector('[data-testid=task-changes], .empty');
    await shot('compare');
  });

  it('shows validation problems in place for pasted YAML', async () => {
    await page.goto(`${server.url}/launch?source=paste`);
    await page.fill('[data-testid=yaml-input]', 'name: broken\nmode: grid\ntasks:\n  - { input: { q: hi }, expected: ok }\nvariants:\n  - { id: a, adapter: gpt5 }\n');
    await page.click('[data-testid=validate-button]');
    await page.waitForSelector('[data-testid=issues]');
    expect(await page.textContent('[data-testid=issues]')).toMatch(/unknown adapter 'gpt5'/);
    expect(await page.locator('.src-line.has-issue').count()).toBeGreaterThan(0);
    expect(await page.isDisabled('[data-testid=launch-button]')).toBe(true);
    await shot('launch-invalid');
    expect(pageErrors).toEqual([]);
  });
});

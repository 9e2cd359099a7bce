import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';
import { killAll } from '../support/processes.js';
import { browser, startOrchestrator, tempProject, until } from './dashboard-support.js';

/**
 * The dashboard's topic page in headless Chromium against a real `metaorch orchestrator` (producers
 * and the web child): the form starts a topic, the live stream shows the items as output.txt gets
 * them, the charts draw, bad input shows its error, and a new topic stops the previous run.
 */

const ARTIFACTS = resolve(REPO, 'test-artifacts', 'dashboard');
const TOKEN = 'topic-dashboard-token';
const cleanups: (() => void | Promise<void>)[] = [];
const pids = new Set<number>();
afterEach(async () => {
  // Processes first, whatever a cleanup does after.
  killAll(pids);
  pids.clear();
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve().then(c).catch(() => undefined);
});

describe('dashboard topic page', () => {
  it('starts a topic from the form, streams its items live, draws the charts, and a new topic stops the old one', async () => {
    const { dir, cleanup } = tempProject('metaorch-topic-dash-');
    cleanups.push(cleanup);
    const { child, url, exited } = await startOrchestrator({ dir, token: TOKEN, track: (pid) => pids.add(pid) });

    const context = await browser(join(dir, 'profile'));
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.goto(`${url}/topic#token=${TOKEN}`);
    await page.getByTestId('topic-form').waitFor();

    // Bad input: an empty topic is refused, with the reason shown, and nothing starts.
    await page.locator('input[name=topic]').fill('   ');
    await page.getByRole('button', { name: 'Start topic' }).click();
    await expect.poll(() => page.getByTestId('topic-error').textContent(), { timeout: 15_000 }).toContain('expected a non-empty topic');

    await page.locator('input[name=topic]').fill('Paris attractions');
    await page.locator('input[name=maxRequests]').fill('4000');
    await page.locator('textarea[name=variants]').fill([
      '- { id: small, adapter: mock, latencyMs: 30, topic: { vocabulary: 150, seed: 1 } }',
      '- { id: rich, adapter: mock, latencyMs: 30, topic: { vocabulary: 5000, seed: 2 } }',
    ].join('\n'));
    await page.getByRole('button', { name: 'Start topic' }).click();
    await page.getByTestId('topic-run').waitFor({ timeout: 30_000 });
    const file = join(dir, 'output', 'paris-attractions', 'output.txt');
    // The stream fills while the run goes on; what it shows is what output.txt holds.
    const shown = await until(async () => {
      const n = Number(await page.getByTestId('topic-count').textContent());
      return n >= 50 ? n : null;
    }, 60_000, 'items on the page');
    // Read after the page: everything the page shows was in output.txt first (durable before reported).
    const firstItems = await page.getByTestId('topic-items').locator('li').allTextContents();
    const inFile = readFileSync(file, 'utf8').split('\n').slice(0, -1);
    expect(inFile.length).toBeGreaterThanOrEqual(shown);
    expect(firstItems.length).toBeGreaterThan(10);
    for (const text of firstItems.slice(0, 10)) expect(inFile.some((line) => text.startsWith(line))).toBe(true);
    await expect.poll(() => page.getByTestId('topic-variants').locator('tbody tr').count(), { timeout: 15_000 }).toBe(2);
    for (const chart of ['topic-discovery', 'topic-uniqueness', 'topic-weights']) {
      await expect.poll(() => page.getByTestId(chart).locator('canvas').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    }
    const firstRun = new URL(page.url()).searchParams.get('run');
    expect(firstRun).toBeTruthy();
    // The trends with their bands (one chart per variant), and the weight changes judged.
    for (const variant of ['small', 'rich']) {
      await expect.poll(() => page.getByTestId(`topic-trend-${variant}`).locator('canvas').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    }
    await page.getByTestId('topic-trend-metric').selectOption('latencyMs');
    await expect.poll(() => page.getByTestId('topic-trend-rich').locator('canvas').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('topic-effectiveness').textContent(), { timeout: 30_000 }).toMatch(/raised the unique rate|none judged yet/);
    const stats = (await (await fetch(`${url}/api/runs/${firstRun}/topic?window=10`)).json()) as { window: number; calls: number; variants: { id: string; trend: { request: number; uniquenessRatio: { value: number; low: number; high: number } }[] }[] };
    expect(stats.window).toBeGreaterThanOrEqual(10);
    expect(stats.variants.map((v) => v.id)).toEqual(['small', 'rich']);
    const point = stats.variants[1]!.trend[0]!;
    expect(point.uniquenessRatio.low).toBeLessThanOrEqual(point.uniquenessRatio.value);
    expect(point.uniquenessRatio.high).toBeGreaterThanOrEqual(point.uniquenessRatio.value);
    await page.screenshot({ path: join(ARTIFACTS, 'topic.png'), fullPage: true }).catch(() => undefined);

    // A new topic stops the producers' current topic and starts a fresh one.
    await page.locator('input[name=topic]').fill('Famous bridges');
    await page.locator('input[name=maxRequests]').fill('100');
    await page.getByRole('button', { name: 'Start topic' }).click();
    await until(() => new URL(page.url()).searchParams.get('run') !== firstRun, 30_000, 'the second topic');
    await until(() => existsSync(join(dir, 'output', 'famous-bridges', 'output.txt')), 30_000, 'the second topic folder');
    const first = await until(async () => {
      const r = (await (await fetch(`${url}/api/runs/${firstRun}`)).json()) as { run: { status: string } };
      return r.run.status !== 'running' ? r.run.status : null;
    }, 60_000, 'the first topic to stop');
    expect(['interrupted', 'completed']).toContain(first);
    child.kill('SIGINT');
    await exited;
  }, 240_000);
});

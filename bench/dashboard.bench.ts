/**
 * Dashboard benchmarks (run with `npx tsx bench/dashboard.bench.ts` after `npm run build`):
 *
 * 1. Live latency: a `metaorch run` in another process; how long after a trial finished (its
 *    finished_at, written by that process) it appears in the live page's feed in headless Chromium.
 * 2. A 1,000,000-trial run (written straight into the store): API summary latency, cold (first
 *    request, statistics computed) and warm; the live page load in Chromium (variant table and charts
 *    drawn), cold and warm.
 * 3. uPlot with 100,000 points x 3 series in Chromium: first draw and redraw times.
 *
 * Options: --trials N (default 1000000), --fresh (regenerate the big run).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type DashboardServer } from '../src/server/serve.js';
import { writeBigRun } from './dashboard-setup.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const args = process.argv.slice(2);
const TRIALS = Number(args[args.indexOf('--trials') + 1]) || 1_000_000;
const FRESH = args.includes('--fresh');
const work = join(tmpdir(), 'metaorch-dashboard-bench');

interface Row {
  what: string;
  target: string;
  result: string;
  ok: boolean | null;
}
const rows: Row[] = [];
const ms = (x: number) => `${x.toFixed(0)} ms`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

/** Fresh Chromium profiles, removed at the end. */
const profiles: string[] = [];

/** Headless Debian Chromium with a fresh profile. */
async function browser(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'metaorch-bench-chromium-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return context;
}

async function timeGet(url: string): Promise<number> {
  const t = performance.now();
  const r = await fetch(url);
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return performance.now() - t;
}

/** 1. A trial finished by another process appears in the open live page within a second. */
async function liveLatency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-bench-live-'));
  const db = join(dir, 'live.db');
  const tasks = Array.from({ length: 200 }, (_, i) => `  - { id: t${i}, input: { n: ${i} }, expected: "a${i}" }`).join('\n');
  const file = join(dir, 'live.yaml');
  writeFileSync(file, `name: live-bench\nseed: 1\nconcurrency: 4\nprompt: "{{n}}?"\ntasks:\n${tasks}\nvariants:\n  - { id: a, adapter: mock, accuracy: 0.6, latencyMs: 40 }\n  - { id: b, adapter: mock, accuracy: 0.8, latencyMs: 60 }\n`);
  const server = await startServer({ db, port: 0, projectDir: dir });
  const context = await browser();
  try {
    const page = await context.newPage();
    const child = spawn(process.execPath, [CLI, 'run', file, '--db', db, '--no-progress'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const runId = await new Promise<string>((res) => child.stdout.on('data', () => { const m = /^Run (\S+)/m.exec(out); if (m) res(m[1]!); }));
    await new Promise((r) => setTimeout(r, 300));
    await page.goto(`${server.url}/runs/${runId}`);
    await page.waitForSelector('[data-testid=live-page]');
    // Passed as source text: tsx would otherwise inject helpers the page does not have.
    await page.evaluate(`(() => {
      const seen = {};
      window.__seen = seen;
      const mark = () => document.querySelectorAll('[data-testid=feed] tr[data-seq]').forEach((tr) => { seen[tr.dataset.seq] ??= Date.now(); });
      new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });
      mark();
    })()`);
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    await new Promise((r) => setTimeout(r, 1500));
    const seen = (await page.evaluate('window.__seen')) as Record<string, number>;
    const store = new Database(db, { readonly: true });
    const finished = new Map((store.prepare("SELECT seq, finished_at FROM trials WHERE run_id = ? AND status != 'scheduled'").raw().all(runId) as [number, number][]));
    store.close();
    const pageOpenedAt = Math.min(...Object.values(seen));
    const lags = Object.entries(seen)
      .map(([seq, at]) => ({ at, fin: finished.get(Number(seq)) }))
      .filter((x): x is { at: number; fin: number } => x.fin !== undefined && x.fin > pageOpenedAt)
      .map((x) => x.at - x.fin);
    rows.push({
      what: `trial finished in another process -> shown in the live feed (${lags.length} trials, run exit ${code})`,
      target: '< 1000 ms', result: `p50 ${ms(pct(lags, 0.5))}, p95 ${ms(pct(lags, 0.95))}, max ${ms(Math.max(...lags))}`, ok: Math.max(...lags) < 1000,
    });
  } finally {
    await context.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 2. The 1M-trial run: API summary and page load, cold and warm. */
async function bigRun(): Promise<void> {
  mkdirSync(work, { recursive: true });
  const db = join(work, `big-${TRIALS}.db`);
  if (FRESH || !existsSync(db)) {
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    const t = performance.now();
    writeBigRun(db, { runId: 'big-run', trials: TRIALS, variants: 3, tasks: 1000 });
    rows.push({ what: `generate the ${TRIALS.toLocaleString('en-US')}-trial run (better-sqlite3, one transaction)`, target: '-', result: ms(performance.now() - t), ok: null });
  }
  const context = await browser();
  let server: DashboardServer | null = null;
  try {
    // A fresh server that has computed nothing (no warm-up, no on-disk cache).
    server = await startServer({ db, port: 0, warm: 0, cache: false });
    const cold = await timeGet(`${server.url}/api/runs/big-run/summary`);
    rows.push({ what: 'GET /summary, first request (computes the statistics: one pass over 1M rows)', target: '-', result: ms(cold), ok: null });
    const warm: number[] = [];
    for (let i = 0; i < 30; i++) warm.push(await timeGet(`${server.url}/api/runs/big-run/summary`));
    rows.push({ what: 'GET /summary, statistics in memory (30 requests)', target: '< 200 ms', result: `p50 ${ms(pct(warm, 0.5))}, max ${ms(Math.max(...warm))}`, ok: Math.max(...warm) < 200 });
    const live = [];
    for (let i = 0; i < 5; i++) live.push(await timeGet(`${server.url}/api/runs/big-run/live`));
    rows.push({ what: 'GET /live snapshot (table + series + feed)', target: '-', result: `p50 ${ms(pct(live, 0.5))}`, ok: null });
    const list = [];
    for (let i = 0; i < 5; i++) list.push(await timeGet(`${server.url}/api/runs`));
    rows.push({ what: 'GET /runs (list)', target: '-', result: `p50 ${ms(pct(list, 0.5))}`, ok: null });
    const trials = [];
    for (let i = 0; i < 5; i++) trials.push(await timeGet(`${server.url}/api/runs/big-run/trials?variant=variant-b&status=error&limit=50`));
    rows.push({ what: 'GET /trials page (variant + status filter, with total)', target: '-', result: `p50 ${ms(pct(trials, 0.5))}`, ok: null });
    const page = await context.newPage();
    const warmLoad = await pageLoad(page, `${server.url}/runs/big-run`);
    rows.push({ what: 'live page load, statistics in memory (navigation -> table + charts drawn)', target: '< 2000 ms', result: ms(warmLoad), ok: warmLoad < 2000 });
    await server.close();
    server = await startServer({ db, port: 0, warm: 0, cache: false });
    const coldLoad = await pageLoad(page, `${server.url}/runs/big-run`);
    rows.push({ what: 'live page load, fresh server without cache (computed on the visit)', target: '-', result: ms(coldLoad), ok: null });
    await server.close();
    // Default start-up: recent runs are computed in the background and large ones cached on disk.
    rmSync(join(work, 'dashboard-cache'), { recursive: true, force: true });
    const t0 = performance.now();
    server = await startServer({ db, port: 0 });
    const url = server.url;
    const ready = await (async () => { for (;;) { const t = await timeGet(`${url}/api/runs/big-run/summary`); if (t < 200) return performance.now() - t0; } })();
    rows.push({ what: 'default start -> big run ready (background warm-up, then cached)', target: '-', result: ms(ready), ok: null });
    await server.close();
    const t1 = performance.now();
    server = await startServer({ db, port: 0 });
    const restartLoad = await pageLoad(page, `${server.url}/runs/big-run`);
    const restartSummary = await timeGet(`${server.url}/api/runs/big-run/summary`);
    rows.push({ what: 'restarted server (on-disk cache): live page load', target: '< 2000 ms', result: `${ms(restartLoad)} (${ms(performance.now() - t1)} from start)`, ok: restartLoad < 2000 });
    rows.push({ what: 'restarted server (on-disk cache): GET /summary', target: '< 200 ms', result: ms(restartSummary), ok: restartSummary < 200 });
  } finally {
    await server?.close();
    await context.close();
  }
}

async function pageLoad(page: Page, url: string): Promise<number> {
  await page.goto('about:blank');
  const t = performance.now();
  await page.goto(url);
  await page.waitForSelector('[data-testid=variant-table] tbody tr', { timeout: 60_000 });
  await page.waitForFunction("Number(document.querySelector('[data-testid=score-chart]')?.getAttribute('data-points') ?? 0) > 0 && document.querySelector('[data-testid=score-chart] canvas') !== null", undefined, { timeout: 60_000 });
  return performance.now() - t;
}

/** 3. uPlot with 100,000 points per series. */
async function chart100k(): Promise<void> {
  const context = await browser();
  try {
    const page = await context.newPage();
    await page.setContent('<div id="c" style="width:1200px"></div>');
    await page.addScriptTag({ path: join(ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js') });
    const r = (await page.evaluate(`(() => {
      const n = 100000;
      const x = Float64Array.from({ length: n }, (_, i) => i);
      const ys = [0, 1, 2].map((k) => Float64Array.from({ length: n }, (_, i) => 0.5 + 0.3 * Math.sin(i / (500 + k * 90)) + Math.random() * 0.05));
      const t0 = performance.now();
      const u = new uPlot({ width: 1200, height: 300, scales: { x: { time: false } }, series: [{}, { stroke: 'red' }, { stroke: 'blue' }, { stroke: 'green' }] }, [x, ...ys], document.getElementById('c'));
      const first = performance.now() - t0;
      const redraws = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        u.setData([x, ...ys.map((y) => y.map((v) => v + Math.random() * 0.01))]);
        redraws.push(performance.now() - t);
      }
      return { first, redraw: redraws.sort((a, b) => a - b)[5] };
    })()`)) as { first: number; redraw: number };
    rows.push({ what: 'uPlot, 3 series x 100,000 points: first draw / redraw (setData)', target: 'smooth (< 100 ms)', result: `${ms(r.first)} / ${ms(r.redraw)}`, ok: r.first < 100 && r.redraw < 100 });
  } finally {
    await context.close();
  }
}

if (!existsSync(join(ROOT, 'dist/dashboard/index.html')) || !existsSync(CLI)) {
  console.error('Build first: npm run build');
  process.exit(2);
}
try {
  await liveLatency();
  await bigRun();
  await chart100k();
} finally {
  for (const p of profiles) rmSync(p, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
const w = [Math.max(...rows.map((r) => r.what.length)), 18, Math.max(...rows.map((r) => r.result.length))];
const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w[0]!)}  ${b.padEnd(w[1]!)}  ${c.padEnd(w[2]!)}  ${d}`;
console.log(`\nDashboard benchmark (${TRIALS.toLocaleString('en-US')}-trial run, this machine)\n`);
console.log(line('measure', 'target', 'result', ''));
for (const r of rows) console.log(line(r.what, r.target, r.result, r.ok === null ? '' : r.ok ? 'ok' : 'MISSED'));
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/dashboard.json'), `${JSON.stringify({ trials: TRIALS, rows }, null, 2)}\n`);

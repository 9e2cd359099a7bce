import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from '../support/cli.js';
import { openaiPromptOf, startFakeOpenAI, type FakeServer } from '../support/fake-openai-server.js';
import { browser } from './dashboard-support.js';

/**
 * The habits promptfoo users bring: a .env file, `init`, running part of an experiment, CSV and JSONL
 * exports, a standalone HTML report, scorers per task, and a response cache for development loops.
 */

let tmp: { dir: string; cleanup: () => void };
let openai: FakeServer;
let context: BrowserContext | undefined;
beforeAll(async () => {
  tmp = tempDir('metaorch-habits-');
  // Answers the prompt's last word; "boom" fails (a 500), and a prompt asking for the key echoes the Authorization header.
  openai = await startFakeOpenAI({
    respond: (req) => {
      const prompt = openaiPromptOf(req);
      if (prompt.includes('boom')) return { status: 500, body: { error: { message: 'boom', type: 'server_error' } } };
      const answer = prompt.includes('echo the key') ? String(req.headers['authorization'] ?? '') : (prompt.split(' ').pop() ?? '');
      return { body: { id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } } };
    },
  });
});
afterAll(async () => {
  await context?.close();
  await openai.close();
  tmp.cleanup();
});

const project = (name: string, files: Record<string, string>): string => {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
};
const requestsFor = (needle: string) => openai.requests.filter((r) => openaiPromptOf(r).includes(needle)).length;
const storeBytes = (dir: string) => readdirSync(join(dir, '.metaorch')).filter((f) => /\.db(-wal)?$/.test(f)).map((f) => readFileSync(join(dir, '.metaorch', f)).toString('latin1')).join('');

describe('.env beside the experiment', () => {
  const SECRET = 'sk-from-dotenv-7c1e55a9d0';
  const experiment = (prompt: string) => `tasks: [{ q: "${prompt}" }]\nprompt: "{{q}}"\nretries: 0\nvariants:\n  - { id: remote, adapter: openai, model: m, baseURL: "${openai.url}", apiKey: "\${DOTENV_TEST_KEY}" }\n`;

  it('is loaded, variables already set win, --env-file chooses another, and values are never stored', async () => {
    const dir = project('dotenv', { 'exp.yaml': experiment('please echo the key'), '.env': `# keys\nDOTENV_TEST_KEY=${SECRET}\nOTHER="x y"\n`, 'other.env': 'DOTENV_TEST_KEY=sk-from-other-file-0000\n' });
    const validated = await runCli(['validate', 'exp.yaml'], { cwd: dir, env: { DOTENV_TEST_KEY: undefined } });
    expect(validated.code, validated.stderr).toBe(0);
    const run = await runCli(['run', 'exp.yaml', '--no-progress'], { cwd: dir, env: { DOTENV_TEST_KEY: undefined } });
    expect(run.code, run.stderr).toBe(0);
    expect(openai.requests.at(-1)?.headers['authorization']).toBe(`Bearer ${SECRET}`);
    // The server echoed the key: it is blanked from the output, and no byte of it reaches the store.
    const exported = (await runCli(['export', 'latest', '--format', 'jsonl'], { cwd: dir })).stdout;
    expect(exported).toContain('"output":"Bearer ***"');
    expect(storeBytes(dir)).not.toContain(SECRET.slice(3, 15));
    expect(readFileSync(join(dir, '.metaorch', 'runs', readdirSync(join(dir, '.metaorch', 'runs'))[0]!, 'summary.json'), 'utf8')).not.toContain(SECRET);

    await runCli(['run', 'exp.yaml', '--no-progress'], { cwd: dir, env: { DOTENV_TEST_KEY: 'sk-set-in-the-shell-1111' } });
    expect(openai.requests.at(-1)?.headers['authorization']).toBe('Bearer sk-set-in-the-shell-1111');
    await runCli(['run', 'exp.yaml', '--no-progress', '--env-file', 'other.env'], { cwd: dir, env: { DOTENV_TEST_KEY: undefined } });
    expect(openai.requests.at(-1)?.headers['authorization']).toBe('Bearer sk-from-other-file-0000');
    const missing = await runCli(['validate', 'exp.yaml', '--env-file', 'nope.env'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('error: 1 problem in the experiment:\n  nope.env cannot read the env file given with --env-file: file not found\n');
  });
});

describe('metaorch init', () => {
  it('writes a starter that runs at once on mocks, and never overwrites', async () => {
    const r = await runCli(['init', 'starter'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['experiment.yaml', 'tasks.jsonl', 'variants/quick.yaml', 'variants/careful.yaml', 'variants/openai.yaml.example', '.env.example']) {
      expect(existsSync(join(tmp.dir, 'starter', f)), f).toBe(true);
    }
    const starter = readFileSync(join(tmp.dir, 'starter', 'experiment.yaml'), 'utf8');
    expect(starter).toMatch(/^name: starter$/m);
    expect(starter.split('\n').filter((l) => l.includes('#')).length).toBeGreaterThan(15);
    const run = await runCli(['run', 'starter/experiment.yaml', '--no-progress'], { cwd: tmp.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/: 40 trials, 0 errors; winner: careful, known at 95%/);
    const again = await runCli(['init', 'starter'], { cwd: tmp.dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error: starter\/experiment\.yaml, .* already exist: nothing was written \(use --force to overwrite\)\n$/);
  });
});

describe('run part of an experiment', () => {
  const quickstart = join(REPO, 'examples/quickstart/experiment.yaml');
  const tasksOf = async (dir: string, args: string[]) => {
    const r = await runCli(['run', quickstart, '--db', 'part.db', '--no-progress', ...args], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const lines = (await runCli(['export', 'latest', '--db', 'part.db', '--format', 'jsonl'], { cwd: dir })).stdout.trim().split('\n');
    return { stdout: r.stdout, trials: lines.map((l) => JSON.parse(l) as { variantId: string; taskId: string }) };
  };

  it('--variant (repeatable), --limit N and --sample N (seeded)', async () => {
    const dir = project('part', {});
    const some = await tasksOf(dir, ['--variant', 'careful', '--variant', 'fast-cheap', '--limit', '3']);
    expect(some.stdout).toContain('12 trials planned');
    expect(new Set(some.trials.map((t) => t.variantId))).toEqual(new Set(['careful', 'fast-cheap']));
    expect(new Set(some.trials.map((t) => t.taskId)).size).toBe(3);
    const a = await tasksOf(dir, ['--sample', '5']);
    const b = await tasksOf(dir, ['--sample', '5']);
    expect(a.stdout).toContain('30 trials planned');
    const ids = (x: typeof a) => [...new Set(x.trials.map((t) => t.taskId))].sort();
    expect(ids(a)).toHaveLength(5);
    expect(ids(b)).toEqual(ids(a));
    const bad = await runCli(['run', quickstart, '--db', 'part.db', '--variant', 'carefull'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: --variant: no variant 'carefull' in quickstart; did you mean 'careful'? (variants: fast-cheap, balanced, careful)\n");
    expect((await runCli(['run', quickstart, '--db', 'part.db', '--limit', '0'], { cwd: dir })).stderr).toBe("error: --limit: expected a whole number of at least 1, got '0'\n");
  });
});

describe('exports and the HTML report', () => {
  let dir = '';
  beforeAll(async () => {
    dir = project('exports', {});
    const r = await runCli(['run', join(REPO, 'examples/quickstart/experiment.yaml'), '--db', 'x.db', '--no-progress'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  });

  it('CSV: one row per trial, task inputs as columns', async () => {
    const r = await runCli(['export', 'latest', '--db', 'x.db', '--format', 'csv'], { cwd: dir });
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(300);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['run_id', 'seq', 'variant', 'task_id', 'status', 'score', 'passed', 'latency_ms', 'cost', 'expected', 'output', 'input.country']));
    expect(rows.filter((row) => row['passed'] === 'true').length).toBeGreaterThan(100);
    expect(new Set(rows.map((row) => row['variant']))).toEqual(new Set(['fast-cheap', 'balanced', 'careful']));
  });

  it('JSONL: one self-contained trial per line; JSON stays the re-readable export', async () => {
    const lines = (await runCli(['export', 'latest', '--db', 'x.db', '--format', 'jsonl'], { cwd: dir })).stdout.trim().split('\n');
    expect(lines).toHaveLength(300);
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 0, input: { country: expect.any(String) }, expected: expect.any(String), status: expect.stringMatching(/ok|error/) });
    const json = JSON.parse((await runCli(['export', 'latest', '--db', 'x.db'], { cwd: dir })).stdout) as { kind: string; trials: unknown[] };
    expect(json.kind).toBe('meta-orchestrator/run');
    expect(json.trials).toHaveLength(300);
  });

  it('report --format html is one file that opens offline with its charts', async () => {
    const r = await runCli(['report', 'latest', '--db', 'x.db', '--format', 'html'], { cwd: dir });
    expect(r.code).toBe(0);
    const html = r.stdout;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/https?:\/\/|<script|<link|\bsrc=|@import|url\(/i);
    writeFileSync(join(dir, 'report.html'), html);
    context = await browser(join(dir, 'chromium'));
    await context.setOffline(true);
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (req) => requested.push(req.url()));
    await page.goto(`file://${join(dir, 'report.html')}`);
    for (const id of ['score-chart', 'series-chart', 'latency-chart', 'cost-chart']) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect(box?.width ?? 0, id).toBeGreaterThan(300);
      expect(await page.locator(`#${id} rect, #${id} path`).count(), id).toBeGreaterThan(0);
    }
    expect(await page.textContent('#winner')).toMatch(/^(Winner|Leader): careful/);
    expect(requested).toEqual([`file://${join(dir, 'report.html')}`]);
    mkdirSync(join(REPO, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(REPO, 'test-artifacts', 'report-html.png'), fullPage: true });
  });
});

describe('scorers per task', () => {
  it("adds a task's own scorers to the experiment's, for that task only", async () => {
    const dir = project('task-scorers', {
      'exp.yaml': [
        'tasks:',
        '  - { id: plain, q: Paris, expected: Paris }',
        '  - { id: strict, q: Paris, expected: Paris, scorers: [{ regex: { pattern: "^P" } }, { contains: { value: Lyon, weight: 3 } }] }',
        'scorers: [equals]',
        'variants: [{ id: echo, adapter: mock, reply: Paris }]',
        '',
      ].join('\n'),
    });
    const r = await runCli(['run', 'exp.yaml', '--no-progress'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const trials = (await runCli(['export', 'latest', '--format', 'jsonl'], { cwd: dir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { taskId: string; score: number; scores: { scorer: string; score: number; weight: number }[] });
    const byTask = new Map(trials.map((t) => [t.taskId, t]));
    expect(byTask.get('plain')?.scores.map((s) => s.scorer)).toEqual(['equals']);
    expect(byTask.get('plain')?.score).toBe(1);
    expect(byTask.get('strict')?.scores.map((s) => [s.scorer, s.score, s.weight])).toEqual([['equals', 1, 1], ['regex', 1, 1], ['contains', 0, 3]]);
    expect(byTask.get('strict')?.score).toBeCloseTo(2 / 5, 12);
  });
});

describe('the response cache', () => {
  const write = (dir: string, extra: { temperature?: number; prompt?: string; cache?: string; repeats?: number; mode?: string } = {}) => writeFileSync(join(dir, 'exp.yaml'), [
    `tasks: [{ q: "cache alpha" }, { q: "cache beta" }, { q: "cache boom" }]`,
    `prompt: "${extra.prompt ?? '{{q}}'}"`,
    'retries: 0',
    `repeats: ${extra.repeats ?? 1}`,
    ...(extra.cache ? [`cache: ${extra.cache}`] : []),
    ...(extra.mode ? [`mode: ${extra.mode}`, 'budget: { trials: 6 }'] : []),
    'variants:',
    `  - { id: remote, adapter: openai, model: m, baseURL: "${openai.url}", apiKey: k${extra.temperature !== undefined ? `, temperature: ${extra.temperature}` : ''} }`,
    '',
  ].join('\n'));
  const run = async (dir: string, ...args: string[]) => {
    const r = await runCli(['run', 'exp.yaml', '--no-progress', ...args], { cwd: dir });
    const trials = (await runCli(['export', 'latest', '--format', 'jsonl'], { cwd: dir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { taskId: string; cached: boolean; latencyMs: number | null; cost: number; status: string; output: string });
    return { r, trials };
  };

  it('answers again what it answered, keyed by configuration, prompt and repeat; errors are never cached', async () => {
    const dir = project('cache', {});
    write(dir);
    const first = await run(dir, '--cache');
    expect(first.r.stdout).toContain('response cache on');
    expect(first.trials.filter((t) => t.cached)).toHaveLength(0);
    const calls = openai.requests.length;
    const second = await run(dir, '--cache');
    expect(second.r.stdout).toMatch(/: 3 trials \(2 from the response cache\), 1 errors;/);
    expect(second.trials.filter((t) => t.cached).map((t) => t.output).sort()).toEqual(['alpha', 'beta']);
    for (const t of second.trials.filter((x) => x.cached)) expect(t).toMatchObject({ latencyMs: null, cost: 0, status: 'ok' });
    // Only the error was called again: errors are never cached.
    expect(openai.requests.length - calls).toBe(1);
    expect(requestsFor('cache boom')).toBe(2);
    const report = JSON.parse((await runCli(['report', 'latest', '--format', 'json'], { cwd: dir })).stdout) as { variants: { cached: number; latencyP95Ms: number | null }[] };
    expect(report.variants[0]).toMatchObject({ cached: 2, latencyP95Ms: null });

    write(dir, { temperature: 0.5 });
    expect((await run(dir, '--cache')).trials.filter((t) => t.cached)).toHaveLength(0);
    write(dir, { prompt: 'Q: {{q}}' });
    expect((await run(dir, '--cache')).trials.filter((t) => t.cached)).toHaveLength(0);
    write(dir, { repeats: 2 });
    const repeats = await run(dir, '--cache');
    expect(repeats.trials.filter((t) => t.cached)).toHaveLength(2);
    expect(repeats.trials.filter((t) => !t.cached && t.status === 'ok')).toHaveLength(2);
  });

  it('is off unless asked: cache: true in the file, --no-cache to bypass it, adaptive runs too', async () => {
    const dir = project('cache-file', {});
    write(dir, { cache: 'true' });
    await run(dir);
    expect((await run(dir)).trials.filter((t) => t.cached)).toHaveLength(2);
    const bypass = await run(dir, '--no-cache');
    expect(bypass.r.stdout).not.toContain('response cache on');
    expect(bypass.trials.filter((t) => t.cached)).toHaveLength(0);
    write(dir, { mode: 'adaptive' });
    const adaptive = await run(dir);
    expect(adaptive.r.stdout).not.toContain('response cache on');
    expect(adaptive.trials.filter((t) => t.cached)).toHaveLength(0);
  });
});

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../support/cli.js';
import { browser, serve, tempProject, until, type Served } from './dashboard-support.js';

/**
 * The dashboard's workflow page in a real headless Chromium: the phase tree with statuses, runtimes,
 * calls, confidence, cost and tokens, review notes, and two approvals pending at once, answered with
 * the page's buttons (a rejection goes back to the producer; approvals let the workflow finish).
 */

const ARTIFACTS = resolve(REPO, 'test-artifacts', 'dashboard');
let dir: string;
let cleanup: () => void;
let server: Served;
let context: BrowserContext;
let page: Page;
let runId: string;
let db: string;
const pageErrors: string[] = [];

const DOC = `---
name: parts-with-gates
runtimes:
  lister: { adapter: mock, reply: '["api", "docs"]', tokens: { input: 40, output: 8 }, cost: { input: 1, output: 2 } }
  writer: { adapter: mock, reply: "A section of text.", latencyMs: 20, tokens: { input: 120, output: 30 }, cost: { input: 1, output: 2 } }
  critic: { adapter: mock, reply: '{"score": 0.9, "notes": "- clear enough\\n- add one example"}' }
defaults:
  runtime: writer
  reviewer: critic
---

# Parts, each reviewed and signed off

## Parts

### List the parts
- generate: parts
- with: [lister]

List the parts as a JSON array.

### Each part
- for each: part in parts

#### Write
- generate: text
- file: {{part}}.md

Write the {{part}} section.

#### Review
- review: text

Check {{text}}.

#### Sign off
- approve: text
`;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ dir, cleanup } = tempProject('metaorch-wf-dash-'));
  db = join(dir, '.metaorch', 'metaorch.db');
  writeFileSync(join(dir, 'parts.md'), DOC);
  const r = await runCli(['workflow', 'run', 'parts.md', '--db', db, '--workdir', join(dir, 'work')], { cwd: dir });
  expect(r.code, r.stdout + r.stderr).toBe(3);
  runId = /run (\S+)\. Store/.exec(r.stdout)![1]!;
  server = await serve(db, dir);
  context = await browser(join(dir, 'chromium-profile'));
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/workflows/${runId}#token=${server.token}`);
  await page.waitForSelector('[data-testid=phase-tree]');
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  cleanup?.();
});

const statusOf = (id: string) => page.getAttribute(`[data-step="${id}"]`, 'data-status');

describe('the workflow page in a real browser', () => {
  it('shows the phase tree with each step\'s status, runtime, calls, confidence, cost and tokens, and its review notes', async () => {
    expect(await page.textContent('[data-testid=workflow-status]')).toBe('awaiting-approval');
    const list = await page.textContent('[data-step="list-the-parts"]');
    expect(list).toMatch(/generate · lister · 1 call · \$0\.000056 · 40\/8 tok/);
    expect(list).toContain('→ parts.md (version 1)');
    const write = await page.textContent('[data-step="write[api]"] .wf-step-line');
    expect(write).toMatch(/generate · writer · 1 call · confidence 0\.90 · \$0\.00018 · 120\/30 tok/);
    expect(await statusOf('write[api]')).toBe('done');
    expect(await statusOf('sign-off[api]')).toBe('awaiting-approval');
    await page.click('[data-testid="details-write[docs]"]');
    expect(await page.textContent('[data-step="write[docs]"] [data-testid=review-note]')).toContain('Round 1: 0.90 by critic- clear enough\n- add one example');
    await shot('workflow-awaiting');
  });

  it('lists both pending approvals with their own ids, and a rejection with a note goes back to the producer', async () => {
    const ids = await page.$$eval('[data-approval]', (els) => els.map((e) => e.getAttribute('data-approval')));
    expect(ids).toEqual(['sign-off[api]', 'sign-off[docs]']);
    await page.click('[data-testid="reject-sign-off[api]"]');
    expect(await page.textContent('[data-approval="sign-off[api]"] .error-box')).toContain('A rejection needs a note');
    await page.fill('[data-testid="note-sign-off[api]"]', 'Name the endpoints.');
    await page.click('[data-testid="reject-sign-off[api]"]');
    await page.waitForSelector('[data-approval="sign-off[api]"] [data-testid=answered]');
    // The server resumed the workflow: the api section was written again with the note as feedback.
    await until(async () => (await page.textContent('[data-step="write[api]"] .wf-step-line'))?.includes('2 calls'), 30_000, 'write[api] to run again');
    const trials = await fetch(`${server.url}/api/runs/${runId}/trials?limit=50&order=asc`).then((r) => r.json()) as { trials: { seq: number; taskId: string }[] };
    const again = trials.trials.filter((t) => t.taskId === 'write[api]').at(-1)!;
    const detail = await fetch(`${server.url}/api/runs/${runId}/trials/${again.seq}`).then((r) => r.json()) as { prompt: string };
    expect(detail.prompt).toContain('Rejected at "Sign off": Name the endpoints.');
    await until(async () => (await page.$$('[data-approval]')).length === 2 && !(await page.$('[data-testid=answered]')), 30_000, 'both gates to wait again');
    await shot('workflow-rejected');
  });

  it('approves both gates with the buttons, and the workflow completes', async () => {
    await page.click('[data-testid="approve-sign-off[docs]"]');
    await page.waitForSelector('[data-approval="sign-off[docs]"] [data-testid=answered]');
    await until(async () => (await page.$$('[data-approval]')).length === 1 && (await page.$('[data-approval="sign-off[api]"]')) !== null && !(await page.$('[data-testid=answered]')), 30_000, 'only the api gate to wait');
    await page.click('[data-testid="approve-sign-off[api]"]');
    await until(async () => (await page.textContent('[data-testid=workflow-status]')) === 'completed', 30_000, 'the workflow to complete');
    expect(await statusOf('sign-off[api]')).toBe('done');
    expect(await page.$('[data-testid=approvals]')).toBeNull();
    expect(readFileSync(join(dir, 'work', 'api.md'), 'utf8')).toContain('## REVIEW NOTES');
    await shot('workflow-completed');
    const status = await runCli(['workflow', 'status', runId, '--db', db], { cwd: dir });
    expect(status.stdout).toMatch(/✓ sign-off\[api\] {2}approve {2}→ approved/);
    expect(pageErrors).toEqual([]);
  });

  it('refuses answers without the token, and an answer for a step that is not waiting', async () => {
    const r = await fetch(`${server.url}/api/workflows/${runId}/approvals/sign-off%5Bapi%5D`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"decision":"approve"}' });
    expect(r.status).toBe(401);
    const again = await fetch(`${server.url}/api/workflows/${runId}/approvals/sign-off%5Bapi%5D`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` }, body: '{"decision":"approve"}',
    });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { message: string } }).error.message).toBe("step 'sign-off[api]' is not waiting for approval (it is done). Nothing is waiting for approval in this run.");
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import { answerApproval } from './approvals.js';
import { compileWorkflow } from './compile.js';
import { resumeWorkflow, startWorkflow } from './run.js';
import { loadState, workflowDir } from './shell/state-file.js';

/** Workflows through the real shell: SQLite store, files in a work folder, mock and module runtimes. */

const dir = mkdtempSync(join(tmpdir(), 'metaorch-wf-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'judge.mjs'), `export default (input) => {
  const p = String(input.prompt);
  return p.includes('ARTIFACT-FROM-GOOD') ? '{"score": 0.9, "notes": "good"}' : '{"score": 0.3, "notes": "weak"}';
};
`);

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const quiet = { pollMs: 20 };

describe('workflow runs through the shell', () => {
  it('chooses a step\'s runtime by Thompson sampling on review scores kept across runs', async () => {
    const doc = file('bandit.md', `---
name: bandit
seed: 11
runtimes:
  good: { adapter: mock, reply: "ARTIFACT-FROM-GOOD" }
  bad: { adapter: mock, reply: "ARTIFACT-FROM-BAD" }
  judge: { adapter: module, file: ./judge.mjs }
defaults:
  reviewer: judge
  pass: 0.2
  minConfidence: 0.2
---

## Only

### Draft
- generate: draft
- with: [good, bad]

Write it.

### Judge
- review: draft
`);
    const db = join(dir, 'bandit.db');
    const chosen: string[] = [];
    for (let run = 0; run < 12; run++) {
      const store = SqliteStore.open(db);
      const result = await startWorkflow(compileWorkflow(doc, { env: {} }), { store, dbPath: db, workdir: join(dir, `bandit-${run}`), runId: `bandit-${run}`, ...quiet });
      expect(result.state.status).toBe('completed');
      chosen.push(result.state.instances['draft']!.runtime!);
      store.close();
    }
    // Each run learns from the review scores of every earlier run of the workflow (read from the store).
    // Seeded by the run ids given here, so this sequence is reproducible: both tried early, then mostly the good one.
    expect(chosen.slice(0, 4)).toEqual(expect.arrayContaining(['good', 'bad']));
    expect(chosen.slice(6).filter((c) => c === 'good').length, chosen.join(' ')).toBeGreaterThanOrEqual(5);
    expect(chosen.slice(-4), chosen.join(' ')).toEqual(['good', 'good', 'good', 'good']);
  });

  it('includes the knowledge sections a step names, within its token budget, and records them', async () => {
    file('principles.md', `# Principles

## Small functions #style
Keep functions under twenty lines.

## Test first
tags: testing
Write the failing test before the code.

## A very long section #style
${'Long words about style. '.repeat(200)}
`);
    const doc = file('knowledge.md', `---
name: knowledge
knowledge:
  principles: ./principles.md
runtimes:
  writer: { adapter: mock, reply: "done" }
---

## Only

### Code
- generate: code
- knowledge: [#style, Test first]
- knowledge budget: 100

Write the code.
`);
    const db = join(dir, 'knowledge.db');
    const store = SqliteStore.open(db);
    const { state } = await startWorkflow(compileWorkflow(doc, { env: {} }), { store, dbPath: db, workdir: join(dir, 'k'), ...quiet });
    const code = state.instances['code']!;
    expect(code.context?.knowledge.included.map((k) => k.heading)).toEqual(['Small functions', 'Test first']);
    expect(code.context?.knowledge.excluded.map((k) => k.heading)).toEqual(['A very long section']);
    const prompt = store.queries().trial(state.runId, 0)!.prompt!;
    expect(prompt).toContain('## Knowledge\n\n### Small functions\n\nKeep functions under twenty lines.\n\n### Test first\n\nWrite the failing test before the code.');
    expect(prompt).not.toContain('Long words');
    expect(code.context?.tokens).toBe(Math.ceil(prompt.length / 4));
    store.close();
  });

  it('keeps a file the user edited since it was generated (user_modified), and overwrites it with force', async () => {
    const doc = file('manifest.md', `---
name: manifest
runtimes:
  writer: { adapter: mock, reply: "generated text" }
---

## Only

### Notes
- generate: notes
`);
    const db = join(dir, 'manifest.db');
    const work = join(dir, 'm');
    const run = async (force: boolean) => {
      const store = SqliteStore.open(db);
      try {
        return (await startWorkflow(compileWorkflow(doc, { env: {} }), { store, dbPath: db, workdir: work, force, ...quiet })).state;
      } finally {
        store.close();
      }
    };
    await run(false);
    expect(readFileSync(join(work, 'notes.md'), 'utf8')).toBe('generated text\n');
    const manifest = JSON.parse(readFileSync(join(work, '.metaorch', 'manifest.json'), 'utf8')) as { files: Record<string, { step: string; version: number }> };
    expect(manifest.files['notes.md']).toMatchObject({ step: 'notes', version: 1 });
    // Regenerating an unchanged file is fine; an edited one is kept.
    expect((await run(false)).instances['notes']!.userModified).toBe(false);
    writeFileSync(join(work, 'notes.md'), 'my own words\n');
    const kept = await run(false);
    expect(kept.instances['notes']).toMatchObject({ userModified: true, attempts: 0, status: 'done' });
    expect(kept.artifacts['notes']).toMatchObject({ userModified: true });
    expect(readFileSync(join(work, 'notes.md'), 'utf8')).toBe('my own words\n');
    const forced = await run(true);
    expect(forced.instances['notes']).toMatchObject({ userModified: false, attempts: 1 });
    expect(readFileSync(join(work, 'notes.md'), 'utf8')).toBe('generated text\n');
  });

  it('records the files an agent writes itself (writes:) in the manifest', async () => {
    const doc = file('writes.md', `---
name: writes
runtimes:
  writer: { adapter: mock, reply: "summary of the edit" }
---

## Only

### Edit
- generate: summary
- writes: [src/edited.js]
`);
    const db = join(dir, 'writes.db');
    const work = join(dir, 'w');
    mkdirSync(join(work, 'src'), { recursive: true });
    // What a CLI agent would have written in the work folder during its call.
    writeFileSync(join(work, 'src', 'edited.js'), 'export const x = 1;\n');
    const store = SqliteStore.open(db);
    await startWorkflow(compileWorkflow(doc, { env: {} }), { store, dbPath: db, workdir: work, ...quiet });
    store.close();
    const manifest = JSON.parse(readFileSync(join(work, '.metaorch', 'manifest.json'), 'utf8')) as { files: Record<string, { step: string; artifact: string }> };
    expect(Object.keys(manifest.files).sort()).toEqual(['src/edited.js', 'summary.md']);
    expect(manifest.files['src/edited.js']).toMatchObject({ step: 'edit', artifact: 'summary' });
  });

  it('with wait, applies an approval answered while it runs (as the CLI and the dashboard write them)', async () => {
    const doc = file('wait.md', `---
name: wait
runtimes:
  writer: { adapter: mock, reply: "text" }
---

## Only

### Draft
- generate: draft

### Sign off
- approve: draft
`);
    const db = join(dir, 'wait.db');
    const store = SqliteStore.open(db);
    const running = startWorkflow(compileWorkflow(doc, { env: {} }), { store, dbPath: db, workdir: join(dir, 'wait'), runId: 'wait-run', wait: true, ...quiet });
    const wdir = workflowDir(db, 'wait-run');
    for (let i = 0; i < 200 && !(existsSync(join(wdir, 'state.json')) && loadState(wdir).status === 'awaiting-approval'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(loadState(wdir).status).toBe('awaiting-approval');
    answerApproval(loadState(wdir), wdir, 'sign-off', 'approve', 'fine', 'test');
    const { state } = await running;
    expect(state.status).toBe('completed');
    expect(state.instances['sign-off']!.approval).toMatchObject({ decision: 'approve', note: 'fine' });
    store.close();
  });

  it('escalates an approval waiting past its timeout through the decision log and the front matter\'s webhook', async () => {
    const received: unknown[] = [];
    let failFirst = true;
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        // The first delivery fails: the escalator retries, as the controller's does.
        if (failFirst) {
          failFirst = false;
          res.writeHead(503).end();
          return;
        }
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as AddressInfo).port;
    try {
      const doc = file('deadlock.md', `---
name: deadlock
runtimes:
  writer: { adapter: mock, reply: "text" }
escalate: { webhook: "http://127.0.0.1:${port}/hook", retries: 2 }
---

## Only

### Draft
- generate: draft

### Sign off
- approve: draft
- timeout: 200ms
`);
      const db = join(dir, 'deadlock.db');
      const store = SqliteStore.open(db);
      const running = startWorkflow(compileWorkflow(doc, { env: {} }), { store, dbPath: db, workdir: join(dir, 'deadlock'), runId: 'deadlock-run', wait: true, ...quiet });
      const wdir = workflowDir(db, 'deadlock-run');
      for (let i = 0; i < 300 && !(existsSync(join(wdir, 'state.json')) && loadState(wdir).escalations.length > 0); i++) await new Promise((r) => setTimeout(r, 20));
      expect(loadState(wdir).escalations.map((e) => e.kind)).toEqual(['deadlock']);
      answerApproval(loadState(wdir), wdir, 'sign-off', 'approve', 'late but fine', 'test');
      const { state } = await running;
      expect(state.status).toBe('completed');
      const decisions = store.controller.list('deadlock-run');
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({ kind: 'escalate', target: 'sign-off', detector: 'deadlock', source: 'workflow', escalate: true, validation: { status: 'not-applicable' } });
      expect(decisions[0]!.delivery).toMatchObject({ status: 'sent', webhook: { attempts: 2, status: 204, error: null } });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ kind: 'meta-orchestrator/escalation', run: { id: 'deadlock-run', name: 'deadlock' }, decision: { id: 1, kind: 'escalate', target: 'sign-off', detector: 'deadlock' } });
      store.close();
    } finally {
      hook.close();
    }
  });

  it('stops on interrupt with the state saved, and resumes without repeating finished steps', async () => {
    const doc = file('interrupt.md', `---
name: interrupt
runtimes:
  slow: { adapter: mock, reply: "text", latencyMs: 150 }
defaults:
  concurrency: 1
---

## Only

### One
- generate: one

### Two
- generate: two

### Three
- generate: three
`);
    const db = join(dir, 'interrupt.db');
    const store = SqliteStore.open(db);
    const stop = new AbortController();
    const cancel = new AbortController();
    const started = startWorkflow(compileWorkflow(doc, { env: {} }), { store, dbPath: db, workdir: join(dir, 'i'), stop: stop.signal, cancel: cancel.signal, ...quiet });
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    cancel.abort();
    const first = await started;
    expect(first.state.status).toBe('interrupted');
    const doneBefore = Object.values(first.state.instances).filter((i) => i.status === 'done').map((i) => i.id);
    expect(doneBefore.length).toBeLessThan(3);
    expect(store.getRun(first.runId)).toMatchObject({ status: 'interrupted', stopReason: 'interrupted' });
    const resumed = await resumeWorkflow(first.runId, { store, dbPath: db, ...quiet });
    expect(resumed.state.status).toBe('completed');
    for (const id of doneBefore) expect(resumed.state.instances[id]!.attempts).toBe(1);
    const trials = [...store.queries().trials(first.runId)];
    expect(trials.map((t) => t.status)).toEqual(['ok', 'ok', 'ok']);
    expect(existsSync(join(workflowDir(db, first.runId), 'state.json'))).toBe(true);
    expect(loadState(workflowDir(db, first.runId)).status).toBe('completed');
    store.close();
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAimock, type Aimock } from '../support/aimock.js';
import { runCli, tempDir } from '../support/cli.js';

/**
 * Workflows end to end through the built CLI, with `openai` and `anthropic` runtimes against a real
 * local mock LLM server (aimock): answers, token usage, error statuses and latency come from its
 * fixtures, and its journal says which calls reached it.
 */

let mock: Aimock;
let dir: string;
let cleanup: () => void;

const GOOD_CODE = 'export function greet(name, verbose) {\\n  return verbose ? `Hello, ${name}! (verbose)` : `Hello, ${name}!`;\\n}';

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('metaorch-wf-e2e-'));
  mock = await startAimock([
    { match: { userMessage: 'MARK-REQS' }, response: { content: '# Requirements\n\n- greet takes a verbose flag', usage: { prompt_tokens: 120, completion_tokens: 30 } } },
    { match: { userMessage: 'MARK-REVIEW-REQS', sequenceIndex: 0 }, response: { content: '{"score": 0.55, "notes": "say what verbose prints"}' } },
    { match: { userMessage: 'MARK-REVIEW-REQS' }, response: { content: 'Sure. {"score": 0.92, "notes": "clear now"}' } },
    { match: { userMessage: 'MARK-CODE' }, response: { content: `\`\`\`js\n${GOOD_CODE.replace(/\\n/g, '\n')}\n\`\`\``, usage: { prompt_tokens: 200, completion_tokens: 60 } }, latencyMs: 50 },
    { match: { userMessage: 'MARK-CMP-REVIEW', sequenceIndex: 0 }, response: { content: '{"score": 0.55, "notes": "thin"}' } },
    { match: { userMessage: 'MARK-CMP-REVIEW', sequenceIndex: 1 }, response: { content: '{"score": 0.92, "notes": "good"}' } },
    { match: { userMessage: 'MARK-CMP-REVIEW', sequenceIndex: 2 }, response: { content: '{"score": 0.55, "notes": "thin"}' } },
    { match: { userMessage: 'MARK-VOTE' }, response: { content: '{"choice": "esm", "confidence": 0.8}' } },
    { match: { userMessage: 'MARK-FAIL' }, response: { error: { message: 'upstream exploded', type: 'server_error' }, status: 500 } },
    { match: {}, response: { content: 'default answer' } },
  ]);
});

afterAll(async () => {
  await mock?.stop();
  cleanup?.();
});

function workflow(name: string, body: string, extra = ''): string {
  const file = join(dir, `${name}.md`);
  writeFileSync(file, `---
name: ${name}
inputs:
  request: "greet gets a --verbose flag"
runtimes:
  writer: { adapter: openai, model: gpt-test, baseURL: "${mock.url}/v1", apiKey: sk-test, cost: { input: 1, output: 2 } }
  critic: { adapter: anthropic, model: claude-test, baseURL: "${mock.url}", apiKey: sk-ant-test, cost: { input: 3, output: 15 } }
defaults:
  runtime: writer
  reviewer: critic
  timeout: 20s
${extra}---
${body}`);
  return file;
}

const FEATURE = `
# Greeter: verbose flag

## Requirements

- outputs: requirements
- exit: requirements score >= 0.8

### Write the requirements
- generate: requirements

MARK-REQS: write the requirements for {{request}}.

### Review the requirements
- review: requirements

MARK-REVIEW-REQS: check that {{requirements}} covers {{request}}.

## Build

### Module format
- vote: format
- voters: [writer, critic]
- options: [esm, cjs]

MARK-VOTE: which module format for {{requirements}}?

### Write the code
- generate: code
- file: greet.mjs

MARK-CODE: implement {{requirements}} as a {{format}} module.

### Run the tests
- check: node -e "import('./greet.mjs').then((m) => { if (!m.greet('Ada', true).includes('verbose')) process.exit(1) })"
- fix: code
`;

function readDb(db: string) {
  const d = new Database(db, { readonly: true });
  try {
    return {
      runs: d.prepare('SELECT id, mode, status, stop_reason AS stopReason FROM runs').all() as { id: string; mode: string; status: string; stopReason: string }[],
      trials: d.prepare(`SELECT t.seq, t.variant_id AS variant, k.id AS task, t.status, t.score, t.reward, t.tokens_in AS tokensIn, t.tokens_out AS tokensOut, t.cost
                         FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx ORDER BY t.seq`).all() as Record<string, unknown>[],
      decisions: d.prepare("SELECT data FROM events WHERE type = 'decision'").all() as { data: string }[],
    };
  } finally {
    d.close();
  }
}

describe('metaorch workflow, end to end with openai and anthropic runtimes against aimock', () => {
  it('validates, runs a feature workflow to completion, records every call as a trial, and reports on it', async () => {
    const file = workflow('feature', FEATURE);
    const db = join(dir, 'feature.db');
    const v = await runCli(['workflow', 'validate', file], { cwd: dir });
    expect(v.stderr).toBe('');
    expect(v.stdout).toMatch(/is valid: 2 phase\(s\), 5 step\(s\) \(2 generate, 1 review, 1 vote, 1 check\), runtimes: writer \(openai\), critic \(anthropic\)/);

    const before = (await mock.requests()).length;
    const r = await runCli(['workflow', 'run', file, '--db', db, '--workdir', join(dir, 'feature-out')], { cwd: dir });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const runId = /run (\S+)\. Store/.exec(r.stdout)![1]!;
    expect(r.stdout).toContain(`Workflow run ${runId} completed`);
    expect(r.stderr).toMatch(/review-the-requirements: score 0\.55 < 0\.8; back to write-the-requirements/);

    // Artifacts in the work folder, review notes appended, code unfenced, the check passed.
    const reqs = readFileSync(join(dir, 'feature-out', 'requirements.md'), 'utf8');
    expect(reqs).toMatch(/^# Requirements\n\n- greet takes a verbose flag\n\n## REVIEW NOTES\n\n### Round 1: 0\.55 \(needs work, critic\)\n\nsay what verbose prints\n\n### Round 2: 0\.92 \(pass, critic\)\n\nclear now\n$/);
    expect(readFileSync(join(dir, 'feature-out', 'greet.mjs'), 'utf8')).toMatch(/^export function greet/);

    // Every call reached the mock once: 2 generations + 2 reviews + votes + 1 code.
    const calls = (await mock.prompts()).slice(before);
    const count = (mark: string) => calls.filter((p) => p.includes(mark)).length;
    expect([count('MARK-REQS:'), count('MARK-REVIEW-REQS'), count('MARK-CODE')]).toEqual([2, 2, 1]);
    expect(count('MARK-VOTE')).toBeGreaterThanOrEqual(2);
    // A fresh session per step: the code step's brief holds its declared inputs only.
    const codeBrief = calls.find((p) => p.includes('MARK-CODE'))!;
    expect(codeBrief).toContain('greet takes a verbose flag');
    expect(codeBrief).toContain('as a esm module');
    expect(codeBrief).not.toContain('MARK-REVIEW-REQS');
    expect(codeBrief).not.toContain('REVIEW NOTES');

    const { runs, trials } = readDb(db);
    expect(runs).toEqual([{ id: runId, mode: 'workflow', status: 'completed', stopReason: 'done' }]);
    expect(trials.length).toBe(calls.length);
    const reqTrials = trials.filter((t) => t['task'] === 'write-the-requirements');
    expect(reqTrials.map((t) => [t['variant'], t['score'], t['reward'], t['tokensIn'], t['tokensOut']])).toEqual([
      ['writer', 0.55, 0.55, 120, 30], ['writer', 0.92, 0.92, 120, 30],
    ]);
    expect(reqTrials[0]!['cost']).toBeCloseTo((120 * 1 + 30 * 2) / 1e6, 12);
    expect(trials.filter((t) => t['task'] === 'review-the-requirements').map((t) => t['variant'])).toEqual(['critic', 'critic']);

    // state.json says where it stands.
    const state = JSON.parse(readFileSync(join(dir, 'workflows', runId, 'state.json'), 'utf8')) as Record<string, unknown>;
    expect(state['status']).toBe('completed');
    const status = await runCli(['workflow', 'status', runId, '--db', db, '--notes'], { cwd: dir });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/✓ write-the-requirements {2}generate · writer · 2 call\(s\) · confidence 0\.92 · \$0\.00036 · 240\/60 tok · brief \d+ tok {2}→ requirements\.md \(version 2\)/);
    expect(status.stdout).toContain('review round 1: 0.55 by critic: say what verbose prints');
    expect(status.stdout).toMatch(/✓ module-format {2}vote · .*→ esm/);
    expect(status.stdout).toContain('exit: requirements score >= 0.8: met (it is 0.92)');

    const report = await runCli(['report', runId, '--db', db, '--format', 'json'], { cwd: dir });
    expect(report.code).toBe(0);
    const json = JSON.parse(report.stdout) as { run: { mode: string }; variants: { id: string; trials: number }[] };
    expect(json.run.mode).toBe('workflow');
    expect(json.variants.map((v) => v.id).sort()).toEqual(['critic', 'writer']);
  });

  it('compares two workflow files run on the same inputs', async () => {
    const db = join(dir, 'compare.db');
    const doc = FEATURE.replace('MARK-REVIEW-REQS', 'MARK-CMP-REVIEW');
    const a = await runCli(['workflow', 'run', workflow('cmp-a', doc), '--db', db, '--workdir', join(dir, 'cmp-a')], { cwd: dir });
    const b = await runCli(['workflow', 'run', workflow('cmp-b', doc.replace('- review: requirements', '- review: requirements\n- pass: 0.5\n- min confidence: 0.5').replace('score >= 0.8', 'score >= 0.5')), '--db', db, '--workdir', join(dir, 'cmp-b')], { cwd: dir });
    expect([a.code, b.code], b.stdout + b.stderr).toEqual([0, 0]);
    const [ra, rb] = [a, b].map((r) => /run (\S+)\. Store/.exec(r.stdout)![1]!);
    const cmp = await runCli(['compare', ra!, rb!, '--db', db, '--format', 'json'], { cwd: dir });
    expect([0, 1]).toContain(cmp.code);
    const out = JSON.parse(cmp.stdout) as { comparisons: { variant: string; metric: string; base: number; cand: number }[] };
    const writer = out.comparisons.find((c) => c.variant === 'writer' && c.metric === 'score')!;
    // Only the writer's generations are scored (by their reviews). B passes the first version (0.55);
    // A needed two rounds (0.55, then 0.92).
    expect(writer.base).toBeCloseTo((0.55 + 0.92) / 2, 6);
    expect(writer.cand).toBeCloseTo(0.55, 6);
  });

  it('retries a step whose runtime fails (HTTP 500), counts the failures, and fails clearly', async () => {
    const file = workflow('failing', `
## Only

### Break
- generate: broken
- retries: 1

MARK-FAIL please.
`, '  retries: 1\n');
    const db = join(dir, 'failing.db');
    const before = (await mock.requests()).length;
    const r = await runCli(['workflow', 'run', file, '--db', db, '--workdir', join(dir, 'failing-out')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED: step 'break' failed after 2 failure\(s\) \(retries: 1\): writer failed: server: .*500/);
    // Two step attempts, each with the engine's transport retries (2) on a 5xx: 6 requests.
    expect((await mock.requests()).length - before).toBe(6);
    const runId = /run (\S+)\. Store/.exec(r.stdout)![1]!;
    const state = JSON.parse(readFileSync(join(dir, 'workflows', runId, 'state.json'), 'utf8')) as { instances: Record<string, { failures: number; status: string }> };
    expect(state.instances['break']).toMatchObject({ failures: 2, status: 'failed' });
  }, 120_000);

  it('pauses at an approval gate (exit 3); approve and reject answer it, and a step that is not waiting exits 2', async () => {
    const file = workflow('gate', `
## Spec

### Draft
- generate: spec

MARK-REQS: draft the spec for {{request}}.

### Sign off
- approve: spec
`);
    const db = join(dir, 'gate.db');
    const run = await runCli(['workflow', 'run', file, '--db', db, '--workdir', join(dir, 'gate-out')], { cwd: dir });
    expect(run.code).toBe(3);
    const runId = /run (\S+)\. Store/.exec(run.stdout)![1]!;
    expect(run.stdout).toContain(`metaorch workflow approve ${runId} sign-off`);

    const wrong = await runCli(['workflow', 'approve', runId, 'draft', '--db', db], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(`error: step 'draft' is not waiting for approval (it is done). Waiting: sign-off.\n`);
    const noNote = await runCli(['workflow', 'reject', runId, 'sign-off', '--db', db], { cwd: dir });
    expect(noNote.code).toBe(2);

    const reject = await runCli(['workflow', 'reject', runId, 'sign-off', '--note', 'MARK-NOTE mention the exit code', '--db', db, '--resume'], { cwd: dir });
    expect(reject.code).toBe(3);
    const prompts = await mock.prompts();
    expect(prompts.at(-1)).toContain('Rejected at "Sign off": MARK-NOTE mention the exit code');

    const approve = await runCli(['workflow', 'approve', runId, 'sign-off', '--db', db], { cwd: dir });
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain(`It applies when the workflow continues: metaorch workflow resume ${runId} --db ${db}`);
    const resumed = await runCli(['workflow', 'resume', runId, '--db', db], { cwd: dir });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/✓ sign-off {2}approve {2}→ approved/);
    expect(existsSync(join(dir, 'workflows', runId, 'answers', 'applied'))).toBe(true);
  });

  it('rejects a broken document with every problem, file and line, and exit 2; and a damaged state.json clearly', async () => {
    const file = workflow('broken', `
## Only

### A
- generate: a
- with: [nobody]

Uses {{b}}.

### B
- generate: b
`);
    const r = await runCli(['workflow', 'run', file, '--db', join(dir, 'broken.db')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe([
      'error: 2 problems in the workflow:',
      `  ${file}:18:1 unknown runtime 'nobody' in step 'a'; runtimes in the front matter: writer, critic`,
      `  ${file}:20:1 {{b}} in step 'a' is used before it is produced (by step 'b', line 22)`,
      '',
    ].join('\n'));
    expect(existsSync(join(dir, 'broken.db'))).toBe(false);

    const ok = workflow('small', '\n## P\n\n### S\n- generate: s\n\nMARK-REQS small.\n');
    const db = join(dir, 'small.db');
    const run = await runCli(['workflow', 'run', ok, '--db', db, '--workdir', join(dir, 'small-out')], { cwd: dir });
    const runId = /run (\S+)\. Store/.exec(run.stdout)![1]!;
    const stateFile = join(dir, 'workflows', runId, 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(stateFile, JSON.stringify({ ...state, nextSeq: 'three' }));
    const bad = await runCli(['workflow', 'resume', runId, '--db', db], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${stateFile} does not hold a valid workflow state (edited by hand or damaged):\n  nextSeq: expected a number, got text`);
    writeFileSync(stateFile, '{"half": ');
    const broken = await runCli(['workflow', 'status', runId, '--db', db], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/state\.json is not valid JSON \(.*\); it was edited by hand or damaged/);
  });
});

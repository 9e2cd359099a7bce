import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from '../support/cli.js';

/**
 * CLI-agent presets as workflow runtimes, through the built CLI and real child processes. The CLIs
 * are stand-ins on a private PATH that print the real outputs captured in test/fixtures/cli-agents/
 * (the real CLIs run in `npm run test:agents`).
 */

const CAPTURED = resolve(REPO, 'test/fixtures/cli-agents');
let dir: string;
let cleanup: () => void;
let bin: string;

function fake(name: string, script: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, name), 0o755);
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('metaorch-wf-presets-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  fake('codex', `cat > /dev/null; cat ${join(CAPTURED, 'codex1.out')}`);
  // claude answers a review: its captured result object, with the review as "result".
  fake('claude', `cat > /dev/null; sed 's/"result":"Paris"/"result":"{\\\\"score\\\\": 0.9, \\\\"notes\\\\": \\\\"fine\\\\"}"/' ${join(CAPTURED, 'claude1.out')}`);
  fake('copilot', `cat ${join(CAPTURED, 'copilot1.out')}`);
  // A CLI that hangs, with a grandchild that would outlive it.
  fake('gemini', `sleep 60 & echo $! > "${join(dir, 'grandchild.pid')}"; wait`);
});

afterAll(() => cleanup?.());

const env = () => ({ PATH: `${bin}:${process.env['PATH'] ?? ''}` });

function workflow(name: string, runtimes: string, body: string): string {
  const file = join(dir, `${name}.md`);
  writeFileSync(file, `---\nname: ${name}\nruntimes:\n${runtimes}\ndefaults:\n  timeout: 30s\n---\n${body}`);
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

describe('CLI-agent presets in workflows', () => {
  it('run codex, claude and copilot presets as runtimes; unknown tokens and cost stay unknown', async () => {
    const file = workflow('presets', `  codex: codex\n  claude: { adapter: claude, model: claude-test }\n  copilot: copilot\n`, `
## Answer

### Ask codex
- generate: capital
- with: [codex]

What is the capital of France?

### Check it
- review: capital
- by: [claude]

Is {{capital}} right?

### Ask copilot
- generate: again
- with: [copilot]

Capital of France?
`);
    const db = join(dir, 'presets.db');
    const r = await runCli(['workflow', 'run', file, '--db', db, '--workdir', join(dir, 'out')], { cwd: dir, env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out', 'capital.md'), 'utf8')).toMatch(/^Paris\n\n## REVIEW NOTES\n\n### Round 1: 0\.90 \(pass, claude\)\n\nfine\n$/);
    expect(r.stdout).toMatch(/✓ ask-codex {2}generate · codex · 1 call\(s\) · confidence 0\.90 · 21\/2 tok/);
    expect(r.stdout).toMatch(/✓ check-it {2}review · claude · 1 call\(s\) · confidence 0\.90 · \$0\.00015 · 21\/2 tok/);
    expect(r.stdout).toMatch(/✓ ask-copilot {2}generate · copilot · 1 call\(s\) · cost unknown · tokens unknown/);
    const d = new Database(db, { readonly: true });
    const rows = d.prepare('SELECT variant_id AS v, tokens_in AS i, tokens_out AS o, cost FROM trials ORDER BY seq').all();
    d.close();
    expect(rows).toEqual([
      { v: 'codex', i: 21, o: 2, cost: 0 },
      { v: 'claude', i: 21, o: 2, cost: 0.00015499999999999997 },
      { v: 'copilot', i: null, o: null, cost: null },
    ]);
    const report = await runCli(['report', 'latest', '--db', db], { cwd: dir });
    expect(report.stdout).toMatch(/\| copilot \| 1 \| .* \| – \(1 unknown\) \| – \| – \/ – \(1 unknown\) \|/);
  });

  it('work as variants of ordinary experiments too', async () => {
    const exp = join(dir, 'exp.yaml');
    writeFileSync(exp, [
      'name: cli-agents', 'seed: 1', 'retries: 0', 'timeout: 30s', 'prompt: "What is the capital of {{country}}?"',
      'tasks:', '  - { id: fr, country: France, expected: Paris }',
      'variants:', '  - { id: codex, adapter: codex, model: gpt-5-codex }', '  - { id: copilot, adapter: copilot }', '',
    ].join('\n'));
    const r = await runCli(['run', exp, '--db', join(dir, 'exp.db'), '--no-progress', '--out', join(dir, 'exp-out')], { cwd: dir, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'exp-out', 'summary.json'), 'utf8')) as { variants: { id: string; meanScore: number; tokensIn: number | null; costUnknown: number }[] };
    expect(report.variants.map((v) => [v.id, v.meanScore, v.tokensIn, v.costUnknown])).toEqual([['codex', 1, 21, 0], ['copilot', 1, null, 1]]);
  });

  it('says which CLI is missing and how to install it, before anything runs (exit 2)', async () => {
    const file = workflow('missing', `  aider: aider\n`, '\n## P\n\n### S\n- generate: s\n\nHello.\n');
    const r = await runCli(['workflow', 'validate', file], { cwd: dir, env: { PATH: '/usr/bin:/bin' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("runtimes.aider.adapter: the aider CLI is not installed (no 'aider' on PATH): install it with `python -m pip install aider-install && aider-install`, or set bin: /path/to/aider");
  });

  it('kills a CLI that hangs at the step timeout, with its whole process group', async () => {
    const file = workflow('hang', `  gemini: gemini\n`, '\n## P\n\n### Wait forever\n- generate: s\n- timeout: 1s\n- retries: 0\n\nHello.\n');
    const started = Date.now();
    const r = await runCli(['workflow', 'run', file, '--db', join(dir, 'hang.db'), '--workdir', join(dir, 'hang-out')], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED: step 'wait-forever' failed after 1 failure\(s\) \(retries: 0\): gemini failed: timeout: timed out after 1000ms/);
    expect(Date.now() - started).toBeLessThan(50_000);
    const pid = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'hang-out', 's.md'))).toBe(false);
  });
});

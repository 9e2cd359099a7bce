import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('metaorch-e2e-')));
afterAll(() => cleanup());

const runIdOf = (stdout: string) => /^Run (\S+)/m.exec(stdout)?.[1] ?? '';
const countRuns = (db: string) => {
  if (!existsSync(db)) return 0;
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    d.close();
  }
};

describe('metaorch run on the bundled quick start', () => {
  let stdout = '';
  let runId = '';
  const db = () => join(dir, 'qs.db');

  beforeAll(async () => {
    const r = await runCli(['run', join(REPO, 'examples/quickstart/experiment.yaml'), '--db', db(), '--out', join(dir, 'qs-out')]);
    expect(r.stderr).not.toMatch(/Warning/);
    expect(r.code).toBe(0);
    stdout = r.stdout;
    runId = runIdOf(stdout);
  });

  it('prints the run id, a variant table, and where the report is', () => {
    expect(runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(stdout).toContain('300 trials planned, seed 42');
    expect(stdout).toMatch(/★ careful/);
    expect(stdout).toContain(`Report: `);
  });

  it('writes summary.md and summary.json with the documented fields', () => {
    const json = JSON.parse(readFileSync(join(dir, 'qs-out', 'summary.json'), 'utf8')) as {
      run: Record<string, unknown>; variants: Record<string, unknown>[]; best: { id: string };
    };
    expect(json.run).toMatchObject({ id: runId, status: 'completed', seed: 42, finished: 300 });
    expect(json.variants.map((v) => v['id'])).toEqual(['fast-cheap', 'balanced', 'careful']);
    for (const v of json.variants) {
      for (const key of ['trials', 'errors', 'meanScore', 'ci95', 'passRate', 'latencyP50Ms', 'latencyP95Ms', 'costTotal']) expect(v).toHaveProperty(key);
      expect(v['trials']).toBe(100);
      const [low, high] = v['ci95'] as [number, number];
      expect(low).toBeLessThan(v['meanScore'] as number);
      expect(high).toBeGreaterThan(v['meanScore'] as number);
    }
    expect(readFileSync(join(dir, 'qs-out', 'summary.md'), 'utf8')).toContain('**Leader: careful, not yet known at 95% (fixed-sample check: a grid that ran its full plan)**: careful − balanced = 0.080 [');
  });

  it('is reproducible: the same seed gives the same scores', async () => {
    const again = await runCli(['run', join(REPO, 'examples/quickstart/experiment.yaml'), '--db', db(), '--out', join(dir, 'qs-out2')]);
    const a = JSON.parse(readFileSync(join(dir, 'qs-out', 'summary.json'), 'utf8')) as { variants: { meanScore: number }[] };
    const b = JSON.parse(readFileSync(join(dir, 'qs-out2', 'summary.json'), 'utf8')) as { variants: { meanScore: number }[] };
    expect(again.code).toBe(0);
    expect(b.variants.map((v) => v.meanScore)).toEqual(a.variants.map((v) => v.meanScore));
  });

  it('lists runs, reports by prefix, and exports a document that report accepts in place of the id', async () => {
    const runs = await runCli(['runs', '--db', db()]);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+quickstart\\s+grid\\s+completed\\s+\\S+ \\S+\\s+300/300\\s+0\\s+\\S+\\s+careful`));
    const report = await runCli(['report', runId.slice(0, 17), '--db', db(), '--format', 'json']);
    expect(report.code).toBe(0);
    const exported = await runCli(['export', runId, '--db', db()]);
    expect(exported.code).toBe(0);
    const doc = JSON.parse(exported.stdout) as { schemaVersion: number; kind: string; trials: unknown[] };
    expect(doc).toMatchObject({ schemaVersion: 1, kind: 'meta-orchestrator/run' });
    expect(doc.trials).toHaveLength(300);
    writeFileSync(join(dir, 'run.json'), exported.stdout);
    const fromFile = await runCli(['report', join(dir, 'run.json'), '--format', 'json']);
    const strip = (s: string) => (JSON.parse(s) as { variants: unknown }).variants;
    expect(strip(fromFile.stdout)).toEqual(strip(report.stdout));
    const md = await runCli(['report', join(dir, 'run.json')]);
    expect(md.stdout).toContain('| variant | trials | share | P(best) | errors |');
  });

  it('resume of a completed run does nothing and exits 0', async () => {
    const r = await runCli(['resume', runId, '--db', db(), '--out', join(dir, 'qs-out3')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already completed');
  });
});

describe('bad input: exit 2, a precise message, nothing written', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['wrong types', { 'exp.yaml': 'tasks: [{q: a}]\nconcurrency: many\nvariants: [{id: a, adapter: mock}]\n' }, /exp\.yaml:2:14 concurrency: expected a number, got 'many'/],
    ['unknown adapter', { 'exp.yaml': 'tasks: [{q: a}]\nvariants:\n  - {id: a, adapter: llama}\n' }, /variants\[0\]\.adapter: unknown adapter 'llama' \(known adapters: mock, openai, anthropic, exec, module, codex, claude, gemini, copilot, aider\)/],
    ['missing dataset', { 'exp.yaml': 'tasks: ./nope.jsonl\nvariants: [{id: a, adapter: mock}]\n' }, /tasks file not found: .*nope\.jsonl/],
    ['bad CSV', { 'exp.yaml': 'tasks: ./t.csv\nvariants: [{id: a, adapter: mock}]\n', 't.csv': 'q,expected\n"open,x\n' }, /t\.csv.*bad CSV/],
    ['template variable missing', { 'exp.yaml': 'tasks: [{q: a}]\nprompt: "{{question}}"\nvariants: [{id: a, adapter: mock}]\n' }, /template variable \{\{question\}\} is missing from 1 of 1 task/],
    ['YAML syntax', { 'exp.yaml': 'tasks: [{q: a}\nvariants: x\n' }, /YAML syntax/],
    ['missing file', {}, /exp\.yaml.*file not found/],
    ['invalid JSONL line', { 'exp.yaml': 'tasks: ./t.jsonl\nvariants: [{id: a, adapter: mock}]\n', 't.jsonl': '{"q":1}\n{oops\n' }, /t\.jsonl:2:1 invalid JSON/],
  ];
  for (const [name, files, message] of cases) {
    it(name, async () => {
      const { dir: d, cleanup: c } = tempDir();
      try {
        for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
        const db = join(d, 'store.db');
        for (const command of ['validate', 'run']) {
          const r = await runCli([command, 'exp.yaml', ...(command === 'run' ? ['--db', db] : [])], { cwd: d });
          expect(r.code, `${command}: ${r.stderr}`).toBe(2);
          expect(r.stderr).toMatch(message);
          expect(r.stdout).toBe('');
        }
        expect(countRuns(db)).toBe(0);
      } finally {
        c();
      }
    });
  }

  it('an unknown command or flag is a usage error', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['run'])).code).toBe(2);
    expect((await runCli(['report', 'nope', '--db', join(dir, 'empty.db')])).stderr).toMatch(/no store at .*empty\.db/);
    expect((await runCli(['report', 'nope', '--db', join(dir, 'qs.db')])).stderr).toMatch(/No run 'nope'/);
  });
});

describe('failures and secrets', () => {
  it('exits 1 when every trial errored', async () => {
    writeFileSync(join(dir, 'fail.yaml'), 'tasks: [{q: a, expected: b}, {q: c, expected: d}]\nretries: 0\nvariants: [{id: broken, adapter: mock, failureRate: 1}]\n');
    const r = await runCli(['run', 'fail.yaml', '--db', join(dir, 'fail.db')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED (every trial errored: see the errors above)');
    expect(r.stdout).toContain('  2 × server (broken 2): mock: simulated failure (503)');
  });
});

describe('validate', () => {
  it('summarises a valid experiment', async () => {
    const r = await runCli(['validate', join(REPO, 'examples/quickstart/experiment.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid: 3 variant(s) (fast-cheap, balanced, careful), 50 task(s), 1 scorer(s), mode grid, 300 trials planned');
  });
});

describe('schema', () => {
  it('prints the JSON Schema that is committed in schema/', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    const committed = readFileSync(join(REPO, 'schema/experiment.schema.json'), 'utf8');
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(committed));
    expect(readdirSync(join(REPO, 'schema'))).toContain('experiment.schema.json');
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../model/errors.js';
import { tempDir } from '../../test/support/cli.js';
import { loadExperiment } from './load.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

function project(files: Record<string, string>): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function issuesOf(file: string, env: NodeJS.ProcessEnv = {}) {
  try {
    await loadExperiment(file, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const VALID = `
name: demo
seed: 7
prompt: "Capital of {{country}}?"
tasks:
  - { id: fr, country: France, expected: Paris }
  - { country: Italy, expected: Rome }
variants:
  - { id: a, adapter: mock, accuracy: 0.5 }
  - { id: b, adapter: mock, accuracy: 0.9, cost: { input: 1, output: 2 } }
`;

describe('loadExperiment', () => {
  it('loads a valid file with defaults applied and derived task ids', async () => {
    const dir = project({ 'exp.yaml': VALID });
    const e = await loadExperiment(join(dir, 'exp.yaml'), {});
    expect(e.name).toBe('demo');
    expect(e.seed).toBe(7);
    expect(e.mode).toBe('grid');
    expect(e.concurrency).toBe(8);
    expect(e.timeoutMs).toBe(60_000);
    expect(e.retries).toBe(2);
    expect(e.variants.map((v) => v.id)).toEqual(['a', 'b']);
    expect(e.tasks[0]?.id).toBe('fr');
    expect(e.tasks[1]?.id).toMatch(/^t-[0-9a-f]{12}$/);
    expect(e.scorers).toEqual([{ type: 'equals', weight: 1, options: {} }]);
  });

  it('derives the same task id whatever the order of the file', async () => {
    const a = project({ 't.jsonl': '{"q":"1","expected":"x"}\n{"q":"2","expected":"y"}\n', 'exp.yaml': 'tasks: ./t.jsonl\nvariants: [{id: a, adapter: mock}]\n' });
    const b = project({ 't.jsonl': '{"q":"2","expected":"y"}\n{"q":"1","expected":"x"}\n', 'exp.yaml': 'tasks: ./t.jsonl\nvariants: [{id: a, adapter: mock}]\n' });
    const ea = await loadExperiment(join(a, 'exp.yaml'), {});
    const eb = await loadExperiment(join(b, 'exp.yaml'), {});
    expect(ea.tasks.map((t) => t.id).sort()).toEqual(eb.tasks.map((t) => t.id).sort());
  });

  it('reports every problem at once, each with file, path, line and what was expected', async () => {
    const dir = project({
      'exp.yaml': `
concurrency: "lots"
prompt: "Hi {{name}}"
tasks:
  - { country: France }
variants:
  - { id: a, adapter: gpt5 }
  - { id: b, adapter: mock, accuracy: 2 }
  - { id: b, adapter: mock, temprature: 1 }
scorers:
  - nonsense
`,
    });
    const issues = await issuesOf(join(dir, 'exp.yaml'));
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(issues.every((i) => i.file.endsWith('exp.yaml'))).toBe(true);
    expect(text).toMatch(/concurrency: .*expected number/i);
    // The schema fails first on concurrency; fix it and the rest appear together.
    const fixed = project({ 'exp.yaml': readFixed() });
    const more = await issuesOf(join(fixed, 'exp.yaml'));
    const moreText = more.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(moreText).toContain("variants[0].adapter: unknown adapter 'gpt5'; known adapters: mock, openai, anthropic, exec, module");
    expect(moreText).toMatch(/variants\[1\]\.accuracy: .*<=1/);
    expect(moreText).toContain("variants[2]: unknown field(s) 'temprature' for adapter 'mock'");
    expect(moreText).toContain('unknown scorer "nonsense"; known scorers: equals, contains, regex, json-schema, javascript, unique-items, judge');
    expect(moreText).toContain('prompt: template variable {{name}} is missing from 1 of 1 task(s)');
    const adapterIssue = more.find((i) => i.path === 'variants[0].adapter');
    expect(adapterIssue?.line).toBe(8);
  });

  it('names unset environment references and never needs their values to validate types', async () => {
    const dir = project({
      'exp.yaml': `
tasks: [{ prompt: hi }]
scorers: []
variants:
  - { id: o, adapter: openai, model: gpt-4o-mini, apiKey: "\${MY_TEST_KEY}" }
`,
    });
    const issues = await issuesOf(join(dir, 'exp.yaml'), {});
    expect(issues.map((i) => i.message)).toContain('environment variable MY_TEST_KEY is referenced as ${MY_TEST_KEY} but not set');
    const e = await loadExperiment(join(dir, 'exp.yaml'), { MY_TEST_KEY: 'sk-secret-123' });
    expect(JSON.stringify(e)).not.toContain('sk-secret-123');
    expect(e.variants[0]?.options['apiKey']).toBe('${MY_TEST_KEY}');
  });

  it('reports missing files, bad CSV and equals without expected answers', async () => {
    const dir = project({
      'bad.csv': 'q,expected\n"unterminated,x\n',
      'exp.yaml': 'tasks: ./bad.csv\nvariants: [{ id: a, adapter: module, file: ./nope.ts }]\n',
      'exp2.yaml': 'tasks: ./missing.jsonl\nvariants: [{ id: a, adapter: mock }]\n',
      'exp3.yaml': 'tasks: [{ q: x }]\nscorers: [equals]\nvariants: [{ id: a, adapter: mock }]\n',
    });
    const csv = await issuesOf(join(dir, 'exp.yaml'));
    expect(csv.some((i) => i.file.endsWith('bad.csv') && /bad CSV/.test(i.message))).toBe(true);
    expect(csv.some((i) => /module file not found/.test(i.message))).toBe(true);
    const missing = await issuesOf(join(dir, 'exp2.yaml'));
    expect(missing[0]?.message).toMatch(/dataset file not found/);
    const noExpected = await issuesOf(join(dir, 'exp3.yaml'));
    expect(noExpected[0]?.message).toMatch(/equals compares with the expected answer, but 1 task\(s\) have none/);
  });

  it('reads .jsonl, .csv, .json and .yaml datasets alike', async () => {
    const rows = [{ id: 'a', q: '1', expected: 'x' }, { id: 'b', q: '2', expected: 'y' }];
    const dir = project({
      't.jsonl': rows.map((r) => JSON.stringify(r)).join('\n'),
      't.csv': 'id,q,expected\na,1,x\nb,2,y\n',
      't.json': JSON.stringify(rows),
      't.yaml': 'tasks:\n  - { id: a, q: "1", expected: x }\n  - { id: b, q: "2", expected: y }\n',
    });
    for (const ext of ['jsonl', 'csv', 'json', 'yaml']) {
      writeFileSync(join(dir, `exp-${ext}.yaml`), `tasks: ./t.${ext}\nprompt: "{{q}}"\nvariants: [{ id: a, adapter: mock }]\n`);
      const e = await loadExperiment(join(dir, `exp-${ext}.yaml`), {});
      expect(e.tasks, ext).toEqual([{ id: 'a', input: { q: '1' }, expected: 'x' }, { id: 'b', input: { q: '2' }, expected: 'y' }]);
    }
  });

  it('loads a variants folder: adding a variant means adding a file', async () => {
    const dir = project({
      'variants/one.ts': "import { defineVariant } from '../../../../../src/config/variants.js';\nexport default defineVariant({ id: 'one', adapter: 'mock', accuracy: 0.3 });\n",
      'variants/two.yaml': 'id: two\nadapter: mock\naccuracy: 0.9\n',
      'exp.yaml': 'tasks: [{ q: x, expected: y }]\nvariants: ./variants/\n',
    });
    // The .ts import path above is only resolvable from the repo; use a plain object export instead.
    writeFileSync(join(dir, 'variants/one.ts'), "export default { id: 'one', adapter: 'mock', accuracy: 0.3 } as const;\n");
    const e = await loadExperiment(join(dir, 'exp.yaml'), {});
    expect(e.variants.map((v) => v.id)).toEqual(['one', 'two']);
  });
});

describe('continuous mode and mock schedules', () => {
  it('loads a continuous run: no end needed, discounted Thompson by default, no confidence stop', async () => {
    const dir = project({
      'c.yaml': `${VALID}mode: continuous\n`,
      'stop.yaml': `${VALID}mode: continuous\nstop: { confidence: 0.95 }\n`,
      'grid.yaml': `${VALID}policy: { name: thompson }\ncontroller: { quarantine: { maxShare: 2 }, detectors: { latncy: {} } }\n`,
    });
    const e = await loadExperiment(join(dir, 'c.yaml'), {});
    expect(e.mode).toBe('continuous');
    expect(e.policy).toEqual({ name: 'thompson', discount: 0.999 });
    expect((await issuesOf(join(dir, 'stop.yaml'))).map((i) => `${i.path}: ${i.message}`)).toEqual([
      'stop: a continuous run has no confidence stop: it runs until stopped or until a budget is spent (use mode: adaptive to stop on confidence)',
    ]);
    const grid = (await issuesOf(join(dir, 'grid.yaml'))).map((i) => `${i.path}: ${i.message}`);
    expect(grid).toContain("policy: 'policy' applies only to mode: adaptive or continuous (this experiment is mode: grid)");
    expect(grid).toContain('controller.detectors: unknown detector \'latncy\'; known detectors: failure, score, latency, cost, rework, thrashing, starvation, noProgress');
    expect(grid.find((g) => g.startsWith('controller.quarantine.maxShare: '))).toBeDefined();
  });

  it('validates a mock schedule with the path of each problem', async () => {
    const dir = project({
      'exp.yaml': `${VALID.replace('accuracy: 0.5 }', 'accuracy: 0.5, schedule: [{ trial: 100, failureRate: 1.5 }, { failureRate: 0.2 }] }')}`,
    });
    const issues = (await issuesOf(join(dir, 'exp.yaml'))).map((i) => `${i.path}: ${i.message}`);
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^variants\[0\]\.schedule\[0\]\.failureRate: /);
    expect(issues[1]).toBe('variants[0].schedule[1]: expected exactly one of trial (a trial number) or time (a duration)');
  });
});


function readFixed(): string {
  return `
prompt: "Hi {{name}}"
tasks:
  - { country: France }
scorers:
  - nonsense
variants:
  - { id: a, adapter: gpt5 }
  - { id: b, adapter: mock, accuracy: 2 }
  - { id: c, adapter: mock, temprature: 1 }
`;
}

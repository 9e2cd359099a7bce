import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../support/fake-anthropic-server.js';
import { openaiCompletion, openaiError, openaiPromptOf, startFakeOpenAI, type FakeServer } from '../support/fake-openai-server.js';
import { REPO, runCli, tempDir } from '../support/cli.js';

const SECRET = 'sk-test-SECRET-4242-do-not-leak';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('metaorch-variants-')));
afterAll(() => cleanup());

/** Every file under a folder, as text (the SQLite file and its WAL included). */
function allBytes(folder: string): string {
  let text = '';
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += readFileSync(join(entry.parentPath, entry.name)).toString('latin1');
  }
  return text;
}

describe('openai and anthropic variants through the CLI', () => {
  let openai: FakeServer;
  let anthropic: FakeServer;
  beforeAll(async () => {
    // The OpenAI fake echoes the Authorization header into answers and errors: a leak would show.
    openai = await startFakeOpenAI({
      respond: (req) => {
        const prompt = openaiPromptOf(req);
        if (prompt.includes('Atlantis')) return openaiError(401, `invalid key ${req.headers['authorization'] ?? ''}`);
        if (prompt.includes('Italy')) return { body: openaiCompletion(`Rome (auth: ${req.headers['authorization'] ?? ''})`, { input: 12, output: 3 }) };
        return { body: openaiCompletion(prompt.includes('France') ? 'Paris' : 'Berlin', { input: 12, output: 1 }) };
      },
    });
    anthropic = await startFakeAnthropic({ answers: { France: 'Paris', Italy: 'Rome', Germany: 'Berlin' } });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });

  it('runs, prices tokens, classifies errors, and never lets the key reach the store, reports or output', async () => {
    const project = join(dir, 'providers');
    mkdirSync(project);
    writeFileSync(join(project, 'exp.yaml'), `
name: providers
prompt: "Capital of {{country}}?"
retries: 0
tasks:
  - { id: fr, country: France, expected: Paris }
  - { id: it, country: Italy, expected: Rome }
  - { id: de, country: Germany, expected: Berlin }
  - { id: at, country: Atlantis, expected: Poseidonia }
scorers: [contains]
variants:
  - id: gpt
    adapter: openai
    baseURL: ${openai.url}
    model: fake-gpt
    apiKey: \${OPENAI_API_KEY}
    cost: { input: 1000, output: 2000 }
  - id: claude
    adapter: anthropic
    baseURL: ${anthropic.url}
    model: claude-fake
    apiKey: \${ANTHROPIC_API_KEY}
`);
    const env = { OPENAI_API_KEY: SECRET, ANTHROPIC_API_KEY: `${SECRET}-anthropic` };
    const r = await runCli(['run', 'exp.yaml', '--db', 'store.db', '--out', 'out'], { cwd: project, env });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'out', 'summary.json'), 'utf8')) as { variants: Record<string, unknown>[] };
    const gpt = report.variants.find((v) => v['id'] === 'gpt');
    const claude = report.variants.find((v) => v['id'] === 'claude');
    expect(gpt).toMatchObject({ trials: 4, errors: 1, errorsByKind: { client: 1 }, meanScore: 1 });
    expect(gpt?.['costTotal']).toBeCloseTo((3 * 12 * 1000 + (1 + 3 + 1) * 2000) / 1e6, 9);
    expect(claude).toMatchObject({ trials: 4, errors: 0 });
    expect(openai.requests.some((q) => q.headers['authorization'] === `Bearer ${SECRET}`)).toBe(true);

    const exported = await runCli(['export', 'latest', '--db', 'store.db'], { cwd: project, env });
    const shown = await runCli(['report', 'latest', '--db', 'store.db'], { cwd: project, env });
    for (const text of [r.stdout, r.stderr, exported.stdout, shown.stdout, allBytes(project)]) {
      expect(text).not.toContain(SECRET);
    }
    expect(exported.stdout).toContain('Rome (auth: Bearer ***)');
    expect(exported.stdout).toMatch(/invalid key Bearer (\*\*\*|\[redacted\])/);
    expect(exported.stdout).toContain('${OPENAI_API_KEY}');
  });

  it('a judge variant grades outputs against a rubric', async () => {
    const judge = await startFakeOpenAI({
      respond: (req) => {
        const prompt = openaiPromptOf(req);
        const good = /Answer to grade:\s*Paris/.test(prompt);
        return { body: openaiCompletion(JSON.stringify({ score: good ? 0.9 : 0.2, reason: good ? 'correct city' : 'wrong city' })) };
      },
    });
    try {
      const project = join(dir, 'judge');
      mkdirSync(project);
      writeFileSync(join(project, 'exp.yaml'), `
tasks: [{ country: France, expected: Paris }]
prompt: "Capital of {{country}}?"
repeats: 10
seed: 3
scorers:
  - type: judge
    rubric: The answer names the correct capital city.
    variant: { id: grader, adapter: openai, baseURL: ${judge.url}, model: judge-model }
variants:
  - { id: coin, adapter: mock, accuracy: 0.5 }
`);
      const r = await runCli(['run', 'exp.yaml', '--db', 'store.db', '--out', 'out'], { cwd: project });
      expect(r.code, r.stderr).toBe(0);
      const exported = JSON.parse((await runCli(['export', 'latest', '--db', 'store.db'], { cwd: project })).stdout) as {
        trials: { output: string; score: number; scores: { scorer: string; reason: string }[] }[];
      };
      for (const t of exported.trials) {
        expect(t.score).toBe(t.output === 'Paris' ? 0.9 : 0.2);
        expect(t.scores[0]).toMatchObject({ scorer: 'judge:grader', reason: t.output === 'Paris' ? 'correct city' : 'wrong city' });
      }
      expect(new Set(exported.trials.map((t) => t.score)).size).toBe(2);
      expect(judge.requests).toHaveLength(10);
    } finally {
      await judge.close();
    }
  });
});

describe('exec and module variants, javascript scorer, variants folder', () => {
  it('runs commands (never through a shell), TypeScript functions and a TS scorer', async () => {
    const project = join(dir, 'local');
    mkdirSync(join(project, 'variants'), { recursive: true });
    writeFileSync(join(project, 'agent.ts'), `
      export default async (input: { country: string }, ctx: { prompt: string }) =>
        ({ output: input.country === 'France' ? 'Paris' : ctx.prompt, cost: 0.01, tokens: { input: 3, output: 1 } });
    `);
    writeFileSync(join(project, 'score.ts'), `
      export default (output: string, ctx: { expected: unknown }) => ({ pass: output === ctx.expected, reason: 'exact' });
    `);
    writeFileSync(join(project, 'variants', 'echo.yaml'), `id: echo\nadapter: exec\ncommand: ["${process.execPath}", "${join(REPO, 'test/support/fixtures-exec/echo-stdin.mjs')}"]\n`);
    writeFileSync(join(project, 'variants', 'fn.ts'), "export default { id: 'fn', adapter: 'module', file: '../agent.ts' };\n");
    writeFileSync(join(project, 'exp.yaml'), `
prompt: "{{country}} $(touch pwned) \`id\` && echo; rm -rf /nothing"
tasks:
  - { country: France, expected: Paris }
  - { country: Spain, expected: 'Spain $(touch pwned) \`id\` && echo; rm -rf /nothing' }
scorers: [{ type: javascript, file: ./score.ts }]
variants: ./variants/
`);
    const r = await runCli(['run', 'exp.yaml', '--db', 'store.db', '--out', 'out'], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'out', 'summary.json'), 'utf8')) as { variants: Record<string, unknown>[] };
    expect(report.variants.map((v) => v['id'])).toEqual(['echo', 'fn']);
    // echo returns the prompt: right only for the task whose expected answer is the prompt itself.
    expect(report.variants[0]).toMatchObject({ trials: 2, errors: 0, meanScore: 0.5 });
    expect(report.variants[1]).toMatchObject({ trials: 2, errors: 0, meanScore: 1, costTotal: 0.02 });
    expect(readdirSync(project)).not.toContain('pwned');
  });
});

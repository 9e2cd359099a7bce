import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai-server.js';

/**
 * Honest latency: loading an SDK, a TypeScript module through tsx or the engine's own code happens
 * before the first trial's clock starts. Checked through the real CLI on 5 ms variants of three kinds:
 * the first trial of each must stay within 3x the median of the others plus 40 ms. Loading is far
 * beyond that (the module takes 150 ms to load, as one importing an SDK does; the OpenAI SDK itself
 * 100-500 ms), while the check, relative to trials of the same run, moves with machine load.
 */

let tmp: { dir: string; cleanup: () => void };
let openai: FakeServer;
beforeAll(async () => {
  tmp = tempDir('metaorch-latency-');
  openai = await startFakeOpenAI({ delayMs: 5, defaultAnswer: '1' });
  // The fake provider runs in this process: its own first answers are slow (its HTTP code compiles).
  // Warm it, so the run's first trial measures the CLI's side, as it would against a real provider.
  for (let i = 0; i < 5; i++) {
    await (await fetch(`${openai.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) })).text();
  }
});
afterAll(async () => {
  await openai.close();
  tmp.cleanup();
});

interface Exported {
  trials: { variantId: string; latencyMs: number; startedAt: number; seq: number; status: string }[];
}

describe('the first trial is timed like the others', () => {
  it('for a 5 ms mock, a 5 ms TypeScript module and a 5 ms OpenAI-compatible server', { retry: 2 }, async () => {
    writeFileSync(join(tmp.dir, 'agent.ts'), [
      '// Loading takes 150 ms, as a module that imports an SDK does.',
      'const until = Date.now() + 150;',
      'while (Date.now() < until);',
      'export default async (input: { q: number }): Promise<string> => {',
      '  await new Promise((r) => setTimeout(r, 5));',
      '  return String(input.q);',
      '};',
      '',
    ].join('\n'));
    writeFileSync(join(tmp.dir, 'exp.yaml'), [
      `tasks: [${Array.from({ length: 25 }, (_, i) => `{ q: ${i}, expected: "${i}" }`).join(', ')}]`,
      'concurrency: 1',
      'variants:',
      '  - { id: mock, adapter: mock, latencyMs: 5 }',
      '  - { id: module, adapter: module, file: ./agent.ts }',
      `  - { id: server, adapter: openai, model: m, baseURL: "${openai.url}", apiKey: k }`,
      '',
    ].join('\n'));
    const db = join(tmp.dir, `s-${Date.now()}.db`);
    const run = await runCli(['run', 'exp.yaml', '--db', db, '--no-progress'], { cwd: tmp.dir });
    expect(run.code, run.stderr).toBe(0);
    const exported = JSON.parse((await runCli(['export', 'latest', '--db', db], { cwd: tmp.dir })).stdout) as Exported;
    for (const variant of ['mock', 'module', 'server']) {
      const trials = exported.trials.filter((t) => t.variantId === variant && t.status === 'ok').sort((a, b) => a.startedAt - b.startedAt || a.seq - b.seq);
      expect(trials).toHaveLength(25);
      const [first, ...others] = trials.map((t) => t.latencyMs);
      const median = [...others].sort((a, b) => a - b)[others.length >> 1]!;
      expect(first, `${variant}: first ${first!.toFixed(1)} ms, median of the others ${median.toFixed(1)} ms`).toBeLessThanOrEqual(3 * median + 40);
    }
  });
});

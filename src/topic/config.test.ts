import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../config/load.js';
import { ConfigError } from '../model/errors.js';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'topic-config-'));
  const path = join(dir, 'topic.yaml');
  writeFileSync(path, text);
  return path;
}

const VARIANTS = 'variants:\n  - { id: a, adapter: mock, topic: { vocabulary: 100 } }\n';

async function problems(text: string): Promise<string> {
  try {
    await loadExperiment(file(text));
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the topic: block of an experiment file', () => {
  it('loads a continuous topic experiment: no tasks needed, the default prompt, the output folder absolute', async () => {
    const path = file(`mode: continuous\ntopic: { name: Paris attractions, batch: 5, output: out }\n${VARIANTS}`);
    const e = await loadExperiment(path);
    expect(e.topic).toMatchObject({ name: 'Paris attractions', batch: 5, output: join(path, '..', 'out'), reward: 'per-call', near: true });
    expect(e.tasks).toHaveLength(1);
    expect(e.prompt).toContain('{{exclude}}');
  });

  it('refuses an empty topic, a batch of 0, a grid topic and tasks beside a topic, naming file, line and path', async () => {
    const message = await problems(`mode: grid\ntasks: [{ q: x }]\ntopic: { name: "", batch: 0 }\n${VARIANTS}`);
    expect(message).toContain('topic mode needs mode: continuous (this experiment is mode: grid)');
    expect(message).toContain('a topic experiment has no tasks');
    expect(message).toMatch(/topic\.name: must not be empty/);
    expect(message).toMatch(/topic\.batch.*expected a batch of at least 1/);
    expect(message).toMatch(/topic\.yaml:3/);
  });

  it('still requires tasks without a topic', async () => {
    expect(await problems(`mode: continuous\n${VARIANTS}`)).toContain('tasks: missing: expected a tasks file (.jsonl, .csv, .json or .yaml), a list of tasks, or { file, limit }, or a topic: block');
  });
});

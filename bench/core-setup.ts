import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shape of one generated benchmark experiment. */
export interface GridSpec {
  name: string;
  variants: number;
  tasks: number;
  repeats: number;
  latencyMs: number;
  concurrency: number;
  /** Add `controller: {}` (the meta-controller with its defaults) to the experiment. */
  controller?: boolean;
}

/**
 * Writes `experiment.yaml` and `tasks.jsonl` for a grid of mock variants into `dir`; returns the YAML path.
 *
 * @example
 * const file = writeGrid(dir, { name: 'instant', variants: 3, tasks: 5000, repeats: 1, latencyMs: 0, concurrency: 50 });
 */
export function writeGrid(dir: string, spec: GridSpec): string {
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < spec.tasks; i++) lines.push(JSON.stringify({ id: `t${i}`, input: { n: i }, expected: String(i * 7 % 1000) }));
  writeFileSync(join(dir, 'tasks.jsonl'), `${lines.join('\n')}\n`);
  const variants = Array.from({ length: spec.variants }, (_, v) =>
    [`  - id: v${v}`, '    adapter: mock', `    accuracy: ${(0.5 + v * 0.1).toFixed(2)}`, `    latencyMs: ${spec.latencyMs}`,
      '    cost: { input: 1.0, output: 4.0 }'].join('\n'));
  const yaml = [
    `name: ${spec.name}`, 'mode: grid', 'seed: 7', `repeats: ${spec.repeats}`, `concurrency: ${spec.concurrency}`,
    'timeout: 30s', 'retries: 0', 'prompt: "What is {{n}} times seven modulo a thousand?"', 'tasks: ./tasks.jsonl',
    'scorers:', '  - type: equals', ...(spec.controller ? ['controller: {}'] : []), 'variants:', ...variants, '',
  ].join('\n');
  const file = join(dir, 'experiment.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** What the store holds for a run, read through a separate connection (what a reader would see). */
export interface Recorded {
  finished: number;
  distinctSeqs: number;
  scheduled: number;
}

export async function countRecorded(dbFile: string, runId: string): Promise<Recorded> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(dbFile, { readonly: true });
  try {
    const row = db
      .prepare(`SELECT COALESCE(SUM(status != 'scheduled'), 0) AS finished, COUNT(DISTINCT seq) AS distinctSeqs,
                  COALESCE(SUM(status = 'scheduled'), 0) AS scheduled
                FROM trials WHERE run_id = ?`)
      .get(runId) as Recorded;
    return row;
  } finally {
    db.close();
  }
}

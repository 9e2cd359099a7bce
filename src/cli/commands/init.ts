import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../../model/errors.js';

const EXPERIMENT = `# yaml-language-server: $schema=./node_modules/meta-orchestrator/schema/experiment.schema.json
# A starter experiment: which variant of an agent answers these questions best?
# It runs as is on simulated agents (the mock adapter): metaorch run experiment.yaml
# Then swap in real ones: see variants/openai.yaml.example.

name: starter
mode: grid                  # every variant x every task x repeats (or adaptive: a policy spends a budget)
seed: 7                     # every random choice is seeded; the same seed gives the same run
repeats: 2                  # trials per (variant, task)
concurrency: 8              # trials in flight at once
timeout: 30s                # per attempt
retries: 2                  # on timeouts, rate limits and server errors

# {{question}} is a field of each task (see tasks.jsonl).
prompt: "Answer with the value only. {{question}}"

tasks: ./tasks.jsonl        # or .csv, .json, .yaml, or an inline list

scorers:
  - equals: { ignoreCase: true }   # 1 when the output is the task's expected answer
threshold: 0.5              # a trial passes when its score is at least this

# One file per variant in this folder (.yaml, .json, .ts or .js): adding a variant is adding a file.
# Variants can also be listed here, e.g. [openai:gpt-4o-mini, { id: local, adapter: openai, ... }].
variants: ./variants/

# Secrets come from the environment (or a .env file beside this one), as \${OPENAI_API_KEY}:
# they are never stored. Uncomment to cap what a run may spend:
# budget: { trials: 1000, cost: 2 }
`;

const TASKS = [
  ['What is the capital of France?', 'Paris'],
  ['What is the capital of Japan?', 'Tokyo'],
  ['What is 7 times 8?', '56'],
  ['Which planet is known as the red planet?', 'Mars'],
  ['What is the chemical symbol of gold?', 'Au'],
  ['How many continents are there?', '7'],
  ['What is the largest ocean on Earth?', 'Pacific'],
  ['Who wrote "Hamlet"?', 'Shakespeare'],
  ['What is the square root of 81?', '9'],
  ['What is the freezing point of water in degrees Celsius?', '0'],
];

const FILES: Record<string, string> = {
  'experiment.yaml': EXPERIMENT,
  'tasks.jsonl': `${TASKS.map(([question, expected], i) => JSON.stringify({ id: `q${i + 1}`, question, expected })).join('\n')}\n`,
  'variants/quick.yaml': `# A simulated agent: right 70% of the time, fast and cheap.
id: quick
adapter: mock
accuracy: 0.7
latencyMs: { median: 40, p95: 120 }
cost: { input: 0.15, output: 0.6 }   # dollars per million tokens
`,
  'variants/careful.yaml': `# A simulated agent: right 90% of the time, slower and dearer.
id: careful
adapter: mock
accuracy: 0.9
latencyMs: { median: 150, p95: 400 }
cost: { input: 2.5, output: 10 }
`,
  'variants/openai.yaml.example': `# A real model: rename this file to openai.yaml, and set OPENAI_API_KEY in the environment or in a
# .env file beside experiment.yaml. Any OpenAI-compatible server works: set baseURL (ending in /v1).
id: gpt-4o-mini
adapter: openai
model: gpt-4o-mini
apiKey: \${OPENAI_API_KEY}
temperature: 0
cost: { input: 0.15, output: 0.6 }
# baseURL: http://localhost:11434/v1   # e.g. Ollama
`,
  '.env.example': `# Copy to .env (never commit it): variables here are loaded by metaorch run and validate.
# Variables already set in the environment win.
OPENAI_API_KEY=
`,
};

/**
 * `metaorch init [DIR]`: a starter experiment, its tasks and a variants folder, that run at once on
 * simulated agents. Never overwrites a file unless `--force`.
 *
 * @example
 * metaorch init my-eval && metaorch run my-eval/experiment.yaml
 */
export function initCommand(): Command {
  return new Command('init')
    .description('write a starter experiment (commented), a tasks file and a variants folder that run at once on simulated agents')
    .argument('[dir]', 'folder to write into (created when missing)', '.')
    .option('--force', 'overwrite files that already exist')
    .action((dir: string, flags: { force?: boolean }) => {
      const root = resolve(dir);
      const existing = Object.keys(FILES).filter((f) => existsSync(join(root, f)));
      if (existing.length && !flags.force) {
        throw new UsageError(`${existing.map((f) => shown(join(root, f))).join(', ')} already exist${existing.length === 1 ? 's' : ''}: nothing was written (use --force to overwrite)`);
      }
      for (const [file, text] of Object.entries(FILES)) {
        mkdirSync(join(root, file, '..'), { recursive: true });
        writeFileSync(join(root, file), text);
      }
      const run = `metaorch run ${shown(join(root, 'experiment.yaml'))}`;
      const width = Math.max(run.length, 'metaorch serve'.length) + 2;
      console.log(`Wrote a starter experiment in ${shown(root) || '.'}:
  experiment.yaml        what to run: prompt, tasks, scorers, variants (every field commented)
  tasks.jsonl            ${TASKS.length} questions with their expected answers
  variants/              one file per variant: two simulated agents, and openai.yaml.example for a real model
  .env.example           where API keys go (copy it to .env)
Next:
  ${run.padEnd(width)}# runs at once: 2 variants x ${TASKS.length} tasks x 2 repeats
  ${'metaorch serve'.padEnd(width)}# the dashboard`);
    });
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

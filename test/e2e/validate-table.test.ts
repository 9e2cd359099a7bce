import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { serve, type Served } from './dashboard-support.js';

/**
 * `metaorch validate` (and `run`, and the dashboard's launcher) on broken experiment files: every
 * problem of a file in one pass, each at its own line and column, in plain words (never a validator's
 * own text), with the closest known name for a misspelt one. Each case lists the exact output.
 */

const T = 'tasks: [{ country: France, expected: Paris }]\n';
const M = 'variants: [{ id: a, adapter: mock }]\n';
/** Variables set for every case: one whose name is close to a misspelt reference. */
const ENV = { OPENAI_API_KEY_X: 'set-for-the-test', OPENAI_API_KEY: undefined };

interface Case {
  name: string;
  files: Record<string, string>;
  env?: Record<string, string>;
  /** The exact stderr lines of a refused file. */
  problems?: string[];
  /** The first stdout line of an accepted one. */
  valid?: string;
}

const CASES: Case[] = [
  {
    name: "the issue's example: unknown top-level key, missing task file, misspelt adapter", files: { 'exp.yaml': `name: demo\nscorer: equals\ntasks: ./capital.jsonl\nvariants:\n  - { id: a, adapter: opneai, model: gpt-4o-mini }\n`, 'capitals.jsonl': `{"q":1}\n` },
    problems: [
      "error: 3 problems in the experiment:",
      "  exp.yaml:2:1 scorer: unknown field 'scorer'; did you mean 'scorers'?",
      "  exp.yaml:3:8 tasks: tasks file not found: ./capital.jsonl (in .); did you mean './capitals.jsonl'?",
      "  exp.yaml:5:23 variants[0].adapter: unknown adapter 'opneai'; did you mean 'openai'? (known adapters: mock, openai, anthropic, exec, module, codex, claude, gemini, copilot, aider)",
    ],
  },
  {
    name: "unknown top-level field without close match", files: { 'exp.yaml': `${T}${M}foo: 1\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:1 foo: unknown field 'foo'",
    ],
  },
  {
    name: "missing tasks and variants", files: { 'exp.yaml': `name: x\n` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml:1:1 variants: missing: expected a list of variants, or a folder of variant files",
      "  exp.yaml:1:1 tasks: missing: expected a tasks file (.jsonl, .csv, .json or .yaml), a list of tasks, or { file, limit }",
    ],
  },
  {
    name: "empty file", files: { 'exp.yaml': `` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml variants: missing: expected a list of variants, or a folder of variant files",
      "  exp.yaml tasks: missing: expected a tasks file (.jsonl, .csv, .json or .yaml), a list of tasks, or { file, limit }",
    ],
  },
  {
    name: "a list at the top", files: { 'exp.yaml': `- a\n- b\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:1 expected a mapping of fields (name, tasks, variants, ...), got a list",
    ],
  },
  {
    name: "wrong kinds", files: { 'exp.yaml': `${T}${M}concurrency: many\nrepeats: 1.5\nretries: -1\nthreshold: 2\nseed: x\n` },
    problems: [
      "error: 5 problems in the experiment:",
      "  exp.yaml:3:14 concurrency: expected a number, got 'many'",
      "  exp.yaml:4:10 repeats: expected a whole number, got 1.5",
      "  exp.yaml:5:10 retries: expected at least 0, got -1",
      "  exp.yaml:6:12 threshold: expected at most 1, got 2",
      "  exp.yaml:7:7 seed: expected a number, got 'x'",
    ],
  },
  {
    name: "empty name", files: { 'exp.yaml': `name: ''\n${T}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:7 name: must not be empty",
    ],
  },
  {
    name: "mode typo", files: { 'exp.yaml': `mode: adaptiv\n${T}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:7 mode: expected one of 'grid', 'adaptive', 'continuous', got 'adaptiv'; did you mean 'adaptive'?",
    ],
  },
  {
    name: "bad duration", files: { 'exp.yaml': `timeout: 10 minutes\n${T}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:10 timeout: expected a duration such as \"30s\", \"5m\" or a number of seconds, got \"10 minutes\"",
    ],
  },
  {
    name: "tasks of the wrong kind", files: { 'exp.yaml': `tasks: 5\n${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:8 tasks: expected a tasks file (.jsonl, .csv, .json or .yaml), a list of tasks, or { file, limit }, got 5",
    ],
  },
  {
    name: "inline task that is not a mapping", files: { 'exp.yaml': `tasks: [{ q: 1 }, 7]\n${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:19 tasks[1]: expected a mapping of fields, got 7",
    ],
  },
  {
    name: "variants empty", files: { 'exp.yaml': `${T}variants: []\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:2:11 variants: expected at least one variant, got an empty list",
    ],
  },
  {
    name: "variant without id or adapter", files: { 'exp.yaml': `${T}variants:\n  - { model: gpt-4o }\n` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml:3:5 variants[0].adapter: missing: every variant needs an adapter, one of mock, openai, anthropic, exec, module, codex, claude, gemini, copilot, aider",
      "  exp.yaml:3:5 variants[0].id: missing: every variant needs an id (a name such as gpt-4o-mini or careful)",
    ],
  },
  {
    name: "misspelt variant field", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: openai, model: gpt-4o-mini, temprature: 0 }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:51 variants[0].temprature: unknown field 'temprature' for adapter 'openai'; did you mean 'temperature'?",
    ],
  },
  {
    name: "a field of another adapter", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: mock, model: gpt-4o-mini }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:29 variants[0].model: unknown field 'model' for adapter 'mock' (it is an option of openai, anthropic, codex, claude, gemini, copilot, aider)",
    ],
  },
  {
    name: "bad baseURL", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: openai, model: m, baseURL: localhost:11434 }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:50 variants[0].baseURL: expected a URL (http://... or https://...), got 'localhost:11434'",
    ],
  },
  {
    name: "empty model", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: openai, model: '' }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:38 variants[0].model: must not be empty",
    ],
  },
  {
    name: "mock accuracy out of range and bad latency", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: mock, accuracy: 1.5, latencyMs: fast }\n` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml:3:39 variants[0].accuracy: expected at most 1, got 1.5",
      "  exp.yaml:3:55 variants[0].latencyMs: expected a latency: a number of ms, or { median, p95 }, got 'fast'",
    ],
  },
  {
    name: "duplicate variant ids", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: mock }\n  - { id: a, adapter: mock }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:4:11 variants[1].id: duplicate variant id 'a' (variant 1 has it too); ids must be unique",
    ],
  },
  { name: "shorthand variants accepted", files: { 'exp.yaml': `${T}variants: [openai:gpt-4o-mini, 'mock:0.8', mock]\n` }, env: {"OPENAI_API_KEY": "k"}, valid: "exp.yaml is valid: 3 variant(s) (openai:gpt-4o-mini, mock:0.8, mock), 1 task(s), 1 scorer(s), mode grid, 3 trials planned." },
  {
    name: "shorthand typos", files: { 'exp.yaml': `${T}variants: [opnai:gpt-4o, 'exec:codex', 'mock:2', 'anthropic:']\n` },
    problems: [
      "error: 4 problems in the experiment:",
      "  exp.yaml:2:12 variants[0]: 'opnai:gpt-4o' is not a variant shorthand; did you mean 'openai'? (shorthands: openai:MODEL, anthropic:MODEL, module:FILE, mock or mock:ACCURACY; otherwise write { id, adapter, ... })",
      "  exp.yaml:2:26 variants[1]: 'exec:codex' is not a variant shorthand; an exec variant needs its command as a list: { id, adapter: exec, command: [...] } (shorthands: openai:MODEL, anthropic:MODEL, module:FILE, mock or mock:ACCURACY; otherwise write { id, adapter, ... })",
      "  exp.yaml:2:40 variants[2]: 'mock:2': after mock: expected an accuracy between 0 and 1, got '2'",
      "  exp.yaml:2:50 variants[3]: 'anthropic:': expected anthropic:MODEL, e.g. anthropic:claude-haiku-4-5",
    ],
  },
  { name: "scorer shorthand mapping accepted", files: { 'exp.yaml': `${T}${M}scorers:\n  - equals: {}\n  - contains: { value: Par }\n  - equals:\n` }, valid: "exp.yaml is valid: 1 variant(s) (a), 1 task(s), 3 scorer(s), mode grid, 1 trials planned." },
  {
    name: "scorer typos", files: { 'exp.yaml': `${T}${M}scorers:\n  - equal\n  - { type: contain }\n  - regexp: { pattern: x }\n` },
    problems: [
      "error: 3 problems in the experiment:",
      "  exp.yaml:4:5 scorers[0]: unknown scorer 'equal'; did you mean 'equals'? (known scorers: equals, contains, regex, json-schema, javascript, unique-items, judge)",
      "  exp.yaml:5:13 scorers[1].type: unknown scorer 'contain'; did you mean 'contains'? (known scorers: equals, contains, regex, json-schema, javascript, unique-items, judge)",
      "  exp.yaml:6:5 scorers[2].regexp: unknown scorer 'regexp'; did you mean 'regex'? (known scorers: equals, contains, regex, json-schema, javascript, unique-items, judge)",
    ],
  },
  {
    name: "scorer options wrong", files: { 'exp.yaml': `${T}${M}scorers:\n  - { type: regex }\n  - { type: regex, pattern: '(' }\n  - { type: equals, ignorecase: true }\n  - contains: 5\n  - { type: contains, weight: 0 }\n` },
    problems: [
      "error: 5 problems in the experiment:",
      "  exp.yaml:4:5 scorers[0].pattern: missing: expected text",
      "  exp.yaml:5:29 scorers[1].pattern: expected a valid regular expression",
      "  exp.yaml:6:21 scorers[2].ignorecase: unknown field 'ignorecase' for scorer 'equals'; did you mean 'ignoreCase'?",
      "  exp.yaml:7:15 scorers[3].contains: expected the options of contains as a mapping (or nothing: contains: {}), got 5",
      "  exp.yaml:8:31 scorers[4].weight: expected a positive number, got 0",
    ],
  },
  {
    name: "json-schema scorer with schema and file", files: { 'exp.yaml': `${T}${M}scorers:\n  - { type: json-schema, schema: { type: object }, file: ./s.json }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:4:5 scorers[0]: give exactly one of schema or file",
    ],
  },
  {
    name: "judge without rubric, bad judge variant", files: { 'exp.yaml': `${T}${M}scorers:\n  - { type: judge, variant: { id: j, adapter: mok } }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:4:5 scorers[0].rubric: missing: expected text",
    ],
  },
  {
    name: "equals without expected answers", files: { 'exp.yaml': `tasks: [{ q: 1 }, { q: 2 }]\n${M}scorers: [equals]\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:11 scorers[0]: equals compares with the expected answer, but 2 task(s) have none (e.g. t-d8ef283a57c9, t-84a67c9676b9); give them an expected field, or use another scorer",
    ],
  },
  {
    name: "template variable misspelt", files: { 'exp.yaml': `prompt: 'Capital of {{contry}}?'\n${T}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:9 prompt: template variable {{contry}} is missing from 1 of 1 task(s) (e.g. t-68056219f2c1); did you mean {{country}}?",
    ],
  },
  {
    name: "unset environment variable", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: openai, model: m, apiKey: '\${NOPE_KEY}' }\n  - { id: b, adapter: openai, model: m, apiKey: '\${NOPE_KEY}' }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:49 variants[0].apiKey: environment variable NOPE_KEY is not set (referenced as ${NOPE_KEY}, here and in 1 more place); set it in the environment or in a .env file beside the experiment",
    ],
  },
  {
    name: "misspelt environment variable", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: openai, model: m, apiKey: '\${OPENAI_API_KEYX}' }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:49 variants[0].apiKey: environment variable OPENAI_API_KEYX is not set (referenced as ${OPENAI_API_KEYX}); did you mean ${OPENAI_API_KEY_X}, which is set?",
    ],
  },
  {
    name: "policy typo and option typo", files: { 'exp.yaml': `mode: adaptive\nbudget: { trials: 100 }\npolicy: { name: thomson }\n${T}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:17 policy.name: unknown policy 'thomson'; did you mean 'thompson'? (known policies: uniform, epsilon-greedy, ucb1, kl-ucb, thompson, gaussian-thompson, top-two, roundrobin, priority, backoff, weighted)",
    ],
  },
  {
    name: "policy option typo", files: { 'exp.yaml': `mode: adaptive\nbudget: { trials: 100 }\npolicy: { name: thompson, discont: 0.9 }\n${T}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:27 policy.discont: unknown field 'discont' for policy 'thompson'; did you mean 'discount'?",
    ],
  },
  {
    name: "adaptive without an end; stop in grid", files: { 'exp.yaml': `mode: adaptive\n${T}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:7 mode: an adaptive run needs an end: a budget (trials, cost or time) or stop: { confidence }",
    ],
  },
  {
    name: "stop in a grid", files: { 'exp.yaml': `stop: { confidence: 0.95 }\n${T}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:1 stop: 'stop' applies only to mode: adaptive or continuous (this experiment is mode: grid)",
    ],
  },
  {
    name: "budget and objective", files: { 'exp.yaml': `budget: { trial: 10, cost: -1 }\nobjective: { score: 1, cost: { weight: 1 } }\n${T}${M}` },
    problems: [
      "error: 3 problems in the experiment:",
      "  exp.yaml:1:11 budget.trial: unknown field 'trial'; did you mean 'trials'?",
      "  exp.yaml:1:28 budget.cost: expected more than 0, got -1",
      "  exp.yaml:2:30 objective.cost.per: missing: expected a number",
    ],
  },
  {
    name: "module file missing, javascript scorer missing", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: module, file: ./agnt.ts }\nscorers:\n  - { type: javascript, file: ./score.ts }\n`, 'agent.ts': `export default () => 'x';\n` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml:3:37 variants[0].file: module file not found: ./agnt.ts; did you mean './agent.ts'?",
      "  exp.yaml:5:31 scorers[0].file: file not found: ./score.ts",
    ],
  },
  {
    name: "variants folder missing", files: { 'exp.yaml': `${T}variants: ./variant\n`, 'variants/a.yaml': `id: a\nadapter: mock\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:2:11 variants: variants folder not found: ./variant; did you mean './variants/'?",
    ],
  },
  {
    name: "task scorers wrong", files: { 'exp.yaml': `tasks:\n  - { q: 1, expected: '1', scorers: [equal] }\n  - { q: 2, scorers: 3 }\n${M}` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml:2:38 tasks[0].scorers[0]: unknown scorer 'equal'; did you mean 'equals'? (known scorers: equals, contains, regex, json-schema, javascript, unique-items, judge)",
      "  exp.yaml:3:22 tasks[1].scorers: expected a list of scorers (added to the experiment's for this task), got number",
    ],
  },
  {
    name: "exec command not a list", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: exec, command: codex exec }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:38 variants[0].command: expected a list, got 'codex exec'",
    ],
  },
  {
    name: "cost wrong", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: mock, cost: { input: 1 } }\n  - { id: b, adapter: mock, cost: cheap }\n` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml:3:35 variants[0].cost.output: missing: expected a number",
      "  exp.yaml:4:35 variants[1].cost: expected a price: dollars per call (a number), or { input, output } in dollars per million tokens, got 'cheap'",
    ],
  },
  {
    name: "nested typo in a latency", files: { 'exp.yaml': `${T}variants:\n  - { id: a, adapter: mock, latencyMs: { median: 5, p99: 10 } }\n` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml:3:40 variants[0].latencyMs.p95: missing: expected a number",
      "  exp.yaml:3:53 variants[0].latencyMs.p99: unknown field 'p99'; did you mean 'p95'?",
    ],
  },
  {
    name: "tasks file mapping typo", files: { 'exp.yaml': `tasks: { file: ./t.jsonl, limt: 5 }\n${M}`, 't.jsonl': `{"q":1}\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:1:27 tasks.limt: unknown field 'limt'; did you mean 'limit'?",
    ],
  },
  {
    name: "bad lines in a JSONL tasks file", files: { 'exp.yaml': `tasks: ./t.jsonl\n${M}`, 't.jsonl': `{"q":1}\n{oops\n[1]\n` },
    problems: [
      "error: 2 problems in the experiment:",
      "  ./t.jsonl:2:1 invalid JSON: expected property name or '}' at column 2",
      "  ./t.jsonl:3:1 task 2: expected an object, got an array",
    ],
  },
  {
    name: "duplicate task ids", files: { 'exp.yaml': `tasks:\n  - { id: x, q: 1 }\n  - { id: x, q: 2 }\n${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:11 tasks[1].id: duplicate task id 'x' (first used by task 1)",
    ],
  },
  {
    name: "YAML syntax error", files: { 'exp.yaml': `tasks: [{ q: 1 }\n${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:2:1 YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  },
  {
    name: "duplicate key", files: { 'exp.yaml': `${T}${M}${M}` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:1 YAML syntax: Map keys must be unique",
    ],
  },
  {
    name: "judge variant checked too", files: { 'exp.yaml': `${T}${M}scorers:\n  - { type: judge, rubric: ok, variant: { id: j, adapter: mok } }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:4:59 scorers[0].variant.adapter: unknown adapter 'mok'; did you mean 'mock'? (known adapters: mock, openai, anthropic, exec, module, codex, claude, gemini, copilot, aider)",
    ],
  },
  // The sections later issues added: executor:, controller:, mode: continuous, mock schedules.
  {
    name: "misspelt executor type", files: { 'exp.yaml': `${T}${M}executor: { type: pol }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:19 executor.type: unknown executor type 'pol'; did you mean 'pool'? (known executor types: inline, pool, bullmq)",
    ],
  },
  {
    name: "executor options wrong", files: { 'exp.yaml': `${T}${M}executor: { type: pool, wrkers: 2, heartbeat: soon, restarts: { max: 0 } }\n` },
    problems: [
      "error: 3 problems in the experiment:",
      "  exp.yaml:3:25 executor.wrkers: unknown field 'wrkers' for executor 'pool'; did you mean 'workers'?",
      '  exp.yaml:3:47 executor.heartbeat: expected a duration such as "30s", "5m" or a number of seconds, got "soon"',
      "  exp.yaml:3:70 executor.restarts.max: expected at least 1, got 0",
    ],
  },
  {
    name: "bullmq executor without redis", files: { 'exp.yaml': `${T}${M}executor: { type: bullmq, queue: 'a b' }\n` },
    problems: [
      "error: 2 problems in the experiment:",
      "  exp.yaml:3:11 executor.redis: missing: expected text",
      "  exp.yaml:3:34 executor.queue: expected a queue name of letters, digits, . _ -",
    ],
  },
  {
    name: "controller: misspelt detector, unknown action, share above 1, unknown field", files: { 'exp.yaml': `${T}${M}mode: adaptive\nbudget: { trials: 10 }\ncontroller: { detectors: { latncy: {}, score: { action: explod } }, quarantine: { maxShare: 2 }, windw: 5 }\n` },
    problems: [
      "error: 4 problems in the experiment:",
      "  exp.yaml:5:26 controller.detectors: unknown detector 'latncy'; did you mean 'latency'? (known detectors: failure, score, latency, cost, rework, thrashing, starvation, noProgress)",
      "  exp.yaml:5:57 controller.detectors.score.action: unknown action 'explod' (known actions here: reweight, quarantine, escalate, pause, none)",
      "  exp.yaml:5:93 controller.quarantine.maxShare: expected at most 1, got 2",
      "  exp.yaml:5:98 controller.windw: unknown field 'windw'",
    ],
  },
  {
    name: "continuous run with a confidence stop", files: { 'exp.yaml': `${T}${M}mode: continuous\nstop: { confidence: 0.95 }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:4:7 stop: a continuous run has no confidence stop: it runs until stopped or until a budget is spent (use mode: adaptive to stop on confidence)",
    ],
  },
  {
    name: "misspelt continuous", files: { 'exp.yaml': `${T}${M}mode: continous\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:7 mode: expected one of 'grid', 'adaptive', 'continuous', got 'continous'; did you mean 'continuous'?",
    ],
  },
  {
    name: "mock schedule problems", files: { 'exp.yaml': `${T}variants: [{ id: a, adapter: mock, schedule: [{ trial: 10, failureRate: 1.5 }, { accuracy: 0.2 }, { trial: 5, acuracy: 0.1 }] }]\n` },
    problems: [
      "error: 4 problems in the experiment:",
      "  exp.yaml:2:73 variants[0].schedule[0].failureRate: expected at most 1, got 1.5",
      "  exp.yaml:2:80 variants[0].schedule[1]: expected exactly one of trial (a trial number) or time (a duration)",
      "  exp.yaml:2:99 variants[0].schedule[2]: expected at least one change: accuracy, failureRate, latencyMs, cost",
      "  exp.yaml:2:111 variants[0].schedule[2].acuracy: unknown field 'acuracy'; did you mean 'accuracy'?",
    ],
  },
  {
    name: "a policy on a grid", files: { 'exp.yaml': `${T}${M}policy: { name: thompson }\n` },
    problems: [
      "error: 1 problem in the experiment:",
      "  exp.yaml:3:1 policy: 'policy' applies only to mode: adaptive or continuous (this experiment is mode: grid)",
    ],
  },
  { name: "continuous run with a controller on a pool accepted", files: { 'exp.yaml': `${T}${M}mode: continuous\ncontroller: {}\nexecutor: { type: pool, workers: 2 }\n` }, valid: "exp.yaml is valid: 1 variant(s) (a), 1 task(s), 1 scorer(s), mode continuous (policy thompson), no trial budget, executor pool (2 producers), controller on." },
];

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('metaorch-validate-');
});
afterAll(() => tmp.cleanup());

function project(c: Case): string {
  const dir = join(tmp.dir, c.name.replace(/\W+/g, '-'));
  for (const [f, text] of Object.entries(c.files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe.concurrent('metaorch validate: every problem at once, in plain words, at its line and column', () => {
  it('has at least 30 refused files', () => {
    expect(CASES.filter((c) => c.problems).length).toBeGreaterThanOrEqual(30);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const dir = project(c);
      const r = await runCli(['validate', 'exp.yaml'], { cwd: dir, env: { ...ENV, ...c.env } });
      const out = (text: string) => text.replaceAll(`${dir}/`, './').replaceAll(dir, '.').trimEnd().split('\n');
      if (c.valid !== undefined) {
        expect(r.stderr).toBe('');
        expect(out(r.stdout)[0]).toBe(c.valid);
        expect(r.code).toBe(0);
        return;
      }
      expect(out(r.stderr)).toEqual(c.problems);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      // No validator's own wording, anywhere.
      expect(r.stderr).not.toMatch(/Invalid input|Too small|Too big|Unrecognized key|Invalid option|received (number|string|array|object)|>=|<=|undefined/);
    });
  }
});

describe('run and the dashboard launcher list the same problems', () => {
  const example = CASES[0]!;
  let server: Served | undefined;
  afterAll(async () => server?.close());

  it('run refuses with the same lines and writes nothing', async () => {
    const dir = project(example);
    const r = await runCli(['run', 'exp.yaml', '--db', 'store.db'], { cwd: dir, env: ENV });
    expect(r.stderr.replaceAll(`${dir}/`, './').replaceAll(dir, '.').trimEnd().split('\n')).toEqual(example.problems);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'store.db'))).toBe(false);
  });

  it('the launcher shows each problem at its line', async () => {
    const dir = project(example);
    server = await serve(join(dir, 'serve.db'), dir, { OPENAI_API_KEY_X: ENV.OPENAI_API_KEY_X });
    const res = await fetch(`${server.url}/api/validate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ file: 'exp.yaml' }),
    });
    const body = (await res.json()) as { ok: boolean; issues: { line?: number; column?: number; path: string; message: string }[] };
    expect(body.ok).toBe(false);
    expect(body.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message.replaceAll(`${dir}/`, './').replaceAll(dir, '.')}`)).toEqual(
      example.problems!.slice(1).map((l) => l.replace(/^ {2}exp\.yaml:/, '')),
    );
  });
});

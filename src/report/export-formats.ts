/**
 * A run's trials as rows for other tools: JSON Lines (one self-contained trial per line, for pandas,
 * DuckDB or jq) and CSV (one row per trial, task inputs as `input.NAME` columns, for spreadsheets).
 * Both stream trial by trial, so a large run exports in constant memory.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Task } from '../model/task.js';
import type { RunData, TrialRecord } from '../store/records.js';

/** A finished (or scheduled) trial with its task, flat: what one JSONL line holds. */
export interface TrialRow {
  runId: string;
  seq: number;
  variantId: string;
  taskId: string;
  repeat: number;
  status: string;
  score: number | null;
  passed: boolean | null;
  latencyMs: number | null;
  /** Null when unknown (a CLI agent that did not report it), never 0 for unknown. */
  cost: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  attempts: number;
  errorKind: string | null;
  error: string | null;
  output: string | null;
  prompt: string | null;
  input: Record<string, unknown>;
  expected: unknown;
  scores: TrialRecord['scores'];
  cached: boolean;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * One trial and its task as a flat row.
 *
 * @example
 * trialRow('run-1', trial, task).variantId;
 */
export function trialRow(runId: string, t: TrialRecord, task: Task | undefined): TrialRow {
  return {
    runId, seq: t.seq, variantId: t.variantId, taskId: t.taskId, repeat: t.repeat, status: t.status, score: t.score, passed: t.passed,
    latencyMs: t.latencyMs, cost: t.cost, tokensIn: t.tokensIn, tokensOut: t.tokensOut, attempts: t.attempts.length,
    errorKind: t.errorKind, error: t.error, output: t.output, prompt: t.prompt, input: task?.input ?? {}, expected: task?.expected ?? null,
    scores: t.scores, cached: t.cached === true,
    startedAt: t.startedAt ? new Date(t.startedAt).toISOString() : null, finishedAt: t.finishedAt ? new Date(t.finishedAt).toISOString() : null,
  };
}

/**
 * JSON Lines: one trial per line.
 *
 * @example
 * await writeJsonLines(storeRunData(store, id), process.stdout);
 */
export async function writeJsonLines(data: RunData, out: Writable): Promise<void> {
  const tasks = taskIndex(data);
  for (const trial of data.trials()) await write(out, `${JSON.stringify(trialRow(data.run.id, trial, tasks.get(trial.taskId)))}\n`);
}

const CSV_COLUMNS = [
  'run_id', 'seq', 'variant', 'task_id', 'repeat', 'status', 'score', 'passed', 'latency_ms', 'cost', 'tokens_in', 'tokens_out',
  'attempts', 'error_kind', 'error', 'cached', 'started_at', 'finished_at', 'expected', 'output',
] as const;

/**
 * CSV: a header, then one row per trial; each task input field is an `input.NAME` column (objects as
 * JSON). Text cells that a spreadsheet would run as a formula (=, +, -, @ first) get a leading quote.
 *
 * @example
 * await writeCsv(storeRunData(store, id), process.stdout);
 */
export async function writeCsv(data: RunData, out: Writable): Promise<void> {
  const tasks = taskIndex(data);
  const inputs = [...new Set([...tasks.values()].flatMap((t) => Object.keys(t.input)))];
  await write(out, stringify([[...CSV_COLUMNS, ...inputs.map((k) => `input.${k}`)]], CSV_OPTIONS));
  for (const trial of data.trials()) {
    const r = trialRow(data.run.id, trial, tasks.get(trial.taskId));
    const row = [
      r.runId, r.seq, r.variantId, text(r.taskId), r.repeat, r.status, r.score, r.passed === null ? '' : r.passed, r.latencyMs, r.cost, r.tokensIn, r.tokensOut,
      r.attempts, r.errorKind, text(r.error), r.cached, r.startedAt, r.finishedAt, text(cell(r.expected)), text(r.output),
      ...inputs.map((k) => text(cell(r.input[k]))),
    ];
    await write(out, stringify([row.map((v) => (v === null || v === undefined ? '' : v))], CSV_OPTIONS));
  }
}

/** Booleans as true/false (csv-stringify writes 1 and an empty cell by default). */
const CSV_OPTIONS = { cast: { boolean: (value: boolean) => String(value) } };

function taskIndex(data: RunData): Map<string, Task> {
  return new Map(Array.from(data.tasks(), (t) => [t.id, t]));
}

function cell(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Defuses spreadsheet formulas in text: `=SUM(A1)` becomes `'=SUM(A1)` (numbers are left alone). */
function text(value: string | null): string | null {
  if (value === null) return null;
  return /^[=+\-@\t\r]/.test(value) && !/^[+-]?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

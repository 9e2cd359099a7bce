import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Experiment } from '../config/experiment.js';
import { describeJsonError } from '../model/files.js';
import { MetaorchError } from '../model/errors.js';
import type { Task } from '../model/task.js';
import { TRIAL_SCHEMA_VERSION } from '../model/trial.js';
import type { DecisionRecord, RunData, RunRecord, TrialRecord } from '../store/records.js';
import type { RunQueries } from '../store/run-queries.js';
import { totalsFromQueries } from './totals.js';

export const EXPORT_KIND = 'meta-orchestrator/run';

/** The exported run document: versioned, self-contained, accepted wherever a run id is. */
export interface RunExport {
  schemaVersion: number;
  kind: typeof EXPORT_KIND;
  exportedAt: string;
  run: RunRecord;
  experiment: Omit<Experiment, 'tasks'>;
  tasks: Task[];
  trials: TrialRecord[];
  /** The controller's decision log (absent from runs without a controller and from older exports). */
  decisions?: DecisionRecord[];
}

/**
 * A run in the store as RunData: its statistics from the totals saved when it ended, else from
 * aggregate queries; its tasks and trials streamed.
 *
 * @example
 * computeReport(storeRunData(queries, runId));
 */
export function storeRunData(queries: RunQueries, runId: string): RunData {
  const run = queries.getRun(runId);
  if (!run) throw new MetaorchError('RUN_NOT_FOUND', `No run '${runId}'.`);
  const experiment = queries.runConfig(runId);
  const saved = run.status === 'running' ? null : queries.savedStats(runId);
  return {
    run, experiment,
    tasks: () => queries.tasks(runId),
    trials: (options) => queries.trials(runId, options),
    stats: () => saved ?? totalsFromQueries(queries, runId, experiment.variants.map((v) => v.id)).stats(),
    decisions: () => queries.decisionLog(runId),
  };
}

/**
 * A run reference: an exported JSON file, or a run id / unique prefix / `latest` in the store.
 *
 * @example
 * const data = resolveRunData('run.json', () => queries);
 */
export function resolveRunData(ref: string, openQueries: () => RunQueries): RunData {
  if (isExportRef(ref)) {
    if (!existsSync(ref)) throw new MetaorchError('RUN_NOT_FOUND', `No exported run file '${ref}'.`);
    return readExport(ref);
  }
  const queries = openQueries();
  return storeRunData(queries, queries.resolveRunId(ref));
}

/** Whether a run reference names an exported file rather than a run in the store. */
export function isExportRef(ref: string): boolean {
  return ref.endsWith('.json') || (existsSync(ref) && !/^[\w-]+$/.test(ref));
}

export function readExport(file: string): RunData {
  let doc: Partial<RunExport>;
  const text = readFileSync(file, 'utf8');
  try {
    doc = JSON.parse(text) as Partial<RunExport>;
  } catch (e) {
    // Say where, never what: the path may name any file.
    throw new MetaorchError('USAGE', `${file} is not an exported run: ${describeJsonError(e, text)}`);
  }
  if (doc.kind !== EXPORT_KIND || typeof doc.schemaVersion !== 'number' || !doc.run || !doc.experiment || !Array.isArray(doc.trials)) {
    throw new MetaorchError('USAGE', `${file} is not an exported run (expected "kind": "${EXPORT_KIND}" from \`metaorch export\`).`);
  }
  if (doc.schemaVersion > TRIAL_SCHEMA_VERSION) {
    throw new MetaorchError('USAGE', `${file} has schema version ${doc.schemaVersion}; this meta-orchestrator reads up to ${TRIAL_SCHEMA_VERSION}. Upgrade it.`);
  }
  const trials = doc.trials;
  const tasks = doc.tasks ?? [];
  const decisions = doc.decisions ?? [];
  return { run: doc.run, experiment: doc.experiment, tasks: () => tasks, trials: () => trials, decisions: () => decisions };
}

/**
 * Streams a run as one JSON document, trial by trial, so exporting a large run stays in constant memory.
 *
 * @example
 * await writeExport(storeRunData(queries, id), process.stdout);
 */
export async function writeExport(data: RunData, out: Writable): Promise<void> {
  const decisions = data.decisions?.() ?? [];
  const head = {
    schemaVersion: TRIAL_SCHEMA_VERSION, kind: EXPORT_KIND, exportedAt: new Date().toISOString(), run: data.run,
    experiment: data.experiment, tasks: [...data.tasks()], ...(decisions.length ? { decisions } : {}),
  };
  const headJson = JSON.stringify(head, null, 0);
  await write(out, `${headJson.slice(0, -1)},"trials":[`);
  let first = true;
  for (const trial of data.trials({ prompts: true })) {
    await write(out, `${first ? '\n' : ',\n'}${JSON.stringify(trial)}`);
    first = false;
  }
  await write(out, '\n]}\n');
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

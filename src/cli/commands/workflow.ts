import { relative } from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../../model/errors.js';
import type { SqliteStore } from '../../store/sqlite-store.js';
import type { WorkflowResult, WorkflowRunOptions } from '../../workflows/run.js';
import type { WorkflowObserver } from '../../workflows/shell/runner.js';
import type { WorkflowState } from '../../workflows/state.js';
import { dbPath } from '../context.js';
import { interruptSignals } from '../signals.js';
import { renderWorkflowStatus } from '../workflow-status.js';

/** What the workflow commands use, loaded when one runs (`metaorch --help` lists them without it). */
const load = () => Promise.all([
  import('../../engine/run-id.js'), import('../../store/sqlite-store.js'), import('../../workflows/approvals.js'), import('../../workflows/compile.js'),
  import('../../workflows/front-matter.js'), import('../../workflows/run.js'), import('../../workflows/shell/sources.js'),
  import('../../workflows/shell/state-file.js'), import('../../workflows/view.js'),
]).then((modules) => Object.assign({}, ...modules) as UnionOf<typeof modules>);

type UnionOf<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R] ? H & UnionOf<R> : unknown;

/** Exit status of a workflow that paused at approval gates (neither done nor failed). */
export const EXIT_AWAITING_APPROVAL = 3;

/** 0 completed, 1 failed, 3 waiting for approval, 130 interrupted. */
export function workflowExitStatus(state: WorkflowState): number {
  switch (state.status) {
    case 'completed': return 0;
    case 'failed': return 1;
    case 'awaiting-approval': return EXIT_AWAITING_APPROVAL;
    default: return 130;
  }
}

const dbOption = () => new Option('--db <path>', 'SQLite store (default: $METAORCH_DB or .metaorch/metaorch.db)');
const graceOption = () => new Option('--grace <seconds>', 'on Ctrl-C, how long in-flight agent calls may finish').default('10');

interface RunFlags {
  db?: string;
  workdir?: string;
  force?: boolean;
  wait?: boolean;
  grace: string;
  progress: boolean;
  input?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--input name=value` (or `name=@file`) pairs. */
function parseInputs(pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`--input ${pair}: expected NAME=VALUE`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/**
 * `metaorch workflow ...`: validate, run, resume, status, approve, reject, schema.
 *
 * @example
 * program.addCommand(workflowCommand());
 */
export function workflowCommand(): Command {
  // Set before the subcommands are created: they copy it (errors become exit codes, not process.exit).
  const cmd = new Command('workflow')
    .description('Markdown workflows: phases of generate, review, approve, vote and check steps, run by agents, restartable')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  cmd.command('validate')
    .description('check a workflow document in full without running anything')
    .argument('<file>', 'the workflow (Markdown with YAML front matter)')
    .option('--input <name=value>', 'an input value (repeatable)', collect)
    .addOption(dbOption().hideHelp())
    .action(async (file: string, flags: { input?: string[] }) => {
      const { compileWorkflow } = await load();
      const plan = compileWorkflow(file, { inputs: parseInputs(flags.input) });
      const steps = Object.values(plan.steps);
      const kinds = new Map<string, number>();
      for (const s of steps) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
      console.log(
        `${file} is valid: ${plan.phases.length} phase(s), ${steps.length} step(s) (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), ` +
        `runtimes: ${plan.runtimes.map((r) => `${r.id} (${r.adapter})`).join(', ')}; inputs: ${Object.keys(plan.inputs).join(', ') || 'none'}.`,
      );
    });

  cmd.command('run')
    .description('validate and run a workflow; its state is kept in .metaorch/workflows/RUN/state.json')
    .argument('<file>', 'the workflow (Markdown with YAML front matter)')
    .option('--workdir <dir>', 'where artifacts are written and checks run (default: the current folder)')
    .addOption(dbOption())
    .option('--input <name=value>', 'an input value (repeatable)', collect)
    .option('--force', 'regenerate artifacts even when their files were edited by the user')
    .option('--wait', 'at approval gates, wait for the answers instead of exiting (status 3)')
    .addOption(graceOption())
    .option('--no-progress', 'no progress lines')
    .action(async (file: string, flags: RunFlags) => {
      const { compileWorkflow, SqliteStore, newRunId, startWorkflow } = await load();
      const plan = compileWorkflow(file, { inputs: parseInputs(flags.input) });
      const db = dbPath(flags.db);
      const store = SqliteStore.open(db);
      const runId = newRunId();
      console.log(`Workflow ${plan.name}: run ${runId}. Store: ${rel(db)}`);
      process.exitCode = await execute(store, db, flags, (o) => startWorkflow(plan, { ...o, runId, workdir: flags.workdir ?? process.cwd(), force: flags.force ?? false }));
    });

  cmd.command('resume')
    .description('continue a workflow after Ctrl-C, kill -9, an approval or a fix; finished steps never run again')
    .argument('<run>', 'run id, unique prefix, or "latest"')
    .addOption(dbOption())
    .option('--force', 'regenerate artifacts even when their files were edited by the user')
    .option('--wait', 'at approval gates, wait for the answers instead of exiting (status 3)')
    .addOption(graceOption())
    .option('--no-progress', 'no progress lines')
    .action(async (ref: string, flags: RunFlags) => {
      const { SqliteStore, loadState, workflowDir, loadWorkflowRun, workflowView, resumeWorkflow } = await load();
      const db = dbPath(flags.db);
      const store = SqliteStore.open(db);
      const runId = store.resolveRunId(ref);
      const state = loadState(workflowDir(db, runId));
      if (state.status === 'completed') {
        const { plan } = loadWorkflowRun(store, runId);
        console.log(renderWorkflowStatus(workflowView(plan, state)));
        console.log(`\nWorkflow run ${runId} already completed; nothing to resume.`);
        store.close();
        return;
      }
      console.log(`Resuming workflow run ${runId}. Store: ${rel(db)}`);
      process.exitCode = await execute(store, db, flags, (o) => resumeWorkflow(runId, { ...o, ...(flags.force !== undefined ? { force: flags.force } : {}) }));
    });

  cmd.command('status')
    .description('the phase tree of a workflow run: status, runtime, attempts, confidence, cost, tokens, review notes, pending approvals')
    .argument('<run>', 'run id, unique prefix, or "latest"')
    .addOption(dbOption())
    .option('--json', 'print the view as JSON')
    .option('--notes', 'show the review notes of each round')
    .action(async (ref: string, flags: { db?: string; json?: boolean; notes?: boolean }) => {
      const { SqliteStore, loadWorkflowRun, workflowView, loadState, workflowDir, viewHistory, voteHistory } = await load();
      const db = dbPath(flags.db);
      const store = SqliteStore.open(db);
      try {
        const runId = store.resolveRunId(ref);
        const { plan } = loadWorkflowRun(store, runId);
        const view = workflowView(plan, loadState(workflowDir(db, runId)), viewHistory(voteHistory(store, plan.name, runId)));
        console.log(flags.json ? JSON.stringify(view, null, 2) : renderWorkflowStatus(view, { notes: flags.notes ?? false }));
      } finally {
        store.close();
      }
    });

  for (const decision of ['approve', 'reject'] as const) {
    cmd.command(decision)
      .description(decision === 'approve' ? 'approve a step waiting at an approval gate' : 'reject a step at an approval gate; the note goes back to the step that produced the work')
      .argument('<run>', 'run id, unique prefix, or "latest"')
      .argument('<step>', 'the waiting approval (a step id, or an instance such as review[auth])')
      .addOption(dbOption())
      .addOption(new Option('--note <text>', decision === 'approve' ? 'a comment' : 'what to change (required)').makeOptionMandatory(decision === 'reject'))
      .option('--resume', 'continue the workflow in this process once the answer is recorded')
      .addOption(graceOption())
      .option('--no-progress', 'no progress lines')
      .action(async (ref: string, step: string, flags: RunFlags & { note?: string; resume?: boolean }) => {
        const { SqliteStore, loadWorkflowRun, workflowDir, answerApproval, loadState, resumeWorkflow } = await load();
        const db = dbPath(flags.db);
        const store = SqliteStore.open(db);
        const runId = store.resolveRunId(ref);
        loadWorkflowRun(store, runId);
        const dir = workflowDir(db, runId);
        const answer = answerApproval(loadState(dir), dir, step, decision, flags.note ?? null, 'cli');
        const run = store.getRun(runId);
        const live = run?.status === 'running' && run.pid !== null && isAlive(run.pid);
        console.log(`${answer.instance}: ${decision === 'approve' ? 'approved' : 'rejected'}${answer.note ? ` (${answer.note})` : ''}.`);
        if (live) {
          console.log(`The workflow process ${run.pid} applies it now.`);
          store.close();
          return;
        }
        if (!flags.resume) {
          console.log(`It applies when the workflow continues: metaorch workflow resume ${runId}${flags.db ? ` --db ${flags.db}` : ''}`);
          store.close();
          return;
        }
        process.exitCode = await execute(store, db, flags, (o) => resumeWorkflow(runId, o));
      });
  }

  cmd.command('schema')
    .description('print the JSON Schema of the workflow front matter')
    .addOption(dbOption().hideHelp())
    .action(async () => console.log(JSON.stringify((await load()).workflowJsonSchema(), null, 2)));

  return cmd;
}

async function execute(
  store: SqliteStore,
  db: string,
  flags: RunFlags,
  go: (o: WorkflowRunOptions) => Promise<WorkflowResult>,
): Promise<number> {
  const grace = Number(flags.grace);
  const signals = interruptSignals(Number.isFinite(grace) && grace >= 0 ? grace * 1000 : 10_000, {
    stopping: (signal, graceMs) => process.stderr.write(`\n${signal}: stopping; in-flight calls have ${Math.round(graceMs / 1000)}s to finish (Ctrl-C again to cancel them now).\n`),
    cancelling: (signal, why) => process.stderr.write(`${why === 'signal' ? signal : 'grace period over'}: cancelling in-flight calls.\n`),
  });
  const observer: WorkflowObserver = {
    onLog: (level, message) => {
      if (flags.progress || level !== 'info') process.stderr.write(`${time()} ${level === 'info' ? '' : `${level}: `}${message}\n`);
    },
    onStatus: (status, message) => {
      if (flags.progress && status !== 'running') process.stderr.write(`${time()} workflow ${status}${message ? `: ${message}` : ''}\n`);
    },
    onApprovalRequested: (instance, title) => process.stderr.write(`${time()} approval needed: ${instance} (${title})\n`),
  };
  const { loadWorkflowRun, workflowView } = await load();
  try {
    const result = await go({ store, dbPath: db, observer, stop: signals.stop, cancel: signals.cancel, ...(flags.wait ? { wait: true } : {}) });
    const { plan } = loadWorkflowRun(store, result.runId);
    console.log(`\n${renderWorkflowStatus(workflowView(plan, result.state))}\n`);
    const s = result.state;
    const dbFlag = flags.db ? ` --db ${flags.db}` : '';
    if (s.status === 'completed') console.log(`Workflow run ${s.runId} completed. State: ${rel(result.dir)}/state.json`);
    else if (s.status === 'failed') console.log(`Workflow run ${s.runId} FAILED: ${s.message ?? ''}\nFix the cause, then: metaorch workflow resume ${s.runId}${dbFlag}`);
    else if (s.status === 'awaiting-approval') console.log(`Workflow run ${s.runId} is waiting for approval; answer with metaorch workflow approve|reject ${s.runId} STEP${dbFlag}, then resume it.`);
    else console.log(`Workflow run ${s.runId} interrupted. Resume with: metaorch workflow resume ${s.runId}${dbFlag}`);
    return workflowExitStatus(s);
  } finally {
    signals.dispose();
    store.close();
  }
}

function time(): string {
  return `[${new Date().toTimeString().slice(0, 8)}]`;
}

function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

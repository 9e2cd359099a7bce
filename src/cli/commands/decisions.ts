import { Command, Option } from 'commander';
import { summariseDecisions, type DecisionSummary } from '../../report/decisions.js';
import { UsageError } from '../../model/errors.js';
import { fmt } from '../../report/format.js';
import { table } from '../../report/table.js';
import type { DecisionRecord } from '../../store/records.js';
import { dbPath, lazyQueries } from '../context.js';

/** Version of `metaorch decisions --format json`. */
export const DECISIONS_SCHEMA_VERSION = 1;

interface Evidence {
  statistic?: number;
  threshold?: number;
  test?: string;
  baseline?: number | null;
  current?: number | null;
  samples?: { baseline: number; current: number };
}

function evidenceText(d: DecisionRecord): string {
  const e = d.evidence as Evidence | null;
  if (!e || e.statistic === undefined || e.threshold === undefined) return '–';
  const n = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
  return `${n(e.statistic)} vs ${n(e.threshold)}${e.samples ? ` (n ${e.samples.current})` : ''}`;
}

/** One line that says what the summary says, for the end of a run and the decisions table. */
export function summaryText(s: DecisionSummary): string {
  if (s.total === 0) return 'Controller: no decisions.';
  const kinds = Object.entries(s.byKind).map(([k, n]) => `${n} ${k}`).join(', ');
  const v = s.validation;
  const judged = v.beneficial + v.neutral + v.harmful;
  const validated = v.tested
    ? `; validated: ${v.beneficial} beneficial, ${v.neutral} neutral, ${v.harmful} harmful${judged ? ` (${fmt.pct(v.shares.beneficial, 0)} / ${fmt.pct(v.shares.neutral, 0)} / ${fmt.pct(v.shares.harmful, 0)})` : ''}${v.pending ? `, ${v.pending} pending` : ''}`
    : '';
  const esc = s.escalations.sent + s.escalations.failed ? `; escalations: ${s.escalations.sent} sent, ${s.escalations.failed} failed` : '';
  return `Controller: ${s.total} decision(s) (${kinds})${validated}${esc}.`;
}

/**
 * `metaorch decisions RUN`: the controller's decision log with evidence and validation.
 *
 * @example
 * metaorch decisions latest --format json
 */
export function decisionsCommand(): Command {
  return new Command('decisions')
    .description("show a run's controller decisions: kind, target, reason, evidence, validation, what undid them")
    .argument('<run>', 'run id, unique prefix, or "latest"')
    .option('--db <path>', 'SQLite store (default: $METAORCH_DB or .metaorch/metaorch.db)')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (ref: string, flags: { db?: string; format: 'table' | 'json' }) => {
      const store = await lazyQueries(dbPath(flags.db));
      try {
        const runId = store.get().resolveRunId(ref);
        const run = store.get().getRun(runId)!;
        const decisions = store.get().decisionLog(runId);
        const summary = summariseDecisions(decisions);
        if (flags.format === 'json') {
          const doc = {
            schemaVersion: DECISIONS_SCHEMA_VERSION, kind: 'meta-orchestrator/decisions',
            run: { id: run.id, name: run.name, mode: run.mode, status: run.status }, summary, decisions,
          };
          console.log(JSON.stringify(doc, null, 2));
          return;
        }
        if (decisions.length === 0) {
          const controlled = store.get().runConfig(runId).controller !== undefined;
          console.log(controlled ? `Run ${runId}: the controller has taken no decision.` : `Run ${runId} has no controller (add controller: {} to the experiment).`);
          return;
        }
        console.log(table(
          ['id', 'trial', 'kind', 'target', 'by', 'validation', 'undone by', 'statistic vs threshold', 'reason'],
          decisions.map((d) => [
            String(d.id), fmt.int(d.atTrial), d.kind, d.target, d.source, d.validation.status, d.undoneBy === null ? '–' : String(d.undoneBy),
            evidenceText(d), d.reason,
          ]),
        ));
        console.log(`\n${summaryText(summary)}`);
      } finally {
        store.close();
      }
    });
}

/**
 * `metaorch undo RUN DECISION`: reverts a decision by hand; logged as a rollback with source manual.
 *
 * @example
 * metaorch undo latest 3 --reason "false alarm: the provider had a planned restart"
 */
export function undoCommand(): Command {
  return new Command('undo')
    .description('revert a controller decision by hand (reweight, quarantine, probe, restore, reset); the rollback is logged')
    .argument('<run>', 'run id, unique prefix, or "latest"')
    .argument('<decision>', 'decision id (see metaorch decisions)')
    .option('--reason <text>', 'why, for the log', 'undone by hand')
    .option('--db <path>', 'SQLite store (default: $METAORCH_DB or .metaorch/metaorch.db)')
    .action(async (ref: string, idText: string, flags: { db?: string; reason: string }) => {
      const id = Number(idText);
      if (!Number.isInteger(id) || id < 1) throw new UsageError(`decision: expected a decision id (a whole number from 1), got '${idText}'`);
      const [{ SqliteStore }, { undoDecision }] = await Promise.all([import('../../store/sqlite-store.js'), import('../../engine/controller-commands.js')]);
      const store = SqliteStore.open(dbPath(flags.db));
      try {
        const runId = store.resolveRunId(ref);
        const run = store.getRun(runId)!;
        const live = run.status === 'running' && run.pid !== null && isAlive(run.pid);
        const result = await undoDecision(store, runId, id, flags.reason, { live });
        if (result.status === 'requested') {
          console.log(`Undo of decision ${id} requested (command ${result.command}); the running run applies it at its next check.`);
          return;
        }
        console.log(`Decision ${id} undone by decision ${result.rollback.id} (${result.by === 'live run' ? 'applied by the running run' : 'applied to the stored run; resume continues from it'}): ${result.rollback.reason}`);
      } finally {
        store.close();
      }
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

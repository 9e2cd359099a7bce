/**
 * What a workflow process reads once when it starts or resumes: the input values, the knowledge
 * sections, and what earlier runs of the same workflow measured (from the store, the source of truth
 * for agent calls): the rewards of each step's runtimes, rework norms, and voters' dissent.
 */
import { readFileSync } from 'node:fs';
import type { WorkflowTrial } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { sectionsOf, type KnowledgeSection } from '../knowledge.js';
import type { MachineContext } from '../machine/types.js';
import type { DissentRecord } from '../vote-core.js';
import type { WorkflowPlan } from '../model.js';

/** Input values: inline values, and the content of file inputs. */
export function readInputs(plan: WorkflowPlan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(plan.inputs)) out[name] = spec.file !== undefined ? readFileSync(spec.file, 'utf8') : spec.value;
  return out;
}

export function readKnowledge(plan: WorkflowPlan): KnowledgeSection[] {
  return plan.knowledge.flatMap((k) => sectionsOf(k.name, readFileSync(k.file, 'utf8')));
}

/** A decided vote as its `vote` event records it. */
export interface VoteRecord {
  step: string;
  latencyMs: number;
  ballots: { voter: string; against: boolean }[];
}

/**
 * The `vote` events of every other run of the workflow, oldest first.
 *
 * @example
 * const votes = voteHistory(store, plan.name, runId);
 */
export function voteHistory(store: Pick<Store, 'workflowEvents'>, name: string, exceptRun: string): VoteRecord[] {
  return store.workflowEvents(name, 'vote', exceptRun).map((e) => e.data as VoteRecord);
}

/** The step id of a step instance: `code[auth]` -> `code`. */
export const stepOf = (instance: string): string => instance.replace(/\[.*$/, '');

/**
 * @example
 * const ctx = contextFromHistory(store.workflowHistory(plan.name, runId));
 */
export function contextFromHistory(history: readonly WorkflowTrial[], votes: readonly VoteRecord[] = []): MachineContext {
  const ctx: MachineContext = { priors: {}, reworkNorms: {}, dissent: [] };
  const callsPerInstance = new Map<string, { step: string; calls: number }>();
  for (const t of history) {
    const step = stepOf(t.taskId);
    if (t.kind === 'generate') {
      if (t.reward !== null) (ctx.priors[step] ??= []).push({ runtime: t.variantId, reward: t.reward });
      const key = `${t.runId}/${t.taskId}`;
      const c = callsPerInstance.get(key) ?? { step, calls: 0 };
      c.calls++;
      callsPerInstance.set(key, c);
    }
  }
  for (const v of votes) for (const b of v.ballots) ctx.dissent.push({ voter: b.voter, against: b.against });
  const sums = new Map<string, { total: number; n: number }>();
  for (const { step, calls } of callsPerInstance.values()) {
    const s = sums.get(step) ?? { total: 0, n: 0 };
    s.total += calls;
    s.n++;
    sums.set(step, s);
  }
  for (const [step, s] of sums) ctx.reworkNorms[step] = s.total / s.n;
  return ctx;
}

/** What earlier runs add to a status view: their ballots and consensus latencies. */
export function viewHistory(votes: readonly VoteRecord[]): { dissent: DissentRecord[]; latencies: number[] } {
  return { dissent: votes.flatMap((v) => v.ballots.map((b) => ({ voter: b.voter, against: b.against }))), latencies: votes.map((v) => v.latencyMs) };
}

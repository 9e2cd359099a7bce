/**
 * Answers to approval gates. `metaorch workflow approve/reject` and the dashboard write an answer file
 * into the run's `answers/` folder; the workflow process (the only writer of state.json) applies it:
 * at once when it is running, else when the run is resumed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetaorchError } from '../model/errors.js';
import { writeAtomic } from './shell/state-file.js';
import type { WorkflowState } from './state.js';

export interface ApprovalAnswer {
  instance: string;
  decision: 'approve' | 'reject';
  note: string | null;
  at: number;
  by: string;
}

/** Approvals waiting for an answer, with answers already given but not yet applied. */
export function pendingApprovals(state: WorkflowState, dir: string): { instance: string; since: number; answered: ApprovalAnswer | null }[] {
  const given = answersIn(dir);
  return Object.values(state.instances)
    .filter((i) => i.status === 'awaiting-approval')
    .map((i) => ({ instance: i.id, since: i.approval?.requestedAt ?? 0, answered: given.find((a) => a.instance === i.id) ?? null }));
}

/**
 * Records an answer for a waiting approval. `ref` is the approval's id (the step instance, e.g.
 * `sign-off` or `review-code[auth]`), or a step id when exactly one of its instances waits.
 *
 * @example
 * answerApproval(state, dir, 'sign-off', 'reject', 'add error handling', 'cli');
 */
export function answerApproval(state: WorkflowState, dir: string, ref: string, decision: 'approve' | 'reject', note: string | null, by: string): ApprovalAnswer {
  const waiting = pendingApprovals(state, dir);
  const matches = waiting.filter((w) => w.instance === ref || w.instance.replace(/\[.*$/, '') === ref);
  const exact = matches.find((w) => w.instance === ref);
  const target = exact ?? (matches.length === 1 ? matches[0] : undefined);
  if (!target) {
    const inst = state.instances[ref];
    const list = waiting.length ? `Waiting: ${waiting.map((w) => w.instance).join(', ')}.` : 'Nothing is waiting for approval in this run.';
    if (matches.length > 1) throw new MetaorchError('USAGE', `'${ref}' names several waiting approvals (${matches.map((m) => m.instance).join(', ')}); give one of them.`);
    const what = inst ? `step '${ref}' is not waiting for approval (it is ${inst.status})` : `run ${state.runId} has no step '${ref}'`;
    throw new MetaorchError('USAGE', `${what}. ${list}`);
  }
  if (target.answered) {
    throw new MetaorchError('USAGE', `'${target.instance}' was already answered (${target.answered.decision}); the answer applies when the workflow runs (metaorch workflow resume ${state.runId}).`);
  }
  if (decision === 'reject' && !note?.trim()) throw new MetaorchError('USAGE', 'a rejection needs --note "what to change": the note goes back to the step that produced the work.');
  const answer: ApprovalAnswer = { instance: target.instance, decision, note: note?.trim() || null, at: Date.now(), by };
  const safe = target.instance.replace(/[^\w.-]+/g, '_');
  writeAtomic(join(dir, 'answers', `${answer.at}-${safe}.json`), `${JSON.stringify(answer)}\n`);
  return answer;
}

function answersIn(dir: string): ApprovalAnswer[] {
  const inbox = join(dir, 'answers');
  if (!existsSync(inbox)) return [];
  const out: ApprovalAnswer[] = [];
  for (const f of readdirSync(inbox).filter((x) => x.endsWith('.json'))) {
    try {
      out.push(JSON.parse(readFileSync(join(inbox, f), 'utf8')) as ApprovalAnswer);
    } catch {
      // a half-written answer cannot exist (atomic writes); anything else is not ours
    }
  }
  return out;
}

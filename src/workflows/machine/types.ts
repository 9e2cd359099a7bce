/**
 * What the step machine is told (events) and what it asks its shell to do (actions). The machine is
 * `(plan, state, event, context) -> { state, actions }` and does nothing itself.
 */
import type { Escalation } from '../antipatterns.js';
import type { RewardRecord } from '../bandit.js';
import type { DissentRecord } from '../vote-core.js';
import type { Binding, CallOutcome, WorkflowStatus } from '../state.js';

/** What earlier runs of the workflow measured (read from the store when a run starts or resumes). */
export interface MachineContext {
  /** Per step id, the rewards its runtimes earned. */
  priors: Record<string, RewardRecord[]>;
  /** Per step id, the mean rounds plus retries it needed. */
  reworkNorms: Record<string, number>;
  /** Every earlier ballot: did the voter vote against the winner? */
  dissent: DissentRecord[];
}

export const EMPTY_CONTEXT: MachineContext = { priors: {}, reworkNorms: {}, dissent: [] };

/** A finished file inspection, for user_modified detection (done while preparing a generate call). */
export interface Inspection {
  status: 'absent' | 'ours' | 'user-modified';
  sha256?: string;
  content?: string;
}

export type MachineEvent =
  | { type: 'start'; now: number }
  | {
      type: 'prepared';
      seq: number;
      brief: string;
      context: { tokens: number; chars: number; knowledge: { included: KnowledgeRef[]; excluded: KnowledgeRef[] } };
      inspection?: Inspection;
      now: number;
    }
  | { type: 'call-finished'; seq: number; outcome: CallOutcome; now: number }
  | { type: 'expanded'; instance: string; items: { key: string; value: unknown }[] | null; error?: string; now: number }
  | { type: 'check-finished'; instance: string; exitCode: number | null; output: string; now: number }
  | { type: 'approval'; instance: string; decision: 'approve' | 'reject'; note: string | null; now: number }
  | { type: 'artifact-written'; name: string; now: number }
  | { type: 'tick'; now: number }
  | { type: 'interrupt'; now: number };

export interface KnowledgeRef {
  source: string;
  heading: string;
  tokens: number;
}

/** Everything the shell needs to build a brief; rendering reads inputs, artifacts and knowledge files. */
export interface BriefSpec {
  role: 'generate' | 'review' | 'voter';
  title: string;
  prompt: string;
  bindings: Binding[];
  /** The step's declared inputs: names its prompt references. */
  refs: string[];
  /** Artifact instances the step reads -> the reference they fill (several fill one after a for-each). */
  artifacts: Record<string, string>;
  /** Values of votes visible to the step: ref name -> decision. */
  values: Record<string, string>;
  knowledge: string[];
  knowledgeBudget: number;
  feedback: string | null;
  /** generate: the file written; review: the artifact reviewed (its path). */
  file: string | null;
  /** review: the artifact's name; generate: the previous version to revise, when there is one. */
  artifact: string | null;
  round: number;
  options: string[] | null;
}

/** Where a for-each's list comes from: an input, a generated artifact, or a vote's decision. */
export type ListSource = { kind: 'input' } | { kind: 'artifact'; name: string } | { kind: 'value'; value: string };

export interface TrialRecordAction {
  type: 'record-trial';
  seq: number;
  instance: string;
  runtime: string;
  taskIdx: number;
  repeat: number;
  seed: number;
  prompt: string;
  outcome: CallOutcome;
  score: number | null;
  passed: boolean | null;
  reward: number | null;
}

export type MachineAction =
  | { type: 'define-task'; taskIdx: number; instance: string; step: string; kind: string; phase: string; bindings: Binding[] }
  | { type: 'prepare'; seq: number; instance: string; brief: BriefSpec; inspect: string | null }
  | { type: 'dispatch'; seq: number; instance: string; runtime: string; taskIdx: number; repeat: number; seed: number; brief: string; timeoutMs: number }
  | TrialRecordAction
  | { type: 'expand'; instance: string; list: string; source: ListSource; bindings: Binding[] }
  | { type: 'run-check'; instance: string; command: string; cwd: string; timeoutMs: number }
  | { type: 'write-artifact'; name: string; path: string; content: string; notes: string | null }
  | { type: 'write-notes'; name: string; path: string; notes: string }
  | { type: 'await-approval'; instance: string; title: string; target: string | null }
  | { type: 'escalate'; escalation: Escalation }
  | { type: 'vote-decided'; instance: string; step: string; latencyMs: number; ballots: { voter: string; against: boolean }[]; winner: string | null; consensus: boolean; threshold: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; instance?: string }
  | { type: 'status'; status: WorkflowStatus; message: string | null };

export interface TransitionResult<S> {
  state: S;
  actions: MachineAction[];
}

/**
 * The compiled form of a workflow document: what `parseWorkflow` + `compileWorkflow` produce from the
 * Markdown and what the step machine executes. Plain data, stored in the run's state, so a resumed
 * workflow runs what was validated, not a file that may have changed since.
 */
import type { EscalationConfig } from '../controller/escalation.js';
import type { VariantSpec } from '../config/experiment.js';

/** Kinds of step a document can hold. `parallel` and `for-each` are groups of steps. */
export const STEP_KINDS = ['generate', 'review', 'approve', 'vote', 'check', 'parallel', 'for-each'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** How strongly a vote must agree: every decision, critical ones only, or adapted to measured dissent. */
export type Consensus = 'every' | 'critical' | 'adaptive';

/** One condition of a phase's exit criterion, e.g. `design score >= 0.8` or `tests passed`. */
export interface ExitCondition {
  /** An output name or a step id. */
  name: string;
  test: 'exists' | 'passed' | 'approved' | 'score' | 'confidence';
  /** For `score` / `confidence`: the bound it must reach. */
  atLeast?: number;
  /** As written, for messages. */
  text: string;
}

interface StepBase {
  id: string;
  kind: StepKind;
  title: string;
  /** Line of the step's heading in the document. */
  line: number;
  phase: string;
  /** The enclosing group step, if any. */
  parent: string | null;
  /** The Markdown under the step: its prompt, with `{{name}}` references. */
  prompt: string;
  /** Line where the prompt starts. */
  promptLine: number;
  /** Names the prompt references (inputs, earlier outputs, for-each variables): the step's declared inputs. */
  refs: string[];
  retries: number;
  minConfidence: number;
  timeoutMs: number;
  /** Knowledge sections the brief includes (heading text or `#tag`), within `knowledgeBudget` tokens. */
  knowledge: string[];
  knowledgeBudget: number;
  /** Steps (or outputs) of the same parallel group to wait for, besides those whose outputs it uses. */
  after: string[];
}

export interface GenerateStep extends StepBase {
  kind: 'generate';
  /** Name of the artifact produced. */
  output: string;
  /** File it is written to, relative to the work folder; may use for-each variables. */
  file: string;
  /** Runtimes a bandit chooses among, per step instance; one entry means no choice. */
  with: string[];
  /** Files the agent edits itself (CLI agents), tracked in the manifest. */
  writes: string[];
}

export interface ReviewStep extends StepBase {
  kind: 'review';
  /** The artifact reviewed; produced by an earlier generate step of the same sequence. */
  target: string;
  /** The generate step producing the target: where a failed review sends the work back. */
  producer: string;
  by: string[];
  /** Score the review must give for the loop to end. */
  pass: number;
  /** Most generate -> review rounds. */
  rounds: number;
}

export interface ApproveStep extends StepBase {
  kind: 'approve';
  /** The artifact approved, if any: a rejection goes back to its producer. */
  target: string | null;
  /** Where a rejection sends the work back: the target's producer, else the step before the gate. */
  backTo: string | null;
  /** After this long, a waiting approval is reported as a deadlock; null: never. */
  approvalTimeoutMs: number | null;
}

export interface VoteStep extends StepBase {
  kind: 'vote';
  output: string;
  voters: string[];
  /** Most ballots cast (voters are cycled); early stopping usually needs far fewer. */
  maxVoters: number;
  /** Ballots cast before the stopping rule is consulted. */
  minVoters: number;
  options: string[] | null;
  /** Base consensus share the winner needs. */
  threshold: number;
  consensus: Consensus;
  critical: boolean;
  /** Adaptive-Consistency's stopping confidence. */
  stopConfidence: number;
}

export interface CheckStep extends StepBase {
  kind: 'check';
  command: string;
  /** Folder the command runs in, relative to the work folder. */
  cwd: string;
  /** On failure, send the work back to the producer of this output with the command's output. */
  fix: string | null;
  fixProducer: string | null;
}

export interface ParallelStep extends StepBase {
  kind: 'parallel';
  children: string[];
}

export interface ForEachStep extends StepBase {
  kind: 'for-each';
  /** Variable bound to each item, e.g. `component`. */
  item: string;
  /** The list iterated: an input or an earlier output. */
  list: string;
  children: string[];
}

export type StepNode = GenerateStep | ReviewStep | ApproveStep | VoteStep | CheckStep | ParallelStep | ForEachStep;

export interface PhaseNode {
  id: string;
  title: string;
  line: number;
  /** Declared inputs (empty: any earlier output). */
  inputs: string[];
  /** Declared outputs (empty: every output produced in the phase is visible later). */
  outputs: string[];
  exit: ExitCondition[];
  /** Top-level steps, in document order: they run one after the other. */
  steps: string[];
  description: string;
}

export interface InputSpec {
  value?: unknown;
  /** Absolute path; its content is the value. */
  file?: string;
  description?: string;
}

export interface WorkflowDefaults {
  runtime: string;
  reviewer: string;
  retries: number;
  minConfidence: number;
  rounds: number;
  pass: number;
  concurrency: number;
  timeoutMs: number;
  voters: number;
  knowledgeBudget: number;
}

/** A Markdown file of curated knowledge: its sections are loaded selectively into briefs. */
export interface KnowledgeFile {
  name: string;
  file: string;
}

export interface WorkflowPlan {
  schemaVersion: 1;
  name: string;
  description: string;
  /** The document, absolute, and the SHA-256 of its text when compiled. */
  file: string;
  sha256: string;
  baseDir: string;
  seed: number | null;
  inputs: Record<string, InputSpec>;
  runtimes: VariantSpec[];
  defaults: WorkflowDefaults;
  knowledge: KnowledgeFile[];
  phases: PhaseNode[];
  steps: Record<string, StepNode>;
  /** Output name -> the step producing it. */
  producers: Record<string, string>;
  /** Where escalations go besides the decision log (front matter `escalate:`); absent in plans stored before it existed. */
  escalate?: EscalationConfig | null;
}

/**
 * The state of one workflow run: where it stands (every step instance with its status, attempts,
 * confidence, cost), its artifacts and the agent calls in flight. Written to
 * `.metaorch/workflows/RUN/state.json` at every transition and validated against this schema when
 * loaded, so a hand-edited or damaged file is a clear error naming the field, not a crash.
 */
import * as z from 'zod';

export const STATE_SCHEMA_VERSION = 1;

const nullableNumber = z.number().nullable();

export const instanceStatusSchema = z.enum(['pending', 'running', 'awaiting-approval', 'done', 'failed']);
export type InstanceStatus = z.infer<typeof instanceStatusSchema>;

export const workflowStatusSchema = z.enum(['running', 'awaiting-approval', 'completed', 'failed', 'interrupted']);
export type WorkflowStatus = z.infer<typeof workflowStatusSchema>;

const bindingSchema = z.object({ item: z.string(), key: z.string(), value: z.unknown() });
export type Binding = z.infer<typeof bindingSchema>;

const reviewRecordSchema = z.object({ round: z.number().int(), score: z.number(), passed: z.boolean(), hash: z.string() });

const ballotSchema = z.object({ seq: z.number().int(), voter: z.string(), choice: z.string(), confidence: z.number() });

const knowledgeEntry = z.object({ source: z.string(), heading: z.string(), tokens: z.number() });

export const instanceSchema = z.object({
  id: z.string(),
  step: z.string(),
  /** The group instance this one belongs to (a for-each item's steps belong to the for-each). */
  parent: z.string().nullable(),
  status: instanceStatusSchema,
  bindings: z.array(bindingSchema),
  taskIdx: z.number().int().nullable(),
  /** Agent calls or commands made. */
  attempts: z.number().int().min(0),
  /** Failures so far (errors, unreadable answers, failed checks): at most `retries` are retried. */
  failures: z.number().int().min(0),
  /** generate: versions produced; review: reviews made; approve: rejections. */
  rounds: z.number().int().min(0),
  runtime: z.string().nullable(),
  confidence: nullableNumber,
  score: nullableNumber,
  passed: z.boolean().nullable(),
  /** What the next round is told: review notes, a rejection note, a failed check's output. */
  feedback: z.string().nullable(),
  /** Size of the last brief, and the knowledge sections it included. */
  context: z.object({ tokens: z.number(), chars: z.number(), knowledge: z.object({ included: z.array(knowledgeEntry), excluded: z.array(knowledgeEntry) }) }).nullable(),
  cost: z.number(),
  costUnknown: z.boolean(),
  tokensIn: z.number(),
  tokensOut: z.number(),
  tokensUnknown: z.boolean(),
  trials: z.array(z.number().int()),
  error: z.string().nullable(),
  userModified: z.boolean(),
  startedAt: nullableNumber,
  finishedAt: nullableNumber,
  /** generate: the reviews of its artifact, round by round. */
  history: z.array(reviewRecordSchema),
  /** for-each: the items, once the list is read. */
  items: z.array(z.object({ key: z.string(), value: z.unknown() })).nullable(),
  vote: z
    .object({
      ballots: z.array(ballotSchema),
      threshold: z.number(),
      startedAt: z.number(),
      decidedAt: nullableNumber,
      reason: z.string().nullable(),
      winner: z.string().nullable(),
      consensus: z.boolean().nullable(),
    })
    .nullable(),
  check: z.object({ exitCode: z.number().nullable(), output: z.string() }).nullable(),
  approval: z
    .object({ requestedAt: z.number(), answeredAt: nullableNumber, decision: z.enum(['approve', 'reject']).nullable(), note: z.string().nullable(), escalated: z.boolean() })
    .nullable(),
  /** A vote's decision, a check's verdict: short text shown in status views. */
  output: z.string().nullable(),
});
export type InstanceState = z.infer<typeof instanceSchema>;

export const artifactSchema = z.object({
  name: z.string(),
  /** Relative to the work folder. */
  path: z.string(),
  producer: z.string(),
  version: z.number().int(),
  /** SHA-256 of the content without its REVIEW NOTES section. */
  sha256: z.string(),
  /** Every version this run wrote: a file matching one of them was not edited by the user. */
  hashes: z.array(z.string()),
  /** The content to write, kept until the write is confirmed (so a crash before it is repaired). */
  content: z.string().nullable(),
  reviews: z.array(z.object({ round: z.number().int(), score: z.number(), runtime: z.string(), notes: z.string() })),
  /** The REVIEW NOTES section must be (re)written. */
  notesPending: z.boolean(),
  userModified: z.boolean(),
});
export type ArtifactState = z.infer<typeof artifactSchema>;

const outcomeSchema = z.object({
  status: z.enum(['ok', 'error']),
  output: z.string().nullable(),
  error: z.object({ kind: z.string(), message: z.string(), status: z.number().optional(), retryable: z.boolean() }).nullable(),
  attempts: z.array(z.object({ n: z.number(), latencyMs: z.number(), error: z.unknown().optional() })),
  latencyMs: z.number(),
  tokens: z.object({ input: nullableNumber, output: nullableNumber }),
  cost: nullableNumber,
  startedAt: z.number(),
  finishedAt: z.number(),
});
export type CallOutcome = z.infer<typeof outcomeSchema>;

export const callSchema = z.object({
  seq: z.number().int(),
  instance: z.string(),
  role: z.enum(['generate', 'review', 'voter']),
  runtime: z.string(),
  taskIdx: z.number().int(),
  repeat: z.number().int(),
  seed: z.number().int(),
  /** preparing: the brief is being built; dispatched: the call may be in flight; finished: awaiting its score. */
  phase: z.enum(['preparing', 'dispatched', 'finished']),
  brief: z.string().nullable(),
  outcome: outcomeSchema.nullable(),
});
export type CallState = z.infer<typeof callSchema>;

export const workflowStateSchema = z.object({
  schemaVersion: z.literal(STATE_SCHEMA_VERSION),
  kind: z.literal('meta-orchestrator/workflow-state'),
  runId: z.string(),
  workflow: z.object({ name: z.string(), file: z.string(), sha256: z.string() }),
  workdir: z.string(),
  seed: z.number().int(),
  force: z.boolean(),
  status: workflowStatusSchema,
  message: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  nextSeq: z.number().int(),
  nextTaskIdx: z.number().int(),
  phases: z.record(z.string(), z.object({ status: z.enum(['pending', 'running', 'done', 'failed']), exit: z.array(z.object({ text: z.string(), met: z.boolean(), detail: z.string() })) })),
  instances: z.record(z.string(), instanceSchema),
  artifacts: z.record(z.string(), artifactSchema),
  calls: z.record(z.string(), callSchema),
  /** Review scores of this run's generate steps, per step: the bandit's reward history. */
  rewards: z.record(z.string(), z.array(z.object({ runtime: z.string(), reward: z.number() }))),
  escalations: z.array(z.object({ kind: z.string(), target: z.string(), reason: z.string(), evidence: z.record(z.string(), z.unknown()), at: z.number() })),
});
export type WorkflowState = z.infer<typeof workflowStateSchema>;

/**
 * A fresh instance record.
 *
 * @example
 * newInstance('draft', 'draft', null, []);
 */
export function newInstance(id: string, step: string, parent: string | null, bindings: Binding[]): InstanceState {
  return {
    id, step, parent, status: 'pending', bindings, taskIdx: null, attempts: 0, failures: 0, rounds: 0, runtime: null,
    confidence: null, score: null, passed: null, feedback: null, context: null, cost: 0, costUnknown: false, tokensIn: 0,
    tokensOut: 0, tokensUnknown: false, trials: [], error: null, userModified: false, startedAt: null, finishedAt: null,
    history: [], items: null, vote: null, check: null, approval: null, output: null,
  };
}

/** Instance id of a step under for-each bindings: `code` -> `code[auth]`, nested `x[a][b]`. */
export function instanceId(step: string, bindings: readonly Binding[]): string {
  return step + bindings.map((b) => `[${b.key}]`).join('');
}

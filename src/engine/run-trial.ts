import { createRandom } from '../model/random.js';
import { AdapterError } from '../adapters/errors.js';
import { cacheKey } from '../cache/response-cache.js';
import type { Attempt, TrialError, TrialOutcome, TrialSpec, TrialTokens } from '../model/trial.js';
import { scoreAll } from '../scoring/combine.js';
import { renderTemplate } from '../tasks/template.js';
import { sleep } from '../adapters/sleep.js';
import { AttemptTimeout, classifyError, TrialCancelled } from './classify.js';
import { backoffDelay } from './retry.js';
import type { TrialRuntime, VariantRuntime } from './runtime.js';

/**
 * Runs one trial: render the prompt, call the variant's adapter with timeout and retries, score the
 * output, price the tokens. Every executor calls this same function, so a trial means the same thing
 * in process, in a child process and on a remote worker. Throws TrialCancelled when `cancel` aborts:
 * a cancelled trial is not recorded, and resume runs it again under the same id.
 *
 * @example
 * const outcome = await runTrial(spec, runtime, new AbortController().signal);
 */
export async function runTrial(spec: TrialSpec, runtime: TrialRuntime, cancel: AbortSignal): Promise<TrialOutcome> {
  const variant = runtime.variants.get(spec.variantId);
  if (!variant) throw new Error(`trial ${spec.seq} names unknown variant '${spec.variantId}'`);
  const startedAt = Date.now();
  const rng = createRandom(spec.seed);
  const prompt = trialPrompt(variant.prompt, spec.task.input);
  const system = variant.system !== undefined ? renderTemplate(variant.system, spec.task.input) : undefined;
  const attempts: Attempt[] = [];
  let lastError: TrialError | null = null;
  const key = runtime.cache && variant.cacheIdentity !== undefined ? cacheKey(variant.cacheIdentity, prompt, system, spec.repeat) : undefined;
  const hit = key !== undefined ? runtime.cache?.get(key) : undefined;
  if (hit) {
    // Answered before: no call, no cost, no latency (the store keeps none, so statistics leave it out).
    const cached = await finish(spec, runtime, { prompt, output: hit.output, attempts: [{ n: 1, latencyMs: 0 }], tokens: hit.tokens, cost: 0, startedAt, latencyMs: 0 }, cancel);
    cached.cached = true;
    return cached;
  }
  // A failed attempt usually costs nothing (a 429, a 5xx); one that may have spent unreported tokens
  // (a CLI that ran, then failed) makes the trial's usage unknown.
  let usageUnknown = false;

  for (let n = 1; n <= variant.retries + 1; n++) {
    if (cancel.aborted) throw new TrialCancelled();
    // The clock starts when the call does: waiting for the variant's concurrency or rate limit is not latency.
    const clock = { start: performance.now() };
    try {
      const response = await callOnce(variant, { prompt, system, spec, rng: rng.fork(n), attempt: n }, cancel, clock);
      const latencyMs = performance.now() - clock.start;
      attempts.push({ n, latencyMs });
      const tokens: TrialTokens = usageUnknown ? { input: null, output: null } : { input: response.tokens?.input ?? null, output: response.tokens?.output ?? null };
      const cost = usageUnknown ? null : (response.cost ?? variant.price(tokens));
      const output = runtime.redact(response.output);
      // Only answers are cached, never errors; stored redacted, like everything that leaves the call.
      if (key !== undefined) runtime.cache?.put(key, { output, tokens });
      return await finish(spec, runtime, { prompt, output, attempts, tokens, cost, startedAt, latencyMs }, cancel);
    } catch (error) {
      if (error instanceof TrialCancelled || cancel.aborted) throw new TrialCancelled();
      if (error instanceof AdapterError && error.usageUnknown) usageUnknown = true;
      const classified = classifyError(error, runtime.redact);
      const { retryAfterMs, ...trialError } = classified;
      lastError = trialError;
      attempts.push({ n, latencyMs: performance.now() - clock.start, error: trialError });
      if (!classified.retryable || n > variant.retries) break;
      try {
        await sleep(backoffDelay(n, rng, runtime.backoff, retryAfterMs), cancel);
      } catch {
        throw new TrialCancelled();
      }
    }
  }
  const last = attempts[attempts.length - 1];
  return {
    seq: spec.seq, status: 'error', prompt, output: null, scores: [], score: null, passed: null, attempts,
    latencyMs: last?.latencyMs ?? 0, tokens: usageUnknown ? { input: null, output: null } : { input: 0, output: 0 },
    cost: usageUnknown ? null : 0, error: lastError, startedAt, finishedAt: Date.now(),
  };
}

interface CallInput {
  prompt: string;
  system: string | undefined;
  spec: TrialSpec;
  rng: ReturnType<typeof createRandom>;
  attempt: number;
}

async function callOnce(variant: VariantRuntime, input: CallInput, cancel: AbortSignal, clock: { start: number }) {
  const controller = new AbortController();
  // The attempt ends at the first of: the adapter's answer, the timeout, the run's cancellation. The
  // race is against a promise rejected directly (no second listener), so an adapter that ignores its
  // signal still cannot hold the trial.
  let rejectAttempt: (reason: unknown) => void = () => {};
  const stopped = new Promise<never>((_, reject) => (rejectAttempt = reject));
  stopped.catch(() => {});
  const abort = (reason: unknown) => {
    controller.abort(reason);
    rejectAttempt(reason);
  };
  const forget = onCancel(cancel, () => abort(new TrialCancelled()));
  const timer = setTimeout(() => abort(new AttemptTimeout(variant.timeoutMs)), variant.timeoutMs);
  try {
    const release = await variant.limiter.acquire(controller.signal);
    clock.start = performance.now();
    try {
      const request = { prompt: input.prompt, task: input.spec.task, signal: controller.signal, rng: input.rng, attempt: input.attempt, seq: input.spec.seq };
      const call = variant.adapter.call(input.system !== undefined ? { ...request, system: input.system } : request);
      return await Promise.race([call, stopped]);
    } finally {
      release();
    }
  } catch (error) {
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
    forget();
  }
}

/**
 * Run-wide cancellation: one listener per cancel signal calling every attempt in flight, rather than
 * one listener per attempt (which costs about a kilobyte each at tens of thousands of trials a second).
 */
const cancelHooks = new WeakMap<AbortSignal, Set<() => void>>();

function onCancel(signal: AbortSignal, hook: () => void): () => void {
  if (signal.aborted) {
    hook();
    return () => {};
  }
  let hooks = cancelHooks.get(signal);
  if (!hooks) {
    const set = new Set<() => void>();
    cancelHooks.set(signal, (hooks = set));
    signal.addEventListener('abort', () => set.forEach((h) => h()), { once: true });
  }
  hooks.add(hook);
  return () => hooks.delete(hook);
}

interface Finished {
  prompt: string;
  output: string;
  attempts: Attempt[];
  tokens: TrialTokens;
  cost: number | null;
  startedAt: number;
  latencyMs: number;
}

async function finish(spec: TrialSpec, runtime: TrialRuntime, f: Finished, cancel: AbortSignal): Promise<TrialOutcome> {
  // Outcomes are built as single literals: this runs once per trial, and spreads cost allocations.
  const scorers = runtime.taskScorers.get(spec.task.id) ?? runtime.scorers;
  if (scorers.length === 0) return outcome(spec, f, 'ok', [], null, null, null);
  try {
    const scored = scoreAll(scorers, { output: f.output, task: spec.task, prompt: f.prompt, signal: cancel });
    const combined = scored instanceof Promise ? await scored : scored;
    // A reason may quote what a judge or a user's function saw: the same redaction as the output.
    for (const s of combined.scores) s.reason = runtime.redact(s.reason);
    return outcome(spec, f, 'ok', combined.scores, combined.score, combined.score >= runtime.threshold, null);
  } catch (error) {
    if (cancel.aborted) throw new TrialCancelled();
    const message = runtime.redact(error instanceof Error ? error.message : String(error));
    return outcome(spec, f, 'error', [], null, null, { kind: 'scorer', message, retryable: false });
  }
}

function outcome(
  spec: TrialSpec, f: Finished, status: TrialOutcome['status'], scores: TrialOutcome['scores'],
  score: number | null, passed: boolean | null, error: TrialError | null,
): TrialOutcome {
  return {
    seq: spec.seq, status, prompt: f.prompt, output: status === 'ok' || error?.kind === 'scorer' ? f.output : null, scores, score, passed,
    attempts: f.attempts, latencyMs: f.latencyMs, tokens: f.tokens, cost: f.cost, error, startedAt: f.startedAt, finishedAt: Date.now(),
  };
}

/**
 * The prompt a trial sends: the template rendered with the task's input; with no template, the task's
 * `prompt` field, else its input as JSON. Exported for executors that report a trial they could not run.
 *
 * @example
 * trialPrompt('Capital of {{country}}?', { country: 'France' }); // 'Capital of France?'
 */
export function trialPrompt(template: string | undefined, input: Record<string, unknown>): string {
  return template !== undefined ? renderTemplate(template, input) : defaultPrompt(input);
}

function defaultPrompt(input: Record<string, unknown>): string {
  const p = input['prompt'];
  return typeof p === 'string' ? p : JSON.stringify(input);
}

import { createRandom, forkSeed, type Random } from '../model/random.js';
import type { Attempt, TrialError, TrialOutcome, TrialSpec, TrialTokens } from '../model/trial.js';
import { AdapterError } from '../adapters/errors.js';
import { cacheKey } from '../cache/response-cache.js';
import type { AdapterRequest, AdapterResponse } from '../adapters/types.js';
import { renderPrompt } from '../tasks/template.js';
import { scoreAll } from '../scoring/combine.js';
import { sleep } from '../adapters/sleep.js';
import { AttemptTimeout, classifyError, TrialCancelled } from './classify.js';
import { backoffDelay } from './retry.js';
import type { TrialRuntime, VariantRuntime } from './runtime.js';

/** One trial in progress: what its attempts share. */
interface Trial {
  spec: TrialSpec;
  runtime: TrialRuntime;
  variant: VariantRuntime;
  cancel: AbortSignal;
  /** The trial's own random source, made only when needed (retries, their backoff): attempts draw from forks. */
  root: Random | null;
  prompt: string;
  system: string | undefined;
  startedAt: number;
  attempts: Attempt[];
  /** The successful attempt's tokens and cost (null: not reported); a failed trial's are 0, or null when usage is unknown. */
  tokens: TrialTokens;
  cost: number | null;
  /**
   * A failed attempt usually costs nothing (a 429, a 5xx); one that may have spent unreported tokens
   * (a CLI that ran, then failed) makes the trial's usage unknown.
   */
  usageUnknown: boolean;
  /** The response cache's key for this call, when the run uses the cache. */
  cacheKey: string | undefined;
  /** Answered from the response cache: no call was made. */
  cached: boolean;
  /**
   * When the current attempt's call started: after its variant's concurrency or rate limit admitted it
   * (waiting for a slot is not latency). 0 until an attempt waited.
   */
  clockStart: number;
}

/**
 * Runs one trial: render the prompt, call the variant's adapter with timeout and retries, score the
 * output, price the tokens. Every executor calls this same function, so a trial means the same thing
 * in process, in a child process and on a remote worker. Rejects with TrialCancelled when `cancel`
 * aborts: a cancelled trial is not recorded, and resume runs it again under the same id.
 *
 * Same-tick fast path: when the adapter answers at once (`Adapter.answer` returning a value) and the
 * scorers are synchronous, the outcome is returned directly, with no promise, timer or abort signal
 * created (the signal is made only if the adapter reads it). Anything else returns a promise.
 *
 * @example
 * const outcome = await runTrial(spec, runtime, new AbortController().signal);
 */
export function runTrial(spec: TrialSpec, runtime: TrialRuntime, cancel: AbortSignal): TrialOutcome | Promise<TrialOutcome> {
  const variant = runtime.variants.get(spec.variantId);
  if (!variant) return Promise.reject(new Error(`trial ${spec.seq} names unknown variant '${spec.variantId}'`));
  if (cancel.aborted) return Promise.reject(new TrialCancelled());
  const input = spec.task.input;
  const t: Trial = {
    spec, runtime, variant, cancel, root: null, prompt: variant.render(input),
    system: variant.renderSystem ? variant.renderSystem(input) : undefined, startedAt: Date.now(), attempts: [], tokens: { input: 0, output: 0 }, cost: 0,
    usageUnknown: false, cacheKey: undefined, cached: false, clockStart: 0,
  };
  if (runtime.cache && variant.cacheIdentity !== undefined) {
    t.cacheKey = cacheKey(variant.cacheIdentity, t.prompt, t.system, spec.repeat);
    const hit = runtime.cache.get(t.cacheKey);
    if (hit) {
      // Answered before: no call, no cost, no latency (the store keeps none, so statistics leave it out).
      t.cached = true;
      t.attempts.push({ n: 1, latencyMs: 0 });
      t.tokens = hit.tokens;
      t.cost = 0;
      return finish(t, hit.output, 0);
    }
  }
  const t0 = performance.now();
  let answer: AdapterResponse | Promise<AdapterResponse>;
  try {
    answer = firstAttempt(t);
  } catch (error) {
    return afterFailure(t, 1, t0, error);
  }
  if (answer instanceof Promise) return answer.then((response) => succeed(t, response, t0), (error: unknown) => afterFailure(t, 1, t0, error));
  try {
    return succeed(t, answer, t0);
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** The first attempt: through `answer` when the adapter has it and a concurrency slot is free at once. */
function firstAttempt(t: Trial): AdapterResponse | Promise<AdapterResponse> {
  const { variant } = t;
  const answer = variant.adapter.answer;
  const release = answer ? variant.limiter.tryAcquire() : null;
  if (!answer || !release) return callOnce(variant, t, 1);
  const request = new AttemptRequest(t, 1);
  let response: AdapterResponse | Promise<AdapterResponse>;
  try {
    response = answer.call(variant.adapter, request);
  } catch (error) {
    release();
    throw error;
  }
  if (!(response instanceof Promise)) {
    release();
    return response;
  }
  return guard(response, request, variant.timeoutMs, t.cancel, release);
}

/** A successful attempt: record it, price it, score the output. */
function succeed(t: Trial, response: AdapterResponse, t0: number): TrialOutcome | Promise<TrialOutcome> {
  // The clock starts when the call does: waiting for the variant's concurrency or rate limit is not latency.
  const latencyMs = performance.now() - Math.max(t0, t.clockStart);
  const n = t.attempts.length + 1;
  // A first attempt's list as a literal: the first push into an empty array reserves 17 slots.
  if (n === 1) t.attempts = [{ n, latencyMs }];
  else t.attempts.push({ n, latencyMs });
  if (t.usageUnknown) {
    t.tokens = { input: null, output: null };
    t.cost = null;
  } else {
    t.tokens = { input: response.tokens?.input ?? null, output: response.tokens?.output ?? null };
    t.cost = response.cost ?? t.variant.price(t.tokens);
  }
  const output = t.runtime.redact(response.output);
  // Only answers are cached, never errors; stored redacted, like everything that leaves the call.
  if (t.cacheKey !== undefined) t.runtime.cache?.put(t.cacheKey, { output, tokens: t.tokens });
  return finish(t, output, latencyMs);
}

/** A failed attempt `n`: record it, then retry (after a backoff) or give the error outcome. */
async function afterFailure(t: Trial, n: number, t0: number, error: unknown): Promise<TrialOutcome> {
  if (error instanceof TrialCancelled || t.cancel.aborted) throw new TrialCancelled();
  if (error instanceof AdapterError && error.usageUnknown) t.usageUnknown = true;
  const classified = classifyError(error, t.runtime.redact);
  const { retryAfterMs, ...trialError } = classified;
  t.attempts.push({ n, latencyMs: performance.now() - Math.max(t0, t.clockStart), error: trialError });
  if (!classified.retryable || n > t.variant.retries) return failed(t, trialError);
  try {
    await sleep(backoffDelay(n, rootOf(t), t.runtime.backoff, retryAfterMs), t.cancel);
  } catch {
    throw new TrialCancelled();
  }
  if (t.cancel.aborted) throw new TrialCancelled();
  const next = performance.now();
  let response: AdapterResponse;
  try {
    response = await callOnce(t.variant, t, n + 1);
  } catch (e) {
    return afterFailure(t, n + 1, next, e);
  }
  return succeed(t, response, next);
}

function rootOf(t: Trial): Random {
  return (t.root ??= createRandom(t.spec.seed));
}

function failed(t: Trial, error: TrialError): TrialOutcome {
  const last = t.attempts[t.attempts.length - 1];
  if (t.usageUnknown) {
    t.tokens = { input: null, output: null };
    t.cost = null;
  }
  return {
    seq: t.spec.seq, status: 'error', prompt: t.prompt, output: null, scores: [], score: null, passed: null, attempts: t.attempts,
    latencyMs: last?.latencyMs ?? 0, tokens: t.tokens, cost: t.cost, error, startedAt: t.startedAt, finishedAt: Date.now(),
  };
}

/**
 * What an adapter receives for one attempt. Its abort signal is made on first read: an instant
 * adapter that never looks at it costs no AbortController.
 */
class AttemptRequest implements AdapterRequest {
  readonly prompt: string;
  readonly task: TrialSpec['task'];
  readonly rng: Random;
  readonly attempt: number;
  /** The trial's seq (a mock's schedule reads it). */
  readonly seq: number;
  system?: string;
  private controller: AbortController | null = null;
  /** Why the attempt was stopped (timeout, cancellation), once it was. */
  stoppedBy: unknown = undefined;

  constructor(t: Trial, attempt: number) {
    this.prompt = t.prompt;
    this.task = t.spec.task;
    // The first attempt's fork is seeded directly (the same source root.fork(1) would give).
    this.rng = attempt === 1 ? createRandom(forkSeed(t.spec.seed, 1)) : rootOf(t).fork(attempt);
    this.attempt = attempt;
    this.seq = t.spec.seq;
    if (t.system !== undefined) this.system = t.system;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stoppedBy !== undefined) this.controller.abort(this.stoppedBy);
    }
    return this.controller.signal;
  }

  stop(reason: unknown): void {
    if (this.stoppedBy !== undefined) return;
    this.stoppedBy = reason;
    this.controller?.abort(reason);
  }
}

/**
 * An attempt in flight ends at the first of: the adapter's answer, the timeout, the run's cancellation.
 * The returned promise settles on that first event, so an adapter that ignores its signal still
 * cannot hold the trial.
 */
function guard(answer: Promise<AdapterResponse>, request: AttemptRequest, timeoutMs: number, cancel: AbortSignal, release: () => void): Promise<AdapterResponse> {
  return new Promise<AdapterResponse>((resolve, reject) => {
    let done = false;
    const end = () => {
      done = true;
      clearTimeout(timer);
      forget();
      release();
    };
    const stop = (reason: unknown) => {
      if (done) return;
      end();
      request.stop(reason);
      reject(reason);
    };
    const timer = setTimeout(() => stop(new AttemptTimeout(timeoutMs)), timeoutMs);
    const forget = onCancel(cancel, () => stop(new TrialCancelled()));
    answer.then(
      (response) => {
        if (done) return;
        end();
        resolve(response);
      },
      (error: unknown) => {
        if (done) return;
        end();
        reject(error);
      },
    );
  });
}

/** An attempt through `call`, waiting for a limiter slot within the attempt's time. */
async function callOnce(variant: VariantRuntime, t: Trial, attempt: number): Promise<AdapterResponse> {
  const request = new AttemptRequest(t, attempt);
  // The limiter waits on the attempt's own signal, so a timeout or a cancellation also ends the wait.
  const acquiring = variant.limiter.acquire(request.signal);
  let release: (() => void) | null = null;
  const answer = acquiring.then((r) => {
    release = r;
    t.clockStart = performance.now();
    return (variant.adapter.answer ?? variant.adapter.call).call(variant.adapter, request);
  });
  return guard(answer, request, variant.timeoutMs, t.cancel, () => {
    const r = release as (() => void) | null;
    if (r) r();
    else void acquiring.then((late) => late(), () => undefined);
  });
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

function finish(t: Trial, output: string, latencyMs: number): TrialOutcome | Promise<TrialOutcome> {
  // Outcomes are built as single literals: this runs once per trial, and spreads cost allocations.
  const { runtime } = t;
  // A task's own scorers (the experiment's included), else the experiment's.
  const scorers = runtime.taskScorers.get(t.spec.task.id) ?? runtime.scorers;
  if (scorers.length === 0) return outcome(t, 'ok', output, latencyMs, [], null, null, null);
  let scored: ReturnType<typeof scoreAll>;
  try {
    scored = scoreAll(scorers, { output, task: t.spec.task, prompt: t.prompt, signal: t.cancel });
  } catch (error) {
    return scorerFailed(t, output, latencyMs, error);
  }
  if (scored instanceof Promise) {
    return scored.then(
      (c) => outcome(t, 'ok', output, latencyMs, redactReasons(runtime, c.scores), c.score, c.score >= runtime.threshold, null),
      (error: unknown) => {
        if (t.cancel.aborted) throw new TrialCancelled();
        return scorerFailed(t, output, latencyMs, error);
      },
    );
  }
  return outcome(t, 'ok', output, latencyMs, redactReasons(runtime, scored.scores), scored.score, scored.score >= runtime.threshold, null);
}

/** A reason may quote what a judge or a user's function saw: the same redaction as the output. */
function redactReasons(runtime: TrialRuntime, scores: TrialOutcome['scores']): TrialOutcome['scores'] {
  for (const s of scores) s.reason = runtime.redact(s.reason);
  return scores;
}

/**
 * The prompt a trial sends: the template rendered with the task's input; with no template, the task's
 * `prompt` field, else its input as JSON. Exported for executors that report a trial they could not run.
 *
 * @example
 * trialPrompt('Capital of {{country}}?', { country: 'France' }); // 'Capital of France?'
 */
export function trialPrompt(template: string | undefined, input: Record<string, unknown>): string {
  return renderPrompt(template, input);
}

function scorerFailed(t: Trial, output: string, latencyMs: number, error: unknown): TrialOutcome {
  const message = t.runtime.redact(error instanceof Error ? error.message : String(error));
  return outcome(t, 'error', output, latencyMs, [], null, null, { kind: 'scorer', message, retryable: false });
}

function outcome(
  t: Trial, status: TrialOutcome['status'], output: string, latencyMs: number, scores: TrialOutcome['scores'],
  score: number | null, passed: boolean | null, error: TrialError | null,
): TrialOutcome {
  const o: TrialOutcome = {
    seq: t.spec.seq, status, prompt: t.prompt, output, scores, score, passed, attempts: t.attempts, latencyMs, tokens: t.tokens, cost: t.cost,
    error, startedAt: t.startedAt, finishedAt: Date.now(),
  };
  if (t.cached) o.cached = true;
  return o;
}

import type { Random } from '../model/random.js';
import type { Task } from '../model/task.js';
import type { TokenUsage } from '../model/trial.js';

/** One call of a variant: the rendered prompt plus everything an adapter may want to read. */
export interface AdapterRequest {
  prompt: string;
  /** System prompt, when the variant defines one. */
  system?: string;
  task: Task;
  signal: AbortSignal;
  /** Seeded per trial and attempt: adapters that simulate (mock) draw from it. */
  rng: Random;
  attempt: number;
  /** The trial's position in its run (`TrialSpec.seq`): what a mock `schedule` keys its changes on. */
  seq?: number;
}

export interface AdapterResponse {
  output: string;
  tokens?: Partial<TokenUsage>;
  /** Cost the adapter knows exactly (a module may report it); otherwise priced from tokens. */
  cost?: number;
}

/**
 * How a variant is called. Implementations: mock, openai, anthropic, exec, module.
 *
 * @example
 * const adapter = createAdapter({ adapter: 'mock', accuracy: 0.8 }, ctx);
 * const { output } = await adapter.call(request);
 */
export interface Adapter {
  readonly kind: string;
  call(request: AdapterRequest): Promise<AdapterResponse>;
  /**
   * Loads what the first call would (an SDK, a user's module) without calling anything that costs:
   * the engine awaits it before the first trial's clock starts, so no trial's latency includes it.
   * A failure is left for the first call to report.
   */
  warm?(): Promise<void>;
  /**
   * Optional, what the trial runner calls when present: the same as `call`, but the response of an
   * answer that is ready at once (an instant mock, a synchronous module function) comes back directly,
   * so the trial finishes in the same tick, without timers or promises.
   */
  answer?(request: AdapterRequest): AdapterResponse | Promise<AdapterResponse>;
  close?(): Promise<void>;
}

/** Where a variant file lives, so relative paths in its options resolve against it. */
export interface AdapterContext {
  baseDir: string;
}

import { MetaorchError } from '../model/errors.js';
import type { ErrorKind, TrialError } from '../model/trial.js';

/**
 * A failed adapter call, classified so the retry loop knows what to do: network errors, timeouts,
 * 408/409/429/5xx are retryable (honouring Retry-After); other 4xx fail at once.
 *
 * @example
 * throw AdapterError.fromStatus(429, 'rate limited', { retryAfterMs: 2000 });
 */
export class AdapterError extends MetaorchError {
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /**
   * The failed call may have used tokens nobody reported (a CLI agent that ran, then failed): the
   * trial's tokens and cost are recorded as unknown rather than 0.
   */
  readonly usageUnknown: boolean;

  constructor(
    kind: ErrorKind,
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown; usageUnknown?: boolean },
  ) {
    super('ADAPTER', message, { cause: options.cause });
    this.kind = kind;
    this.retryable = options.retryable;
    this.usageUnknown = options.usageUnknown ?? false;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  static fromStatus(status: number, message: string, extra: { retryAfterMs?: number; cause?: unknown; usageUnknown?: boolean } = {}): AdapterError {
    const kind: ErrorKind = status === 429 ? 'rate_limit' : status >= 500 ? 'server' : status === 408 ? 'timeout' : 'client';
    return new AdapterError(kind, message, { retryable: isRetryableStatus(status), status, ...extra });
  }

  toTrialError(): TrialError {
    const e: TrialError = { kind: this.kind, message: this.message, retryable: this.retryable };
    if (this.status !== undefined) e.status = this.status;
    return e;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Reads a Retry-After header (seconds or an HTTP date) and the `retry-after-ms` extension some
 * providers send. Returns milliseconds, or undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

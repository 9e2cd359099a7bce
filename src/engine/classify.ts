import { AdapterError } from '../adapters/errors.js';
import type { TrialError } from '../model/trial.js';

/** Raised into a trial when the run is being cancelled: the trial is not recorded and resume redoes it. */
export class TrialCancelled extends Error {
  constructor() {
    super('trial cancelled');
    this.name = 'TrialCancelled';
  }
}

/** The reason a per-attempt timeout aborts with. */
export class AttemptTimeout extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms}ms`);
    this.name = 'AttemptTimeout';
  }
}

/**
 * Turns whatever an attempt threw into a classified, retry-aware error. Errors from user code (module
 * variants) are not retried unless they say `retryable: true`.
 */
export function classifyError(error: unknown, redact: (s: string) => string): TrialError & { retryAfterMs?: number } {
  if (error instanceof AttemptTimeout) return { kind: 'timeout', message: error.message, retryable: true };
  if (error instanceof AdapterError) {
    const e: TrialError & { retryAfterMs?: number } = { ...error.toTrialError(), message: redact(error.message) };
    if (error.retryAfterMs !== undefined) e.retryAfterMs = error.retryAfterMs;
    return e;
  }
  const err = error as { message?: unknown; retryable?: unknown; code?: unknown };
  const message = redact(typeof err?.message === 'string' ? err.message : String(error));
  const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
  if (typeof err?.code === 'string' && networkCodes.has(err.code)) return { kind: 'network', message, retryable: true };
  return { kind: 'unknown', message, retryable: err?.retryable === true };
}

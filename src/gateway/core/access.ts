/**
 * Gateway keys' limits, pure: a rate limit per key (a token bucket: `rateLimit` requests per minute,
 * bursts of `burst`) and a cost budget per key and period (a UTC day, a UTC month, or in total).
 * Time comes in the calls; nothing here reads a clock.
 */

/** A key's limits as configured. */
export interface KeyLimits {
  /** Requests per minute; absent: unlimited. */
  rateLimit?: number;
  /** Requests allowed at once after a quiet spell (default: 10 seconds' worth, at least 1). */
  burst?: number;
  /** Dollars per period; absent: unlimited. */
  budget?: { cost: number; period: BudgetPeriod };
}

export type BudgetPeriod = 'day' | 'month' | 'total';

export interface KeyState {
  readonly limits: KeyLimits;
  tokens: number;
  refilledAt: number;
  /** Dollars spent in the period that starts at `periodStart`. */
  spent: number;
  periodStart: number;
}

export type Admission =
  | { ok: true }
  | { ok: false; kind: 'rate_limit' | 'budget'; message: string; retryAfterMs: number | null };

/** @example const key = keyState({ rateLimit: 600 }, Date.now(), 0); */
export function keyState(limits: KeyLimits, now: number, spentInPeriod: number): KeyState {
  return { limits, tokens: burstOf(limits), refilledAt: now, spent: spentInPeriod, periodStart: periodStart(limits.budget?.period ?? 'total', now) };
}

/**
 * Admits a request at `now`, taking a token, or says why not and when to try again.
 *
 * @example
 * admit(key, 'app', Date.now()); // { ok: false, kind: 'rate_limit', retryAfterMs: 100, ... }
 */
export function admit(key: KeyState, name: string, now: number): Admission {
  const { budget, rateLimit } = key.limits;
  rollPeriod(key, now);
  if (budget && key.spent >= budget.cost) {
    const next = budget.period === 'total' ? null : nextPeriodStart(budget.period, now) - now;
    const per = budget.period === 'total' ? 'in total' : `per UTC ${budget.period}`;
    return { ok: false, kind: 'budget', message: `key '${name}' has spent its budget of $${budget.cost} ${per} ($${round(key.spent)} spent)`, retryAfterMs: next };
  }
  if (rateLimit === undefined) return { ok: true };
  const perMs = rateLimit / 60_000;
  key.tokens = Math.min(burstOf(key.limits), key.tokens + Math.max(0, now - key.refilledAt) * perMs);
  key.refilledAt = Math.max(key.refilledAt, now);
  if (key.tokens >= 1) {
    key.tokens -= 1;
    return { ok: true };
  }
  return { ok: false, kind: 'rate_limit', message: `key '${name}' is limited to ${rateLimit} requests per minute`, retryAfterMs: Math.ceil((1 - key.tokens) / perMs) };
}

/** Adds what a request cost to its key's period. */
export function spend(key: KeyState, cost: number, now: number): void {
  rollPeriod(key, now);
  key.spent += cost;
}

/** The start of the budget period containing `time` (UTC), in ms. */
export function periodStart(period: BudgetPeriod, time: number): number {
  if (period === 'total') return 0;
  const d = new Date(time);
  return period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextPeriodStart(period: 'day' | 'month', time: number): number {
  const d = new Date(periodStart(period, time));
  return period === 'day' ? d.getTime() + 86_400_000 : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function rollPeriod(key: KeyState, now: number): void {
  const period = key.limits.budget?.period;
  if (!period || period === 'total') return;
  const start = periodStart(period, now);
  if (start > key.periodStart) {
    key.periodStart = start;
    key.spent = 0;
  }
}

function burstOf(limits: KeyLimits): number {
  if (limits.burst !== undefined) return limits.burst;
  return limits.rateLimit === undefined ? Infinity : Math.max(1, limits.rateLimit / 6);
}

function round(dollars: number): string {
  return dollars.toFixed(dollars < 1 ? 4 : 2);
}

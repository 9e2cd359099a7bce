import { describe, expect, it } from 'vitest';
import { admit, keyState, spend } from './access.js';
import { modelResolver } from './resolve.js';

describe('gateway keys', () => {
  it('limits requests per minute with a burst, and says when to come back', () => {
    const key = keyState({ rateLimit: 60, burst: 2 }, 0, 0);
    expect(admit(key, 'app', 0)).toEqual({ ok: true });
    expect(admit(key, 'app', 0)).toEqual({ ok: true });
    expect(admit(key, 'app', 0)).toEqual({ ok: false, kind: 'rate_limit', message: "key 'app' is limited to 60 requests per minute", retryAfterMs: 1000 });
    expect(admit(key, 'app', 1000)).toEqual({ ok: true });
  });

  it('stops a key at its budget until the period ends (UTC day), counting what was spent before', () => {
    const day = Date.UTC(2026, 0, 5, 12);
    const key = keyState({ budget: { cost: 1, period: 'day' } }, day, 0.9);
    expect(admit(key, 'app', day).ok).toBe(true);
    spend(key, 0.2, day);
    const refused = admit(key, 'app', day + 1000);
    expect(refused).toMatchObject({ ok: false, kind: 'budget', retryAfterMs: Date.UTC(2026, 0, 6) - day - 1000 });
    expect(admit(key, 'app', Date.UTC(2026, 0, 6, 0, 0, 1)).ok).toBe(true);
    const total = keyState({ budget: { cost: 1, period: 'total' } }, day, 1);
    expect(admit(total, 'app', day)).toMatchObject({ ok: false, retryAfterMs: null });
  });
});

describe('model names', () => {
  const resolve = modelResolver([
    { name: 'chat', aliases: ['gpt-*', 'claude-*'], variants: ['mini', 'haiku'] },
    { name: 'code', aliases: [], variants: ['haiku', 'sonnet'] },
  ]);

  it('takes a route, an alias pattern, auto, ROUTE/VARIANT and a variant id only one route has', () => {
    expect(resolve('chat')).toEqual({ ok: true, route: 0, variant: null });
    expect(resolve('claude-sonnet-4-5-20250929')).toEqual({ ok: true, route: 0, variant: null });
    expect(resolve('auto')).toEqual({ ok: true, route: 0, variant: null });
    expect(resolve('code/haiku')).toEqual({ ok: true, route: 1, variant: 0 });
    expect(resolve('sonnet')).toEqual({ ok: true, route: 1, variant: 1 });
  });

  it('explains an ambiguous or unknown name', () => {
    expect(resolve('haiku')).toEqual({ ok: false, message: "model 'haiku' is a variant of several routes: say which, as 'chat/haiku' or 'code/haiku'" });
    expect(resolve('llama')).toMatchObject({ ok: false, message: expect.stringContaining("The model 'llama' does not exist") });
    expect(resolve(undefined)).toMatchObject({ ok: false, message: expect.stringContaining("'model' is required") });
  });
});

import { describe, expect, it } from 'vitest';
import type { Experiment } from '../config/experiment.js';
import { AdapterError } from '../adapters/errors.js';
import type { Adapter } from '../adapters/types.js';
import type { TrialSpec } from '../model/trial.js';
import { TrialCancelled } from './classify.js';
import { runTrial } from './run-trial.js';
import { buildRuntime, type TrialRuntime } from './runtime.js';
import { createLimiter } from './limits.js';

function experiment(variant: Record<string, unknown>, extra: Partial<Experiment> = {}): Experiment {
  const { id, adapter, ...options } = variant as { id: string; adapter: string };
  return {
    name: 't', mode: 'grid', seed: 1, repeats: 1, concurrency: 1, timeoutMs: 1000, retries: 2, threshold: 0.5,
    budget: {}, objective: { score: 1, error: 0 }, snapshotEvery: 25, variants: [{ id, adapter, options }], scorers: [{ type: 'equals', weight: 1, options: {} }],
    tasks: [], baseDir: process.cwd(), source: '<test>', prompt: 'Q: {{q}}', ...extra,
  };
}

const spec = (variantId = 'v'): TrialSpec => ({ runId: 'r', seq: 0, variantId, task: { id: 't1', input: { q: 'x' }, expected: 'yes' }, taskIdx: 0, repeat: 0, seed: 5 });
const fastBackoff = { initialMs: 1, maxMs: 5 };

/** Replaces a runtime's adapter with a scripted one: edge-of-the-world behaviour without a server. */
function withAdapter(runtime: TrialRuntime, adapter: Adapter): TrialRuntime {
  const v = runtime.variants.get('v');
  if (v) v.adapter = adapter;
  return runtime;
}

describe('runTrial', () => {
  it('renders the prompt, scores, passes and prices tokens', async () => {
    const rt = buildRuntime(experiment({ id: 'v', adapter: 'mock', accuracy: 1, tokens: { input: 1000, output: 500 } }, {
      variants: [{ id: 'v', adapter: 'mock', options: { accuracy: 1, tokens: { input: 1000, output: 500 } }, cost: { input: 2, output: 10 } }],
    }), {}, fastBackoff);
    const o = await runTrial(spec(), rt, new AbortController().signal);
    expect(o).toMatchObject({ status: 'ok', prompt: 'Q: x', output: 'yes', score: 1, passed: true, tokens: { input: 1000, output: 500 } });
    expect(o.cost).toBeCloseTo((1000 * 2 + 500 * 10) / 1e6, 12);
    expect(o.attempts).toHaveLength(1);
  });

  it('records tokens and cost an adapter does not report as unknown (null), never 0', async () => {
    const silent: Adapter = { kind: 'scripted', call: async () => ({ output: 'yes' }) };
    const priced = withAdapter(buildRuntime(experiment({ id: 'v', adapter: 'mock' }, {
      variants: [{ id: 'v', adapter: 'mock', options: {}, cost: { input: 2, output: 10 } }],
    }), {}, fastBackoff), silent);
    expect(await runTrial(spec(), priced, new AbortController().signal)).toMatchObject({ status: 'ok', tokens: { input: null, output: null }, cost: null });
    const flat = withAdapter(buildRuntime(experiment({ id: 'v', adapter: 'mock' }, {
      variants: [{ id: 'v', adapter: 'mock', options: {}, cost: 0.01 }],
    }), {}, fastBackoff), silent);
    expect(await runTrial(spec(), flat, new AbortController().signal)).toMatchObject({ tokens: { input: null, output: null }, cost: 0.01 });
    const reported = withAdapter(buildRuntime(experiment({ id: 'v', adapter: 'mock' }), {}, fastBackoff), { kind: 's', call: async () => ({ output: 'yes', tokens: { input: 5, output: 1 }, cost: 0.2 }) });
    expect(await runTrial(spec(), reported, new AbortController().signal)).toMatchObject({ tokens: { input: 5, output: 1 }, cost: 0.2 });
    // A CLI that ran and failed may have spent tokens: unknown, not 0.
    const crashed = withAdapter(buildRuntime(experiment({ id: 'v', adapter: 'mock' }, { retries: 0 }), {}, fastBackoff), {
      kind: 's', call: async () => { throw new AdapterError('process', 'exited with 1', { retryable: false, usageUnknown: true }); },
    });
    expect(await runTrial(spec(), crashed, new AbortController().signal)).toMatchObject({ status: 'error', tokens: { input: null, output: null }, cost: null });
    const refused = withAdapter(buildRuntime(experiment({ id: 'v', adapter: 'mock' }, { retries: 0 }), {}, fastBackoff), {
      kind: 's', call: async () => { throw AdapterError.fromStatus(400, 'bad request'); },
    });
    expect(await runTrial(spec(), refused, new AbortController().signal)).toMatchObject({ status: 'error', tokens: { input: 0, output: 0 }, cost: 0 });
  });

  it('retries retryable failures, honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    const times: number[] = [];
    const rt = withAdapter(buildRuntime(experiment({ id: 'v', adapter: 'mock' }), {}, fastBackoff), {
      kind: 'scripted',
      async call() {
        times.push(performance.now());
        calls++;
        if (calls === 1) throw AdapterError.fromStatus(429, 'slow down', { retryAfterMs: 150 });
        if (calls === 2) throw AdapterError.fromStatus(503, 'unavailable');
        return { output: 'yes' };
      },
    });
    const o = await runTrial(spec(), rt, new AbortController().signal);
    expect(o.status).toBe('ok');
    expect(o.attempts.map((a) => a.error?.kind ?? 'ok')).toEqual(['rate_limit', 'server', 'ok']);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it('fails at once on a non-retryable 4xx and records the error', async () => {
    const rt = withAdapter(buildRuntime(experiment({ id: 'v', adapter: 'mock' }), {}, fastBackoff), {
      kind: 'scripted',
      call: () => Promise.reject(AdapterError.fromStatus(400, 'bad request')),
    });
    const o = await runTrial(spec(), rt, new AbortController().signal);
    expect(o.status).toBe('error');
    expect(o.attempts).toHaveLength(1);
    expect(o.error).toMatchObject({ kind: 'client', status: 400, retryable: false });
    expect(o.score).toBeNull();
  });

  it('times out each attempt, even when the adapter ignores its signal', async () => {
    const rt = withAdapter(buildRuntime(experiment({ id: 'v', adapter: 'mock' }, { timeoutMs: 30, retries: 1 }), {}, fastBackoff), {
      kind: 'deaf',
      call: () => new Promise(() => {}),
    });
    const t0 = performance.now();
    const o = await runTrial(spec(), rt, new AbortController().signal);
    expect(o.error?.kind).toBe('timeout');
    expect(o.attempts).toHaveLength(2);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('throws TrialCancelled when the run cancels, so the trial is left for resume', async () => {
    const rt = buildRuntime(experiment({ id: 'v', adapter: 'mock', latencyMs: 5000 }), {}, fastBackoff);
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 20);
    await expect(runTrial(spec(), rt, cancel.signal)).rejects.toBeInstanceOf(TrialCancelled);
  });

  it('removes secret values from error messages and outputs', async () => {
    const env = { TEST_SECRET_KEY: 'sk-very-secret-value' };
    const e = experiment({ id: 'v', adapter: 'mock', reply: 'x' });
    e.variants[0]!.options = { reply: '${TEST_SECRET_KEY}' };
    const rt = buildRuntime(e, env, fastBackoff);
    const o = await runTrial(spec(), rt, new AbortController().signal);
    expect(o.output).toBe('***');
    const failing = withAdapter(rt, { kind: 'leaky', call: () => Promise.reject(new Error('auth failed for key sk-very-secret-value')) });
    const o2 = await runTrial(spec(), failing, new AbortController().signal);
    expect(o2.error?.message).toBe('auth failed for key ***');
  });

  it('is deterministic for a seed: the mock draws the same outputs', async () => {
    const rt = buildRuntime(experiment({ id: 'v', adapter: 'mock', accuracy: 0.5 }), {}, fastBackoff);
    const outs = async () => Promise.all(Array.from({ length: 30 }, (_, i) => runTrial({ ...spec(), seq: i, seed: 1000 + i }, rt, new AbortController().signal)));
    const a = (await outs()).map((o) => o.output);
    const b = (await outs()).map((o) => o.output);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(1);
  });
});

describe('createLimiter', () => {
  it('caps concurrency', async () => {
    const limiter = createLimiter({ maxConcurrency: 2 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      const release = await limiter.acquire(new AbortController().signal);
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      release();
    }));
    expect(peak).toBe(2);
  });

  it('spreads starts to the rate limit', async () => {
    const limiter = createLimiter({ ratePerMinute: 6000 }); // 100/s: 10 ms apart after the first
    const t0 = performance.now();
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 6 }, async () => {
      const release = await limiter.acquire(new AbortController().signal);
      starts.push(performance.now() - t0);
      release();
    }));
    expect(starts[5]).toBeGreaterThanOrEqual(40);
  });
});

describe('honest latency', () => {
  it("does not count waiting for the variant's concurrency limit as latency", async () => {
    const rt = buildRuntime(experiment({ id: 'v', adapter: 'mock' }), {}, fastBackoff);
    let release: () => void = () => {};
    let calls = 0;
    withAdapter(rt, {
      kind: 'scripted',
      call: () => (++calls === 1 ? new Promise((resolve) => (release = () => resolve({ output: 'yes' }))) : Promise.resolve({ output: 'yes' })),
    });
    rt.variants.get('v')!.limiter = createLimiter({ maxConcurrency: 1 });
    const first = runTrial(spec(), rt, new AbortController().signal);
    const second = runTrial({ ...spec(), seq: 1 }, rt, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 800));
    release();
    const [a, b] = await Promise.all([first, second]);
    // The second waited ~800 ms for the first to free the slot; its call itself was instant.
    expect(a.latencyMs).toBeGreaterThanOrEqual(750);
    expect(b.latencyMs).toBeLessThan(400);
  });

  it('warms adapters and scorers without calling them', async () => {
    const { warmRuntime } = await import('./warm.js');
    const rt = buildRuntime(experiment({ id: 'v', adapter: 'mock' }), {}, fastBackoff);
    const seen: string[] = [];
    withAdapter(rt, { kind: 'scripted', call: () => (seen.push('call'), Promise.resolve({ output: 'yes' })), warm: async () => void seen.push('warm adapter') });
    rt.scorers.push({ weight: 1, scorer: { name: 's', score: () => (seen.push('score'), { score: 1, reason: '' }), warm: async () => void seen.push('warm scorer') } });
    await warmRuntime(rt);
    expect(seen.sort()).toEqual(['warm adapter', 'warm scorer']);
  });
});

import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { AdapterError } from './errors.js';
import { createMockAdapter, mockOptionsSchema } from './mock.js';

const task = { id: 't1', input: { q: 'capital of France?' }, expected: 'Paris' };

async function outcome(adapter: ReturnType<typeof createMockAdapter>, seq: number, seed = seq): Promise<'ok' | 'right' | 'failed'> {
  try {
    const r = await adapter.call({ prompt: 'q', task, signal: new AbortController().signal, rng: createRandom(seed), attempt: 1, seq });
    return r.output === 'Paris' ? 'right' : 'ok';
  } catch (e) {
    if (e instanceof AdapterError) return 'failed';
    throw e;
  }
}

describe('mock adapter schedule', () => {
  it('changes the failure rate from a trial number on (the trial seq)', async () => {
    const adapter = createMockAdapter(mockOptionsSchema.parse({ failureRate: 0, schedule: [{ trial: 1000, failureRate: 0.4 }] }));
    let before = 0;
    let after = 0;
    for (let seq = 0; seq < 2000; seq++) {
      const o = await outcome(adapter, seq);
      if (o === 'failed' && seq < 1000) before++;
      else if (o === 'failed') after++;
    }
    expect(before).toBe(0);
    expect(after / 1000).toBeGreaterThan(0.35);
    expect(after / 1000).toBeLessThan(0.45);
  });

  it('applies entries in order, later ones overriding earlier ones, and reports a scheduled cost', async () => {
    const adapter = createMockAdapter(
      mockOptionsSchema.parse({ accuracy: 1, schedule: [{ trial: 10, accuracy: 0, cost: 0.5 }, { trial: 20, accuracy: 1 }] }),
    );
    const call = (seq: number) => adapter.call({ prompt: 'q', task, signal: new AbortController().signal, rng: createRandom(seq), attempt: 1, seq });
    expect((await call(5)).output).toBe('Paris');
    expect((await call(5)).cost).toBeUndefined();
    expect((await call(15)).output).not.toBe('Paris');
    expect((await call(15)).cost).toBe(0.5);
    const late = await call(25);
    expect(late.output).toBe('Paris');
    expect(late.cost).toBe(0.5);
  });

  it('applies a time entry once that much time has passed since the adapter was created', async () => {
    let clock = 1_000;
    const adapter = createMockAdapter(mockOptionsSchema.parse({ accuracy: 1, schedule: [{ time: '60s', accuracy: 0 }] }), () => clock);
    expect(await outcome(adapter, 0)).toBe('right');
    clock += 59_999;
    expect(await outcome(adapter, 1)).toBe('right');
    clock += 1;
    expect(await outcome(adapter, 2)).toBe('ok');
  });

  it('refuses entries without exactly one of trial and time, or without a change', () => {
    const issues = (schedule: unknown[]) => {
      const r = mockOptionsSchema.safeParse({ schedule });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues([{ failureRate: 0.2 }])).toEqual(['schedule.0: expected exactly one of trial (a trial number) or time (a duration)']);
    expect(issues([{ trial: 1, time: '1s', failureRate: 0.2 }])[0]).toContain('exactly one of trial');
    expect(issues([{ trial: 5 }])).toEqual(['schedule.0: expected at least one change: accuracy, failureRate, latencyMs, cost']);
    expect(issues([{ trial: -1, failureRate: 2 }]).length).toBe(2);
    expect(issues([{ trial: 5, speed: 2 }])[0]).toContain('speed');
  });
});

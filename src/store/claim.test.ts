import { describe, expect, it } from 'vitest';
import { isProcessAlive, mayTakeOver, newOwner, type RunHolder } from './claim.js';

describe('mayTakeOver', () => {
  const me = { token: 'me', pid: 200, host: 'h1' };
  const at = (now: number, alive: boolean) => ({ now, leaseMs: 60_000, isAlive: () => alive });
  const holder = (h: Partial<RunHolder>): RunHolder => ({ token: 'other', pid: 100, host: 'h1', heartbeatAt: 1_000, ...h });

  it('keeps a live holder with a fresh lease, on this host or another', () => {
    expect(mayTakeOver(holder({}), me, at(30_000, true))).toBe(false);
    expect(mayTakeOver(holder({ host: 'h2' }), me, at(30_000, false))).toBe(false);
    // Another execution in this same process is a holder like any other.
    expect(mayTakeOver(holder({ pid: 200 }), me, at(30_000, true))).toBe(false);
  });

  it('takes over from a dead holder on this host, an expired lease anywhere, itself, or nobody', () => {
    expect(mayTakeOver(holder({}), me, at(30_000, false))).toBe(true);
    expect(mayTakeOver(holder({ host: 'h2' }), me, at(61_001, true))).toBe(true);
    expect(mayTakeOver(holder({ token: 'me' }), me, at(30_000, true))).toBe(true);
    expect(mayTakeOver(holder({ pid: null }), me, at(30_000, true))).toBe(true);
  });

  it('treats a run claimed by an older version (pid only) by whether that pid lives', () => {
    const legacy = holder({ token: null, host: null, heartbeatAt: null });
    expect(mayTakeOver(legacy, me, at(10 ** 12, true))).toBe(false);
    expect(mayTakeOver(legacy, me, at(10 ** 12, false))).toBe(true);
  });

  it('names this process, and knows it is alive', () => {
    const owner = newOwner();
    expect(owner.pid).toBe(process.pid);
    expect(owner.token).not.toBe(newOwner().token);
    expect(isProcessAlive(process.pid)).toBe(true);
  });
});

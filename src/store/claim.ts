import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The process executing a run. Claiming a run writes its owner in the run's row, inside a write
 * transaction, only when no live owner holds it; every later write of the run (each batch of trials,
 * the final status) checks the token in the same transaction, so a process that lost its claim can
 * never write another trial or event.
 */
export interface RunOwner {
  /** Random, one per execution: two executions in one process are two owners. */
  token: string;
  pid: number;
  host: string;
}

/** The owner recorded in a run's row. */
export interface RunHolder {
  token: string | null;
  pid: number | null;
  host: string | null;
  /** When the holder last renewed its lease (ms since the epoch); null for runs claimed by older versions. */
  heartbeatAt: number | null;
}

export interface ClaimOptions {
  /** The claim's time, ms since the epoch. */
  now: number;
  /** A holder that has not renewed its lease for this long has lost it. */
  leaseMs: number;
  /** Whether a process is running on this host (asked only for holders on this host). */
  isAlive(pid: number): boolean;
}

export type ClaimResult = { claimed: true } | { claimed: false; holder: RunHolder };

/** How long a claim lasts without a heartbeat. Owners renew it every LEASE_MS / 6. */
export const LEASE_MS = 60_000;

/**
 * A new owner for this process.
 *
 * @example
 * const owner = newOwner(); // { token: '3f2c…', pid: 4242, host: 'build-7' }
 */
export function newOwner(): RunOwner {
  return { token: randomUUID(), pid: process.pid, host: hostname() };
}

/**
 * Whether a running run's holder may be replaced by `claimant`: only when the holder is the claimant
 * itself, is dead (a process on this host that no longer runs), or let its lease expire. A holder on
 * another host is never declared dead from here: only its lease can end its claim. Pure: the caller
 * reads the row and writes the claim in one transaction.
 *
 * @example
 * mayTakeOver({ token: 'a', pid: 10, host: 'h', heartbeatAt: 0 }, newOwner(), { now: 120_000, leaseMs: 60_000, isAlive: () => true }); // true
 */
export function mayTakeOver(holder: RunHolder, claimant: RunOwner, options: ClaimOptions): boolean {
  if (holder.token !== null && holder.token === claimant.token) return true;
  if (holder.heartbeatAt !== null && options.now - holder.heartbeatAt > options.leaseMs) return true;
  if (holder.pid === null) return true;
  const sameHost = holder.host === null || holder.host === claimant.host;
  return sameHost && !options.isAlive(holder.pid);
}

/**
 * Whether a process runs on this machine (a process owned by another user counts as running).
 *
 * @example
 * isProcessAlive(process.pid); // true
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

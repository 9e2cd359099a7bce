import { DiskFullError, isDiskFull, RunBusyError, StoreError } from '../model/errors.js';
import { isProcessAlive, LEASE_MS, type RunHolder, type RunOwner } from '../store/claim.js';
import type { Store } from '../store/store.js';

/**
 * Claims an existing run for `owner` (resume), or throws RunBusyError naming the live holder. Every
 * way of executing a run (start, resume, any executor) goes through a claim: `createRun` claims a new
 * run, this claims an old one.
 *
 * @example
 * claimForResume(store, runId, newOwner(), 60_000);
 */
export function claimForResume(store: Store, runId: string, owner: RunOwner, leaseMs = LEASE_MS): void {
  let result;
  try {
    result = store.claimRun(runId, owner, { now: Date.now(), leaseMs, isAlive: isProcessAlive });
  } catch (error) {
    throw asStoreFailure(error, runId, 'claiming the run');
  }
  if (!result.claimed) throw new RunBusyError(busyMessage(runId, result.holder, owner));
}

function busyMessage(runId: string, holder: RunHolder, owner: RunOwner): string {
  const where = holder.host && holder.host !== owner.host ? ` on host ${holder.host}` : '';
  const who = holder.pid === null ? 'another process' : holder.pid === owner.pid ? 'this same process' : `process ${holder.pid}${where}`;
  const beat = holder.heartbeatAt === null ? '' : ` (its last heartbeat was ${Math.max(0, Math.round((Date.now() - holder.heartbeatAt) / 1000))}s ago)`;
  return `Run ${runId} is being executed by ${who}${beat}; stop it first (Ctrl-C there), or wait until it ends.`;
}

/**
 * Renews the owner's lease every `leaseMs / 6` while a run executes. A renewal that finds the claim
 * taken over, or that fails for another reason than a briefly busy store, is reported to `onLost`,
 * which stops the run.
 *
 * @example
 * const lease = keepClaim(store, runId, owner.token, 60_000, (e) => halt(e)); ... lease.stop();
 */
export function keepClaim(store: Store, runId: string, token: string, leaseMs: number, onLost: (error: unknown) => void): { stop(): void } {
  const timer = setInterval(() => {
    try {
      if (!store.renewClaim(runId, token, Date.now())) {
        onLost(new RunBusyError(`Run ${runId} was taken over by another process after this one stalled past its ${Math.round(leaseMs / 1000)}s lease; this process stopped without writing more.`));
      }
    } catch (error) {
      // Another process's long transaction: the next renewal will do (the lease is six beats long).
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return;
      onLost(error);
    }
  }, Math.max(10, Math.floor(leaseMs / 6)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * The error a run ends with when the store could not be written: a DiskFullError (the run is
 * resumable once there is space), the RunBusyError of a lost claim, or a StoreError.
 *
 * @example
 * throw asStoreFailure(error, runId, 'recording trials');
 */
export function asStoreFailure(error: unknown, runId: string, doing: string): Error {
  if (error instanceof DiskFullError || error instanceof RunBusyError || error instanceof StoreError) return error;
  if (isDiskFull(error)) return new DiskFullError(`disk full while ${doing} of run ${runId}`, runId, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(`The store failed while ${doing} of run ${runId}: ${message}. What was committed is safe: metaorch resume ${runId}`, { cause: error });
}

/** Runs this process executes, released by the one process 'exit' listener below. */
const held = new Set<(code: number) => void>();

/**
 * Makes sure a run this process holds does not stay `running` when the process ends abruptly while it
 * runs: a user's module calling process.exit(), an exception nobody caught (Node emits 'exit' for
 * both; the listener is synchronous, like the store). The run is recorded interrupted, with the
 * reason, and stays resumable. Only kill -9 or a power cut leave it `running`, under a dead pid that
 * resume recognises. Returns the function that removes the guard once the run ended normally.
 *
 * @example
 * const unguard = guardProcessExit(store, runId, owner.token); try { ... } finally { unguard(); }
 */
export function guardProcessExit(store: Store, runId: string, token: string): () => void {
  const release = (code: number) => {
    try {
      if (store.getRun(runId)?.status !== 'running') return;
      store.releaseRun(runId, token, {
        status: 'interrupted', stopReason: 'interrupted', finishedAt: Date.now(), pid: null,
        error: `the process exited while the run was running (exit code ${code})`,
      });
    } catch {
      // A closed or full store: the run stays `running` under a dead pid, which resume takes over.
    }
  };
  if (held.size === 0) process.on('exit', releaseAll);
  held.add(release);
  return () => {
    held.delete(release);
    if (held.size === 0) process.off('exit', releaseAll);
  };
}

function releaseAll(code: number): void {
  for (const release of held) release(code);
}

import { createRequire } from 'node:module';

/**
 * Copies a WAL store's committed pages back into the database file (a SQLite checkpoint) on a worker
 * thread, so the writer's event loop never waits for it. A checkpoint copies every page written since
 * the last one and fsyncs twice: done by the writing connection (SQLite's default, every 1,000 pages)
 * it stalls the run or the gateway for milliseconds at a time, a fifth of a million-trial run's time.
 * PASSIVE checkpoints from another connection never block the writer; the writer restarts the log
 * from its beginning once a checkpoint has caught up, so the WAL stays small. The writing connection
 * keeps a far larger automatic threshold as a fallback, should this thread fall behind.
 *
 * The worker starts only once the store has been open for `delayMs`: a short run (a few thousand
 * trials) never fills SQLite's threshold, and starting a thread (an isolate and the driver, 30-50 ms)
 * and waiting for its close would be most of such a run's cost.
 *
 * @example
 * const stop = startCheckpointer('/path/metaorch.db');
 * // ... writes ...
 * stop(); // before the writer closes: its close is then the last, which checkpoints and removes the WAL
 */
export function startCheckpointer(path: string, intervalMs = CHECKPOINT_INTERVAL_MS, delayMs = CHECKPOINT_DELAY_MS): () => void {
  let stopWorker: (() => void) | null = null;
  const timer = setTimeout(() => {
    stopWorker = startWorker(path, intervalMs);
  }, delayMs);
  timer.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    stopWorker?.();
  };
}

function startWorker(path: string, intervalMs: number): () => void {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  // [0]: the worker's connection is closed (or never opened). Shared, so stop() can wait for it
  // synchronously: the store's close() is synchronous.
  const closed = new Int32Array(new SharedArrayBuffer(4));
  // Taken here, not imported: most stores close before the worker would start (see startCheckpointer).
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs, closed } });
  worker.unref();
  // A checkpoint that fails (the file removed under us, a full disk) is the writer's fallback's to
  // retry; nothing here may take the process down.
  worker.on('error', () => {
    Atomics.store(closed, 0, 1);
  });
  return () => {
    worker.postMessage('stop');
    // The worker's last checkpoint copies at most an interval's pages: bounded, and waited for so
    // that the writer's own close finds itself alone.
    Atomics.wait(closed, 0, 0, STOP_WAIT_MS);
    void worker.terminate();
  };
}

/** The longest `stop` waits for the worker's last checkpoint and close. */
const STOP_WAIT_MS = 5_000;

/** How often the worker checkpoints: a few commits' worth of pages (the writer commits every 50 ms). */
export const CHECKPOINT_INTERVAL_MS = 100;

/**
 * How long a store is open before the worker starts. The writer's fallback threshold (below) holds
 * until then: at 150,000 trials/s a second writes a few thousand pages, well under it.
 */
export const CHECKPOINT_DELAY_MS = 1_000;

/** The writing connection's own threshold, in pages, when a checkpointer runs (SQLite's default: 1,000). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;

// Plain CommonJS, evaluated in the worker: it runs the same under tsx (tests) and from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const done = () => { Atomics.store(workerData.closed, 0, 1); Atomics.notify(workerData.closed, 0); };
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
} catch {
  done();
  throw new Error('checkpointer: cannot open ' + workerData.path);
}
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  try { db.close(); } finally { done(); }
  parentPort.close();
});
`;

import { Worker } from 'node:worker_threads';

/**
 * Makes a supervised child exit when its parent is gone, even after `kill -9` of the parent: the IPC
 * channel's `disconnect` ends a healthy child at once, and a watchdog thread ends one whose event loop
 * is blocked (a trial spinning in a busy loop) by noticing that its parent process changed.
 *
 * @example
 * exitWhenOrphaned(); // first thing in a child's entry module
 */
export function exitWhenOrphaned(options: { onDisconnect?: () => void; checkMs?: number } = {}): void {
  process.on('disconnect', options.onDisconnect ?? (() => process.exit(0)));
  const parent = process.ppid;
  // A thread of its own: it runs while the main thread spins. process.ppid is read live from the OS.
  const source = `
    const { workerData } = require('node:worker_threads');
    setInterval(() => { if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL'); }, workerData.checkMs);
  `;
  const watchdog = new Worker(source, { eval: true, workerData: { parent, checkMs: options.checkMs ?? 500 } });
  watchdog.unref();
}

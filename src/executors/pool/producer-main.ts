/**
 * A producer: a child process of a pool (or of `metaorch orchestrator`) that runs trials. It builds
 * each run's adapters and scorers once, runs the trial specs it receives with `runTrial` (the same
 * function every executor ends in) and sends outcomes back in batches. It heartbeats, and exits when
 * its parent is gone.
 */
import { exitWhenOrphaned } from '../../supervisor/orphan-guard.js';
import { startProducer } from './producer.js';

exitWhenOrphaned();
// Ctrl-C in a terminal reaches the whole process group: the master decides when producers stop.
process.on('SIGINT', () => {});
startProducer({
  send: (message) => process.send?.(message),
  onMessage: (handler) => process.on('message', handler),
  exit: (code) => process.exit(code),
  heartbeatMs: Number(process.env['METAORCH_HEARTBEAT_MS'] ?? 1000),
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private redis-server for a test: a free port, a temporary folder, no persistence
 * (`--save '' --appendonly no`), `noeviction` unless asked otherwise. Stopped (and killed, and
 * restarted) by pid. `scripts/ensure-redis.sh` (npm test's pretest) installs the server when missing.
 *
 * @example
 * const redis = await startRedis();
 * try { ... redis.url ... } finally { await redis.stop(); }
 */
export interface TestRedis {
  url: string;
  port: number;
  /** The current server's pid (changes after a restart). */
  pid(): number;
  /** SIGKILL: the data is gone (no persistence). */
  kill9(): Promise<void>;
  /** Starts a fresh, empty server on the same port. */
  restart(): Promise<void>;
  /** SIGTERM, then removes the folder. */
  stop(): Promise<void>;
}

export async function startRedis(options: { maxmemoryPolicy?: string } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-redis-'));
  const port = await freePort();
  let proc = await launch(dir, port, options.maxmemoryPolicy ?? 'noeviction');
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => proc.pid as number,
    async kill9() {
      await terminate(proc, 'SIGKILL');
    },
    async restart() {
      await terminate(proc, 'SIGKILL');
      proc = await launch(dir, port, options.maxmemoryPolicy ?? 'noeviction');
    },
    async stop() {
      await terminate(proc, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(dir: string, port: number, policy: string): Promise<ChildProcess> {
  const proc = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--maxmemory-policy', policy, '--daemonize', 'no', '--loglevel', 'warning',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += String(d)));
  proc.stderr?.on('data', (d: Buffer) => (output += String(d)));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    if (await accepts(port)) return proc;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`redis-server did not listen on ${port}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function terminate(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

async function accepts(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end('PING\r\n');
      socket.once('data', () => resolve(true));
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

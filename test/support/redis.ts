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
  const policy = options.maxmemoryPolicy ?? 'noeviction';
  const first = await launchOnFreePort(dir, policy);
  const port = first.port;
  let proc = first.proc;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => proc.pid as number,
    async kill9() {
      await terminate(proc, 'SIGKILL');
    },
    async restart() {
      await terminate(proc, 'SIGKILL');
      proc = await launch(dir, port, policy);
    },
    async stop() {
      await terminate(proc, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A port below the kernel's ephemeral range (32768-60999), where no `listen(0)` of a parallel test
 * file and no outgoing connection can take it between the probe and a restart on the same port. One
 * can still be taken between the probe and the server's bind, so a few are tried.
 */
async function launchOnFreePort(dir: string, policy: string): Promise<{ port: number; proc: ChildProcess }> {
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    try {
      return { port, proc: await launch(dir, port, policy) };
    } catch (e) {
      if (tries === 5 || !/Address already in use/.test(String(e))) throw e;
    }
  }
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

/** A port in 20000-32767 that nothing listens on now. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

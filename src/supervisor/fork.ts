import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildCallbacks, ChildHandle, ProcessManager } from './types.js';

/** How to start one role's children. */
export interface ForkEntry {
  /** Absolute path of the child's entry module. */
  module: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  execArgv?: string[];
}

export interface ForkOptions {
  /** Receives every line a child writes to stdout or stderr. */
  output?: (id: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** Applied to the stderr tail that explains a death (it may echo a secret). */
  redact?: (text: string) => string;
}

const TAIL_LINES = 40;

/**
 * Real child processes through `child_process.fork`: an IPC channel to each (JSON messages), stdout
 * and stderr piped (forwarded line by line; the stderr tail explains a death).
 *
 * @example
 * const processes = forkProcessManager(() => moduleEntry(import.meta.url, './producer-main'));
 */
export function forkProcessManager(entryOf: (child: { id: string; role: string }) => ForkEntry, options: ForkOptions = {}): ProcessManager {
  return {
    spawn(child, callbacks: ChildCallbacks): ChildHandle {
      const entry = entryOf(child);
      const proc = fork(entry.module, entry.args ?? [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: entry.env ?? process.env,
        execArgv: entry.execArgv ?? [],
        serialization: 'json',
      });
      return watch(proc, child.id, callbacks, options);
    },
  };
}

function watch(proc: ChildProcess, id: string, callbacks: ChildCallbacks, options: ForkOptions): ChildHandle {
  const tail: string[] = [];
  let exited = false;
  const finish = (code: number | null, signal: string | null, fallback?: string) => {
    if (exited) return;
    exited = true;
    const text = lastWords(tail) ?? fallback;
    callbacks.onExit(code, signal, text ? (options.redact ?? ((s) => s))(text).slice(0, 500) : undefined);
  };
  lines(proc.stdout, (line) => options.output?.(id, 'stdout', line));
  lines(proc.stderr, (line) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    options.output?.(id, 'stderr', line);
  });
  proc.on('message', (message) => callbacks.onMessage(message));
  proc.on('error', (error) => {
    // A failed spawn has no exit event; a failed send on a closing channel is followed by one.
    if (proc.pid === undefined) finish(null, null, error.message);
  });
  proc.on('exit', (code, signal) => {
    // stderr may still hold the last words: wait briefly for it (not forever: a grandchild may hold the pipe).
    let done = false;
    const go = () => {
      if (done) return;
      done = true;
      finish(code, signal);
    };
    proc.once('close', go);
    setTimeout(go, 200).unref();
  });
  if (proc.pid === undefined) {
    // fork reports ENOENT and friends asynchronously through 'error'; pid is then undefined.
    return { pid: -1, send: () => false, kill: () => {} };
  }
  return {
    pid: proc.pid,
    send(message) {
      if (!proc.connected) return false;
      try {
        proc.send(message as object, (error) => {
          // A channel closing under a send: the exit event follows.
          if (error) return;
        });
        return true;
      } catch {
        return false;
      }
    },
    kill(signal) {
      proc.kill(signal);
    },
  };
}

/**
 * What explains a death, from the last lines of stderr: the last error line (`Error: ...`,
 * `TypeError: ...`), else the last line that is not a stack frame.
 *
 * @example
 * lastWords(['Error: Cannot find module x', '    at Module._resolve (...)']); // 'Error: Cannot find module x'
 */
export function lastWords(tail: readonly string[]): string | undefined {
  const meaningful = tail.map((l) => l.trim()).filter((l) => l && !l.startsWith('at ') && !/^Node\.js v\d/.test(l) && l !== '}' && l !== '^');
  for (let i = meaningful.length - 1; i >= 0; i--) if (/^(\w*Error|Error)\b.*:/.test(meaningful[i] as string)) return meaningful[i];
  return meaningful[meaningful.length - 1];
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, i).replace(/\r$/, ''));
      buffer = buffer.slice(i + 1);
    }
    if (buffer.length > 64 * 1024) {
      onLine(buffer);
      buffer = '';
    }
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
  });
}

/**
 * The entry of a child module next to `fromUrl`, runnable from the build (`.js`) and from sources
 * under a TypeScript loader (`.ts`, started with tsx).
 *
 * @example
 * moduleEntry(import.meta.url, './producer-main'); // { module: '/.../producer-main.js', execArgv: [] }
 */
export function moduleEntry(fromUrl: string, relative: string): ForkEntry {
  const fromTs = fromUrl.endsWith('.ts');
  const module = fileURLToPath(new URL(`${relative}${fromTs ? '.ts' : '.js'}`, fromUrl));
  return { module, execArgv: fromTs ? ['--import', 'tsx'] : [] };
}

#!/usr/bin/env -S node --
// `node --`: Node 20 reads `--env-file` anywhere on the command line and exits when the file is
// missing, before this program runs; after `--` the flag is this program's (metaorch run --env-file).
/**
 * The `metaorch` executable. It loads as little as it can before knowing what was asked:
 * `--version` is answered from package.json alone, and the program (cli/program.ts) loads only the
 * command that runs (each command imports its dependencies in its action).
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}\n`);
} else {
  // A run allocates short-lived objects at a high rate, and V8's default heap growth lets the old
  // generation grow far past the live set between full collections. Growing it by at most half keeps
  // a long run's peak memory near its live set (bench/cli.bench.ts: 213 MB at 10,000,000 trials, 243
  // without). Its CPU cost depends on the run's size: measured side by side, a run of 300,000 instant
  // trials was 15% faster without it, one of 1,000,000 15% slower (a larger heap touches more pages),
  // so it is set for every run. V8 reads this flag at every collection, so setting it here works.
  // bin/metaorch.cjs sets the same before compiling the bundle: V8's code cache is valid only under
  // the flags it was made with.
  setFlagsFromString('--heap-growing-percent=50');
  // `metaorch export RUN | head`: a reader that stops early is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  // No top-level await: the CLI's bundle (scripts/bundle.mjs) is CommonJS.
  void import('./program.js').then(async ({ main }) => {
    const code = await main(argv);
    process.exitCode = code;
    leave(code);
  });
}

/**
 * Leaves once what the command wrote has reached the operating system, without waiting for the event
 * loop to empty: a command's work is done when `main` returns, and Node's ordinary exit then spends
 * 10-20 ms tearing down a heap of tens of MB (a run's), which `process.exit` skips. A handle a user's
 * module left open cannot hold the process either. Output still queued in a stream (a pipe on macOS,
 * a slow terminal) is waited for, 50 ms at most after the last write.
 */
function leave(code: number): void {
  const queued = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  if (queued.length === 0) process.exit(code);
  let waiting = queued.length;
  for (const stream of queued) {
    stream.once('drain', () => {
      if (--waiting === 0) process.exit(code);
    });
  }
  setTimeout(() => process.exit(code), 50).unref();
}

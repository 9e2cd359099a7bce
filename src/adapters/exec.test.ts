import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { leaksSecret } from '../model/redact.js';
import { AdapterError } from './errors.js';
import { buildArgv, createExecAdapter, execOptionsSchema } from './exec.js';
import type { AdapterRequest } from './types.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/support/fixtures-exec');
const ctx = { baseDir: FIXTURES };
const scratch = mkdtempSync(join(tmpdir(), 'metaorch-exec-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const NASTY = `$(rm -rf ~); \`echo hi\` | && > x "quotes" 'single' \\back $HOME %PATH% * ? ~ ; {{system}}\nsecond line\ttab émoji ✓`;

function request(prompt: string, extra: Partial<AdapterRequest> = {}): AdapterRequest {
  return { prompt, task: { id: 'task-7', input: {} }, signal: new AbortController().signal, rng: createRandom(1), attempt: 2, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<AdapterError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdapterError);
  return err as AdapterError;
}

/**
 * Whether a process still runs. A zombie counts as dead: it has exited and only waits for its new
 * parent (PID 1, which in containers may reap slowly) to collect it.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ESRCH');
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true;
  }
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs hang.sh, aborts once its grandchild exists, and returns the grandchild pid and how long the call took to reject. */
async function abortHanging(mode: string): Promise<{ pid: number; rejectMs: number }> {
  const pidfile = join(scratch, `pid-${mode}`);
  const adapter = createExecAdapter({ command: ['sh', 'hang.sh', mode], env: { PIDFILE: pidfile } }, ctx);
  const controller = new AbortController();
  const reason = new Error('trial timeout');
  const call = adapter.call(request('x', { signal: controller.signal }));
  const settled = call.catch((e: unknown) => e);
  const pid = await waitFor(() => (existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8')) : undefined), 5000);
  expect(alive(pid)).toBe(true);
  const started = Date.now();
  controller.abort(reason);
  expect(await settled).toBe(reason);
  return { pid, rejectMs: Date.now() - started };
}

describe('exec adapter', () => {
  it('passes a prompt full of shell metacharacters through stdin untouched', async () => {
    // Run in an empty scratch dir, where a shell would have created the file x.
    const adapter = createExecAdapter({ command: ['node', join(FIXTURES, 'echo-stdin.mjs')], cwd: scratch }, ctx);
    expect((await adapter.call(request(NASTY))).output).toBe(NASTY);
    expect(readdirSync(scratch).filter((f) => f === 'x')).toEqual([]);
  });

  it('passes the same prompt through a {{prompt}} argument untouched, in one argument', async () => {
    const adapter = createExecAdapter(
      { command: ['node', join(FIXTURES, 'echo-args.mjs'), '--system={{system}}', '{{prompt}}', 'after'], cwd: scratch },
      ctx,
    );
    const { output } = await adapter.call(request(NASTY, { system: 'be $(brief)' }));
    expect(JSON.parse(output)).toEqual(['--system=be $(brief)', NASTY, 'after']);
    expect(readdirSync(scratch).filter((f) => f === 'x')).toEqual([]);
  });

  it("appends the prompt when input is 'arg' without a placeholder", () => {
    expect(buildArgv(['agent', '-q'], { prompt: 'do it' }, 'arg')).toEqual(['agent', '-q', 'do it']);
    expect(buildArgv(['agent', '-q'], { prompt: 'do it' }, 'stdin')).toEqual(['agent', '-q']);
    expect(buildArgv(['a', '{{prompt}}{{prompt}}'], { prompt: '$&$1' }, 'arg')).toEqual(['a', '$&$1$&$1']);
  });

  it('runs in cwd relative to the experiment directory, with extra env and the task id', async () => {
    const adapter = createExecAdapter({ command: ['node', 'fixtures-exec/show-env.mjs'], cwd: '..', env: { FIXTURE_VAR: 'v1' } }, ctx);
    const seen = JSON.parse((await adapter.call(request('hi'))).output) as Record<string, string>;
    expect(seen).toEqual({ cwd: resolve(FIXTURES, '..'), FIXTURE_VAR: 'v1', METAORCH_TASK_ID: 'task-7', METAORCH_ATTEMPT: '2' });
  });

  it('ignores stderr when the command succeeds and trims only when asked', async () => {
    const trimmed = createExecAdapter({ command: ['sh', 'warn-ok.sh'] }, ctx);
    expect(await trimmed.call(request(''))).toEqual({ output: 'the answer' });
    const raw = createExecAdapter({ command: ['sh', 'warn-ok.sh'], trim: false }, ctx);
    expect((await raw.call(request(''))).output).toBe('the answer\n');
  });

  it('reports a crash as a non-retryable process error with the exit code and the stderr tail', async () => {
    const adapter = createExecAdapter({ command: ['sh', 'crash.sh'] }, ctx);
    const err = await failure(adapter.call(request('')));
    expect(err).toMatchObject({ kind: 'process', retryable: false });
    expect(err.message).toContain('exited with code 3');
    expect(err.message).toContain('error line 30');
    expect(err.message).toContain('error line 11');
    expect(err.message).not.toContain('error line 10\n');
  });

  it('blanks credentials from the environment out of the stderr tail', async () => {
    const adapter = createExecAdapter(
      { command: ['sh', '-c', 'echo "auth failed for $AGENT_API_KEY" >&2; exit 1'], env: { AGENT_API_KEY: 'agent-SECRET-12345' } },
      ctx,
    );
    const err = await failure(adapter.call(request('')));
    expect(err.message).toContain('auth failed for [redacted]');
    expect(err.message).not.toContain('SECRET');
  });

  it('leaves no piece of a credential in the stderr tail, wherever the 2 KB cut falls in it', async () => {
    const key = 'tok-Q7x9Zr2mWb4Tn8LkP3vY6hJd';
    const canary = resolve(import.meta.dirname, '../../test/fixtures/reliability/canary.js');
    for (let k = 0; k <= key.length; k++) {
      const adapter = createExecAdapter({ command: ['node', canary, 'stderr-cut', String(k)], env: { API_TOKEN: key } }, ctx);
      const err = await failure(adapter.call(request('')));
      expect(err.message).toContain('exited with code 1');
      expect(leaksSecret(err.message, [key]), `cut at ${k}: ${err.message.slice(-60)}`).toBe(false);
    }
  });

  it('reports death by a signal, a missing program and oversized output', async () => {
    const killed = createExecAdapter({ command: ['sh', '-c', 'kill -9 $$'] }, ctx);
    expect((await failure(killed.call(request('')))).message).toContain('killed by SIGKILL');

    const missing = createExecAdapter({ command: ['metaorch-no-such-program-xyz'] }, ctx);
    const notFound = await failure(missing.call(request('')));
    expect(notFound).toMatchObject({ kind: 'process', retryable: false });
    expect(notFound.message).toContain('ENOENT');

    const big = createExecAdapter({ command: ['node', '-e', "process.stdout.write('x'.repeat(100000))"], maxOutputBytes: 1000 }, ctx);
    expect(await failure(big.call(request('')))).toMatchObject({ kind: 'invalid_output', retryable: false });
  });

  it('kills the whole process group on abort: the call rejects at once and no grandchild survives', async () => {
    const { pid, rejectMs } = await abortHanging('plain');
    expect(rejectMs).toBeLessThan(200);
    await waitFor(() => (alive(pid) ? undefined : true), 2000);
  });

  it('SIGKILLs a group that ignores SIGTERM after the grace period', async () => {
    const { pid, rejectMs } = await abortHanging('ignore-term');
    expect(rejectMs).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(true);
    await waitFor(() => (alive(pid) ? undefined : true), 3000);
  });

  it('does not wait for, and does not leave, background jobs of a command that exited', async () => {
    const adapter = createExecAdapter({ command: ['sh', 'leave-background.sh'] }, ctx);
    const started = Date.now();
    const pid = Number((await adapter.call(request(''))).output);
    expect(Date.now() - started).toBeLessThan(5000);
    await waitFor(() => (alive(pid) ? undefined : true), 2000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const adapter = createExecAdapter({ command: ['sh', 'warn-ok.sh'] }, ctx);
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(adapter.call(request('', { signal: controller.signal }))).rejects.toThrow('cancelled');
  });

  it('validates options and describes every one of them', () => {
    expect(execOptionsSchema.safeParse({ command: [] }).success).toBe(false);
    expect(execOptionsSchema.safeParse({ command: [''] }).success).toBe(false);
    expect(execOptionsSchema.safeParse({ command: ['x'], comand: ['y'] }).success).toBe(false);
    expect(execOptionsSchema.parse({ command: ['x'] })).toMatchObject({ trim: true, maxOutputBytes: 10 * 1024 * 1024 });
    for (const [name, field] of Object.entries(execOptionsSchema.shape)) {
      expect(field.description, name).toBeTruthy();
    }
  });
});

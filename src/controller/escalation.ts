import { spawn } from 'node:child_process';
import { resolveEnv } from '../config/env.js';

/** Where escalations go and how hard to try. Header values are already resolved from `${ENV}`. */
export interface EscalationTarget {
  webhook?: string;
  headers?: Record<string, string>;
  /** argv, never run through a shell; the payload comes on stdin. */
  command?: readonly string[];
  retries: number;
  timeoutMs: number;
}

/** An `escalate:` section as validated (controller or workflow front matter): durations in ms, `${ENV}` in headers. */
export interface EscalationConfig {
  webhook?: string | undefined;
  headers?: Record<string, string> | undefined;
  command?: readonly string[] | undefined;
  retries: number;
  timeout: number;
}

/**
 * The target of a validated `escalate:` section, header references resolved in this process.
 *
 * @example
 * const escalate = createEscalator(escalationTarget(config.escalate, process.env), redact);
 */
export function escalationTarget(config: EscalationConfig, env: NodeJS.ProcessEnv): EscalationTarget {
  return {
    ...(config.webhook ? { webhook: config.webhook } : {}),
    ...(config.headers ? { headers: resolveEnv(config.headers, env) as Record<string, string> } : {}),
    ...(config.command ? { command: config.command } : {}),
    retries: config.retries, timeoutMs: config.timeout,
  };
}

/** Version of the escalation payload's JSON shape. */
export const ESCALATION_SCHEMA_VERSION = 1 as const;

/**
 * What is sent: the decision with its evidence, and where it comes from.
 *
 * @example
 * { schemaVersion: 1, kind: 'meta-orchestrator/escalation', run: { id: '2026...', name: 'router' }, decision: { id: 3, kind: 'quarantine', ... } }
 */
export interface EscalationPayload {
  schemaVersion: typeof ESCALATION_SCHEMA_VERSION;
  kind: 'meta-orchestrator/escalation';
  run: { id: string; name: string };
  /** The decision (or a workflow's antipattern report): kind, target, reason, evidence... */
  decision: { id: number; kind: string; target: string; reason: string; [field: string]: unknown };
  sentAt: string;
}

/** What became of one escalation: sent, or failed after its retries (the run carries on either way). */
export interface EscalationResult {
  status: 'sent' | 'failed' | 'skipped';
  webhook?: { attempts: number; status: number | null; error: string | null };
  command?: { exitCode: number | null; error: string | null };
}

/**
 * Sends an escalation. Never throws: a failure is part of the result.
 *
 * @example
 * const escalate = createEscalator({ webhook: 'https://hooks.example.com/x', retries: 3, timeoutMs: 10_000 }, redact);
 * const result = await escalate(payload);
 */
export type Escalator = (payload: EscalationPayload) => Promise<EscalationResult>;

/** Delays between webhook attempts: 250 ms, 500 ms, 1 s, ... (capped at 8 s). */
export function retryDelay(attempt: number): number {
  return Math.min(8000, 250 * 2 ** (attempt - 1));
}

/**
 * The escalation effect shared by the controller and other subsystems (workflows escalate their
 * antipatterns through it): POST the payload as JSON to the webhook, retrying failed attempts
 * (network errors, timeouts, non-2xx) with exponential back-off, and/or run the command with the
 * payload on stdin. `redact` strips secrets from error messages before they are logged.
 *
 * @example
 * const escalate = createEscalator(target, runtime.redact, { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
 */
export function createEscalator(
  target: EscalationTarget,
  redact: (text: string) => string = (t) => t,
  io: { sleep?: (ms: number) => Promise<void> } = {},
): Escalator {
  // A referenced timer: a run that ends while an escalation waits to retry must not exit before it is delivered.
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (payload) => {
    if (!target.webhook && !target.command) return { status: 'skipped' };
    const body = JSON.stringify(payload);
    const result: EscalationResult = { status: 'sent' };
    if (target.webhook) {
      result.webhook = await postWithRetries(target, body, redact, sleep);
      if (result.webhook.error !== null) result.status = 'failed';
    }
    if (target.command) {
      result.command = await runCommand(target.command, body, target.timeoutMs, redact);
      if (result.command.error !== null) result.status = 'failed';
    }
    return result;
  };
}

async function postWithRetries(target: EscalationTarget, body: string, redact: (t: string) => string, sleep: (ms: number) => Promise<void>) {
  let status: number | null = null;
  let error: string | null = null;
  let attempts = 0;
  for (let attempt = 1; attempt <= target.retries + 1; attempt++) {
    attempts = attempt;
    try {
      const response = await fetch(target.webhook!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'meta-orchestrator', ...target.headers },
        body,
        signal: AbortSignal.timeout(target.timeoutMs),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return { attempts, status, error: null };
      error = `HTTP ${response.status}`;
    } catch (e) {
      status = null;
      error = redact(e instanceof Error ? `${e.name === 'TimeoutError' ? 'timeout' : e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e));
    }
    if (attempt <= target.retries) await sleep(retryDelay(attempt));
  }
  return { attempts, status, error };
}

function runCommand(argv: readonly string[], body: string, timeoutMs: number, redact: (t: string) => string): Promise<{ exitCode: number | null; error: string | null }> {
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const done = (exitCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ exitCode, error: error === null ? null : redact(error) });
    };
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(null, `timed out after ${timeoutMs} ms`);
    }, timeoutMs);
    timer.unref();
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    child.on('error', (e) => done(null, e.message));
    child.on('close', (code) => done(code, code === 0 ? null : `exit ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(body);
  });
}

/**
 * A synchronous, scripted shell for the step machine: answers every action from a script, so tests
 * (and simulations) drive whole workflows through the pure transition function with no I/O.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileWorkflow } from '../compile.js';
import type { WorkflowPlan } from '../model.js';
import type { CallOutcome, WorkflowState } from '../state.js';
import { parseList } from './answers.js';
import { EMPTY_CONTEXT, initialState, transition, type MachineAction, type MachineContext, type MachineEvent, type TrialRecordAction } from './index.js';

/** A workflow document's plan, from its text. */
export function planOf(text: string): WorkflowPlan {
  const dir = mkdtempSync(join(tmpdir(), 'metaorch-machine-'));
  const file = join(dir, 'wf.md');
  writeFileSync(file, text);
  return compileWorkflow(file, { env: {} });
}

export interface Script {
  /** The answer of a call: text, or an Error for a failed call. `n` counts this instance's calls from 1. */
  answer(role: 'generate' | 'review' | 'voter', instance: string, n: number, runtime: string): string | Error;
  /** Exit status of a check's `n`th run (default 0). */
  check?(instance: string, n: number): number;
}

export interface Driven {
  state: WorkflowState;
  actions: MachineAction[];
  trials: TrialRecordAction[];
  files: Map<string, string>;
  calls: { role: string; instance: string; runtime: string; brief: string }[];
}

const ok = (output: string, now: number): CallOutcome => ({
  status: 'ok', output, error: null, attempts: [{ n: 1, latencyMs: 5 }], latencyMs: 5, tokens: { input: 10, output: 5 }, cost: 0.001, startedAt: now, finishedAt: now,
});
const failed = (message: string, now: number): CallOutcome => ({
  status: 'error', output: null, error: { kind: 'server', message, retryable: true }, attempts: [{ n: 1, latencyMs: 5 }], latencyMs: 5,
  tokens: { input: 0, output: 0 }, cost: 0, startedAt: now, finishedAt: now,
});

/**
 * Runs the machine until nothing is left to do (completed, failed, or waiting for approval).
 *
 * @example
 * const d = drive(plan, { answer: () => 'text' });
 * d.state.status; // 'completed'
 */
export function drive(plan: WorkflowPlan, script: Script, o: { state?: WorkflowState; events?: MachineEvent[]; context?: MachineContext; seed?: number; force?: boolean } = {}): Driven {
  let now = 1_000;
  let state = o.state ?? initialState(plan, { runId: 'r', workdir: '/w', seed: o.seed ?? 7, force: o.force ?? false, now });
  const queue: MachineEvent[] = o.events ?? [{ type: 'start', now }];
  const out: Driven = { state, actions: [], trials: [], files: new Map(), calls: [] };
  const counts = new Map<string, number>();
  const checks = new Map<string, number>();
  const roleOf = new Map<number, { role: 'generate' | 'review' | 'voter'; instance: string; runtime: string }>();
  for (let guard = 0; queue.length && guard < 20_000; guard++) {
    const event = queue.shift()!;
    const r = transition(plan, state, event, o.context ?? EMPTY_CONTEXT);
    state = r.state;
    now += 10;
    for (const a of r.actions) {
      out.actions.push(a);
      switch (a.type) {
        case 'prepare': {
          const role = a.brief.role;
          roleOf.set(a.seq, { role, instance: a.instance, runtime: state.calls[String(a.seq)]!.runtime });
          queue.push({ type: 'prepared', seq: a.seq, brief: JSON.stringify(a.brief), context: { tokens: 1, chars: 4, knowledge: { included: [], excluded: [] } }, now });
          break;
        }
        case 'dispatch': {
          const who = roleOf.get(a.seq)!;
          const n = (counts.get(`${who.role} ${a.instance}`) ?? 0) + 1;
          counts.set(`${who.role} ${a.instance}`, n);
          out.calls.push({ role: who.role, instance: a.instance, runtime: a.runtime, brief: a.brief });
          const answer = script.answer(who.role, a.instance, n, a.runtime);
          queue.push({ type: 'call-finished', seq: a.seq, outcome: answer instanceof Error ? failed(answer.message, now) : ok(answer, now), now });
          break;
        }
        case 'record-trial':
          out.trials.push(a);
          break;
        case 'write-artifact':
          out.files.set(a.path, a.content);
          queue.push({ type: 'artifact-written', name: a.name, now });
          break;
        case 'write-notes':
          out.files.set(a.path, `${(out.files.get(a.path) ?? '').split('## REVIEW NOTES')[0]!.trimEnd()}\n\n${a.notes}`);
          queue.push({ type: 'artifact-written', name: a.name, now });
          break;
        case 'run-check': {
          const n = (checks.get(a.instance) ?? 0) + 1;
          checks.set(a.instance, n);
          const code = script.check?.(a.instance, n) ?? 0;
          queue.push({ type: 'check-finished', instance: a.instance, exitCode: code, output: code ? `failure ${n}` : 'ok', now });
          break;
        }
        case 'expand': {
          const raw = a.source.kind === 'artifact' ? out.files.get(state.artifacts[a.source.name]?.path ?? '') ?? null : a.source.kind === 'value' ? a.source.value : plan.inputs[a.list]?.value;
          const items = raw === null || raw === undefined ? { error: 'missing' } : parseList(raw);
          queue.push('error' in items ? { type: 'expanded', instance: a.instance, items: null, error: items.error, now } : { type: 'expanded', instance: a.instance, items, now });
          break;
        }
        default:
          break;
      }
    }
  }
  out.state = state;
  return out;
}

/**
 * Where a detected antipattern goes: through the controller's escalation and decision log. The
 * default hook records a decision of kind `escalate` in the run's decision log (`metaorch decisions
 * RUN` lists it, with its evidence), a `decision` event (the dashboard lists decisions), a line for
 * the user, and, when the front matter names an `escalate:` target, sends it there with the
 * controller's escalator (webhook with retries, command), recording the delivery on the decision.
 */
import { ESCALATION_SCHEMA_VERSION, type Escalator } from '../controller/escalation.js';
import type { Store } from '../store/store.js';
import type { Escalation } from './antipatterns.js';

export interface EscalationHook {
  escalate(escalation: Escalation & { runId: string; at: number }): void | Promise<void>;
}

/** The decision recorded for an escalation (event type `decision`). */
export interface EscalationDecision {
  kind: 'escalate';
  source: 'workflow';
  antipattern: Escalation['kind'];
  target: string;
  reason: string;
  evidence: Record<string, unknown>;
  at: number;
}

/**
 * The default hook: a `decision` event in the run's event sequence, and a line for the user.
 *
 * @example
 * const hook = decisionLogEscalation((type, data) => writer.event(type, data), (line) => console.error(line));
 */
export function decisionLogEscalation(event: (type: string, data: unknown) => void, say: (line: string) => void): EscalationHook {
  return {
    escalate(e) {
      const decision: EscalationDecision = { kind: 'escalate', source: 'workflow', antipattern: e.kind, target: e.target, reason: e.reason, evidence: e.evidence, at: e.at };
      event('decision', decision);
      say(`escalation (${e.kind}) on ${e.target}: ${e.reason}`);
    },
  };
}

export interface ControllerEscalationOptions {
  store: Store;
  runId: string;
  runName: string;
  /** Queues an event in the run's sequence (the trial writer's). */
  event: (type: string, data: unknown) => void;
  say: (line: string) => void;
  /** Where escalations go besides the log (the front matter's `escalate:`), or null. */
  escalator: Escalator | null;
}

/**
 * The workflow's escalation through the controller's decision log and escalator. `escalate` resolves
 * once the escalation is delivered (or failed after its retries); it never throws.
 *
 * @example
 * const hook = controllerEscalation({ store, runId, runName: plan.name, event, say, escalator: createEscalator(target, redact) });
 */
export function controllerEscalation(o: ControllerEscalationOptions): EscalationHook {
  const log = decisionLogEscalation(o.event, o.say);
  return {
    async escalate(e) {
      await log.escalate(e);
      const recorded = o.store.controller.append(o.runId, {
        kind: 'escalate', target: e.target, reason: e.reason, detector: e.kind, evidence: e.evidence, change: null,
        atTrial: o.store.runTotals(o.runId).finished, time: e.at, fromSeq: 0, validation: { status: 'not-applicable' },
        undoes: null, undoneBy: null, source: 'workflow', escalate: o.escalator !== null,
      });
      if (!o.escalator) return;
      const result = await o.escalator({
        schemaVersion: ESCALATION_SCHEMA_VERSION, kind: 'meta-orchestrator/escalation', run: { id: o.runId, name: o.runName },
        decision: { ...recorded }, sentAt: new Date().toISOString(),
      });
      o.store.controller.update(o.runId, recorded.id, { delivery: result });
      if (result.status === 'failed') o.say(`escalation of ${e.kind} on ${e.target} could not be delivered: ${result.webhook?.error ?? result.command?.error ?? 'unknown error'}`);
    },
  };
}

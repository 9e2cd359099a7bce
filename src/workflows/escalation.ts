/**
 * Where a detected antipattern goes. The hook has the shape of the controller's escalation (kind,
 * target, reason, evidence); the default records a `decision` of kind `escalate` with its evidence in
 * the store's event sequence (the dashboard lists decisions) and says so on stderr. A controller, a
 * webhook or a command plugs in by passing another hook.
 */
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

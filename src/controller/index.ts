/**
 * The meta-controller: watches metric windows per variant, detects failure spikes, score drops,
 * latency and cost regressions, rework, thrashing, starvation and stalls with tests that stay valid
 * under continuous monitoring; decides (reweight, quarantine, probe, restore, roll back, escalate,
 * pause, reset) within bounds and with dampening; validates every change against a control share.
 *
 * The core (`createController`, `transition`, `steeringFor`) is pure: events in, actions out, no
 * clock, no I/O. The engine's shell feeds it and performs its actions; `escalation.ts` and the
 * decision log are the effects other subsystems may call too.
 */
export { controllerSchema, defaultControllerConfig, parseControllerConfig, ACTION_NAMES, DETECTOR_NAMES } from './config.js';
export type { ControllerConfig, ControllerIssue, ActionName, DetectorName } from './config.js';
export { createController } from './state.js';
export type { ControllerInit, ControllerState } from './state.js';
export { transition } from './core.js';
export type { ControllerEvent } from './core.js';
export type { ControllerAction } from './decide.js';
export { steeringFor } from './steering.js';
export { DECISION_KINDS } from './decision.js';
export type { Decision, DecisionKind, Evidence, ValidationResult, ValidationStatus, ArmChange, BreakerState } from './decision.js';
export { summariseDecisions } from '../report/decisions.js';
export type { DecisionSummary } from '../report/decisions.js';
export { createEscalator, ESCALATION_SCHEMA_VERSION } from './escalation.js';
export type { Escalator, EscalationPayload, EscalationResult, EscalationTarget } from './escalation.js';
export { controllerMetrics, METRICS_SCHEMA_VERSION } from './metrics.js';
export type { ControllerMetrics, VariantControlMetrics, DetectorMetrics } from './metrics.js';

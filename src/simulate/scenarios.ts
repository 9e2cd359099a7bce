import type { ControllerScenario, SimVariant } from './controlled.js';

const LAT = { median: 400, p95: 1200 };

function trio(overrides: Partial<Record<'a' | 'b' | 'c', Partial<SimVariant>>> = {}): SimVariant[] {
  return [
    { id: 'a', accuracy: 0.7, failureRate: 0.05, latencyMs: LAT, cost: 0.001, ...overrides.a },
    { id: 'b', accuracy: 0.75, failureRate: 0.05, latencyMs: LAT, cost: 0.002, ...overrides.b },
    { id: 'c', accuracy: 0.8, failureRate: 0.05, latencyMs: LAT, cost: 0.003, ...overrides.c },
  ];
}

/**
 * The controller scenarios of `metaorch simulate --scenario` and `bench/controller.bench.ts`. Three
 * variants (accuracy 0.70 / 0.75 / 0.80, 5% failures, latency median 400 ms, p95 1,200 ms) unless
 * said otherwise; changes come from a trial number of the run on, as a mock `schedule` does.
 */
export const SCENARIOS: Record<string, (trials?: number) => ControllerScenario> = {
  stationary: (trials = 100_000) => ({
    name: 'stationary', description: 'nothing changes: any action is a false alarm', trials, variants: trio(),
  }),
  'stationary-equal': (trials = 100_000) => ({
    name: 'stationary-equal', description: 'three identical variants (the allocation wanders most): any action is a false alarm', trials,
    variants: trio({ a: { accuracy: 0.75 }, c: { accuracy: 0.75 } }),
  }),
  'failure-spike': (trials = 12_000) => ({
    name: 'failure-spike', description: 'the failure rate of c (the best) rises from 5% to 15% at trial 6,000', trials,
    variants: trio({ c: { schedule: [{ trial: 6000, failureRate: 0.15 }] } }), incident: { variant: 'c', trial: 6000 },
  }),
  outage: (trials = 8_000) => ({
    name: 'outage', description: 'c (the best) fails outright at trial 4,000: failure rate 2% -> 60%', trials,
    variants: trio({ a: { failureRate: 0.02 }, b: { failureRate: 0.02 }, c: { failureRate: 0.02, schedule: [{ trial: 4000, failureRate: 0.6 }] } }),
    incident: { variant: 'c', trial: 4000 },
  }),
  'slow-drift': (trials = 40_000) => ({
    name: 'slow-drift', description: 'the accuracy of c (the best) drifts down from 0.80 to 0.50 in ten steps between trials 10,000 and 28,000', trials,
    variants: trio({ c: { schedule: Array.from({ length: 10 }, (_, i) => ({ trial: 10_000 + i * 2000, accuracy: 0.8 - 0.03 * (i + 1) })) } }),
    incident: { variant: 'c', trial: 10_000 },
  }),
  'latency-regression': (trials = 12_000) => ({
    name: 'latency-regression', description: 'the latency of c (the best) gets 50% slower at trial 6,000 (median and p95 x 1.5)', trials,
    variants: trio({ c: { schedule: [{ trial: 6000, latencyMs: { median: 600, p95: 1800 } }] } }), incident: { variant: 'c', trial: 6000 },
  }),
  recovery: (trials = 30_000) => ({
    name: 'recovery', description: 'c (the best) fails outright (2% -> 60%) from trial 6,000 to 9,000, then recovers', trials,
    variants: trio({ a: { failureRate: 0.02 }, b: { failureRate: 0.02 }, c: { failureRate: 0.02, schedule: [{ trial: 6000, failureRate: 0.6 }, { trial: 9000, failureRate: 0.02 }] } }),
    incident: { variant: 'c', trial: 6000, until: 9000 },
  }),
  swap: (trials = 40_000) => ({
    name: 'swap', description: 'abrupt drift: at trial 10,000 the best (c, 0.80) drops to 0.60 and a (0.70) rises to 0.85', trials,
    variants: trio({ a: { schedule: [{ trial: 10_000, accuracy: 0.85 }] }, c: { schedule: [{ trial: 10_000, accuracy: 0.6 }] } }),
    incident: { variant: 'c', trial: 10_000 },
  }),
};

/** Names of the scenarios, in the order they are documented. */
export const scenarioNames: readonly string[] = Object.keys(SCENARIOS);

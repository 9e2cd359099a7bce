import type { ControllerConfig } from '../controller/config.js';
import { transition, type ControllerEvent } from '../controller/core.js';
import type { Decision } from '../controller/decision.js';
import { createController, type ControllerState } from '../controller/state.js';
import { steeringFor } from '../controller/steering.js';
import { createRandom, type Random } from '../model/random.js';
import { createPolicy, type PolicyConfig } from '../policies/registry.js';
import { steer } from '../policies/steer.js';

/** What a simulated variant does, as the mock adapter would. */
export interface SimBehaviour {
  accuracy: number;
  /** Per attempt. */
  failureRate: number;
  latencyMs: { median: number; p95: number };
  /** Dollars per call. */
  cost: number;
}

/** A change of behaviour from a trial number of the run on, as in a mock `schedule`. */
export interface SimChange extends Partial<SimBehaviour> {
  trial: number;
}

export interface SimVariant extends SimBehaviour {
  id: string;
  retries?: number;
  schedule?: SimChange[];
}

/** A controller scenario: the variants (with their schedules) and how long it runs. */
export interface ControllerScenario {
  name: string;
  description: string;
  variants: SimVariant[];
  trials: number;
  /** The variant that changes and the trial it changes at, for detection delays. */
  incident?: { variant: string; trial: number; until?: number };
}

export interface ControlledOptions {
  scenario: ControllerScenario;
  policy: PolicyConfig;
  /** Null: the policy alone. */
  controller: ControllerConfig | null;
  seed: number;
  /** Decisions forced at given trials (tests, the bench's harmful change). */
  force?: { trial: number; variant: string; weight: number }[];
  /** Mean reward is recorded per this many trials (default 500). */
  every?: number;
}

/** One simulated run. */
export interface ControlledResult {
  scenario: string;
  seed: number;
  controlled: boolean;
  trials: number;
  decisions: Decision[];
  /** Mean reward of each block of `every` trials. */
  rewardBlocks: number[];
  every: number;
  meanReward: number;
  /** Sum over trials of (best expected reward now - the chosen variant's expected reward). */
  regret: number;
  /** Variant index of every trial (for delays in "its trials"). */
  arms: Uint8Array;
  /** Largest change of any weight or floor between two ticks. */
  maxStep: number;
}

const Z95 = 1.6448536269514722;

function behaviourAt(v: SimVariant, seq: number): SimBehaviour {
  let b: SimBehaviour = v;
  for (const c of v.schedule ?? []) if (seq >= c.trial) b = { ...b, ...c };
  return b;
}

/** Expected reward: the trial succeeds (some attempt does not fail) and is right. */
export function expectedReward(b: SimBehaviour, retries: number): number {
  return (1 - b.failureRate ** (retries + 1)) * b.accuracy;
}

function latency(b: SimBehaviour, rng: Random): number {
  const mu = Math.log(b.latencyMs.median);
  const sigma = (Math.log(b.latencyMs.p95) - mu) / Z95;
  return Math.exp(mu + sigma * rng.normal());
}

/**
 * Runs a scenario at simulation speed through the same pieces the engine uses: the policy, `steer`,
 * and the controller core fed with trial events (time advances by each trial's simulated latency).
 * One trial at a time, so feedback is immediate; every random draw is seeded.
 *
 * @example
 * const r = simulateControlled({ scenario: failureSpike(), policy: { name: 'thompson', discount: 0.999 }, controller: defaultControllerConfig(), seed: 1 });
 * r.decisions.map((d) => d.kind);
 */
export function simulateControlled(o: ControlledOptions): ControlledResult {
  const { scenario, seed } = o;
  const k = scenario.variants.length;
  const root = createRandom(seed);
  const policy = createPolicy(o.policy, k, root.fork('policy-update'));
  const minShare = typeof o.policy['minShare'] === 'number' ? o.policy['minShare'] : undefined;
  const state: ControllerState | null = o.controller
    ? createController({ config: o.controller, variants: scenario.variants.map((v) => ({ id: v.id, retries: v.retries ?? 0 })), seed, steerable: true, ...(minShare !== undefined ? { policyMinShare: minShare } : {}) })
    : null;
  const all = Array.from({ length: k }, (_, i) => i);
  const pending = new Float64Array(k);
  const every = o.every ?? 500;
  const blocks: number[] = [];
  const arms = new Uint8Array(scenario.trials);
  const decisions: Decision[] = [];
  const forced = [...(o.force ?? [])].sort((a, b) => a.trial - b.trial);
  let blockSum = 0;
  let total = 0;
  let regret = 0;
  let time = 1_700_000_000_000;
  let maxStep = 0;
  const last = state ? state.arms.map((a) => [a.weight, a.floor] as const) : [];
  // One stream for the choices and one per variant for its outcomes (common random numbers: the j-th
  // trial of a variant draws the same numbers whatever was chosen before, with or without controller).
  const choiceRng = root.fork('choose');
  const streams = scenario.variants.map((v) => root.fork(`variant:${v.id}`));
  // Behaviours change only at scheduled trials: keep the current ones and the best expected reward.
  const changes = [...new Set(scenario.variants.flatMap((v) => (v.schedule ?? []).map((c) => c.trial)))].sort((a, b) => a - b);
  let current = scenario.variants.map((v) => behaviourAt(v, 0));
  let expected = current.map((b, i) => expectedReward(b, scenario.variants[i]!.retries ?? 0));
  let best = Math.max(...expected);
  let nextChange = 0;

  const perform = (actions: ReturnType<typeof transition>['actions']) => {
    for (const a of actions) if (a.type === 'record') decisions.push(a.decision);
  };

  for (let seq = 0; seq < scenario.trials; seq++) {
    if (changes[nextChange] !== undefined && seq >= changes[nextChange]!) {
      while (changes[nextChange] !== undefined && seq >= changes[nextChange]!) nextChange++;
      current = scenario.variants.map((v) => behaviourAt(v, seq));
      expected = current.map((b, i) => expectedReward(b, scenario.variants[i]!.retries ?? 0));
      best = Math.max(...expected);
    }
    while (state && forced[0] && forced[0].trial <= seq) {
      const f = forced.shift()!;
      perform(transition(state, { type: 'force', time, arm: scenario.variants.findIndex((v) => v.id === f.variant), weight: f.weight, reason: `forced: weight ${f.weight} from trial ${f.trial}` }).actions);
    }
    const arm = state ? steer(policy, steeringFor(state, seq), { eligible: all, pending, rng: choiceRng }) : policy.choose({ eligible: all, pending, rng: choiceRng });
    const variant = scenario.variants[arm]!;
    const b = current[arm]!;
    const retries = variant.retries ?? 0;
    const trialRng = streams[arm]!;
    let attempts = 0;
    let ok = false;
    let ms = 0;
    while (attempts <= retries) {
      attempts++;
      ms = latency(b, trialRng);
      if (!(trialRng.next() < b.failureRate)) {
        ok = true;
        break;
      }
    }
    const correct = ok && trialRng.next() < b.accuracy;
    const reward = correct ? 1 : 0;
    regret += best - expected[arm]!;
    policy.update(arm, reward, { success: ok, latencyMs: ms, cost: b.cost * attempts });
    time += ms;
    arms[seq] = arm;
    if (state) {
      const event: ControllerEvent = {
        type: 'trial', seq, nextSeq: seq + 1, arm, time, status: ok ? 'ok' : 'error', errorKind: ok ? null : 'server', score: ok ? reward : null,
        reward, latencyMs: ms, cost: b.cost * attempts, attempts,
      };
      perform(transition(state, event).actions);
      for (let i = 0; i < state.arms.length; i++) {
        const a = state.arms[i]!;
        const [w, f] = last[i]!;
        if (a.weight !== w || a.floor !== f) {
          maxStep = Math.max(maxStep, Math.abs(a.weight - w), Math.abs(a.floor - f));
          last[i] = [a.weight, a.floor];
        }
      }
    }
    blockSum += reward;
    total += reward;
    if ((seq + 1) % every === 0) {
      blocks.push(blockSum / every);
      blockSum = 0;
    }
  }
  return {
    scenario: scenario.name, seed, controlled: state !== null, trials: scenario.trials, decisions, rewardBlocks: blocks, every,
    meanReward: total / scenario.trials, regret, arms, maxStep,
  };
}

/**
 * The first decision about `variant` at or after trial `from` (of kinds that act on it), and how many
 * of its own trials ran between the change and that decision.
 *
 * @example
 * firstAction(result, 1, 6000); // { decision, variantTrials: 212 }
 */
export function firstAction(r: ControlledResult, variant: { index: number; id: string }, from: number, kinds: readonly string[] = ['reweight', 'quarantine', 'escalate', 'pause']): { decision: Decision; variantTrials: number } | null {
  const d = r.decisions.find((x) => x.target === variant.id && kinds.includes(x.kind) && x.atTrial >= from && x.source === 'controller');
  if (!d) return null;
  let n = 0;
  for (let t = from; t < Math.min(d.atTrial, r.arms.length); t++) if (r.arms[t] === variant.index) n++;
  return { decision: d, variantTrials: n };
}

import type { Experiment } from '../config/experiment.js';
import { createRandom, seedHasher } from '../model/random.js';
import type { Task } from '../model/task.js';
import { cycledTasks, type TaskSource } from './task-source.js';
import type { TrialSpec } from '../model/trial.js';
import { createPolicy, glrStop, type PolicyConfig, type PolicySnapshot } from '../policies/index.js';
import { steer, type Steering } from '../policies/steer.js';
import { reward } from './objective.js';
import type { AdaptiveHistory, FinishedTrial } from '../store/records.js';
import type { Scheduler, StopReason } from './types.js';

/**
 * How a controller reaches into choices: the steering for each trial (weights, minimum shares,
 * quarantined variants left out). The policy itself is untouched, so replay on resume is unaffected.
 */
export interface ChoiceControl {
  steering(seq: number): Steering;
}

export interface AdaptiveScheduler extends Scheduler {
  stopReason(): StopReason | null;
  /** One past the highest seq dispatched so far. */
  readonly nextSeq: number;
  /** The winner and the evidence, once the stopping rule fired. */
  readonly decision: { best: string; statistic: number; threshold: number; confidence: number } | null;
}

/**
 * A policy spends the budget: each next trial goes to the variant the policy chooses from what has
 * finished, counting what is in flight as pending. Tasks come in a seeded random order (a fresh
 * permutation per pass), independent of the choices, so every variant sees the same distribution.
 * Resume replays the finished trials in the order they finished, so with the same seed the choices
 * after a resume are the ones an uninterrupted run would have made.
 *
 * @example
 * const scheduler = adaptiveScheduler(runId, experiment, { finished: [], unfinished: [], nextSeq: 0 }, (s) => writer.event('policy', s));
 */
export function adaptiveScheduler(
  runId: string,
  experiment: Experiment,
  history: AdaptiveHistory,
  onSnapshot: (snapshot: PolicySnapshot & { finished: number; variants: string[] }) => void,
  tasks: TaskSource = cycledTasks(experiment.tasks, experiment.seed),
  control?: ChoiceControl,
): AdaptiveScheduler {
  const variants = experiment.variants.map((v) => v.id);
  const armOf = new Map(variants.map((id, i) => [id, i]));
  const k = variants.length;
  const root = createRandom(experiment.seed);
  const policy = createPolicy((experiment.policy ?? { name: 'thompson' }) as PolicyConfig, k, root.fork('policy-update'));
  const pending = new Float64Array(k);
  const n = new Float64Array(k);
  const sum = new Float64Array(k);
  const sumSq = new Float64Array(k);
  const seedOf = seedHasher(experiment.seed);
  const chooseSeedOf = seedHasher(experiment.seed, 'choose');
  const redispatch = [...history.unfinished];
  let nextSeq = history.nextSeq;
  let finished = 0;
  let decision: AdaptiveScheduler['decision'] = null;

  const learn = (arm: number, trial: Omit<FinishedTrial, 'seq' | 'variantId'>) => {
    const r = trial.reward ?? reward(experiment.objective, trial);
    policy.update(arm, r, { success: trial.status === 'ok', latencyMs: trial.latencyMs, cost: trial.cost });
    n[arm]! += 1;
    sum[arm]! += r;
    sumSq[arm]! += r * r;
    finished++;
  };

  const checkStop = () => {
    const rule = experiment.stop;
    if (!rule || decision) return;
    for (let i = 0; i < k; i++) if (n[i]! < Math.max(1, rule.minTrials)) return;
    const d = glrStop(n, sum, sumSq, 1 - rule.confidence);
    if (d.stop) decision = { best: variants[d.best] ?? '', statistic: d.statistic, threshold: d.threshold, confidence: rule.confidence };
  };

  for (const trial of history.finished) {
    const arm = armOf.get(trial.variantId);
    if (arm !== undefined) learn(arm, trial);
  }
  checkStop();

  const spec = (seq: number, arm: number, taskIdx: number, repeat: number): TrialSpec => {
    pending[arm]! += 1;
    const task = experiment.tasks.at(taskIdx) as Task;
    return { runId, seq, variantId: variants[arm] ?? '', task, taskIdx, repeat, seed: seedOf(seq) };
  };

  return {
    planned: experiment.budget.trials ?? null,
    get decision() {
      return decision;
    },
    get nextSeq() {
      return nextSeq;
    },
    stopReason: () => (decision ? 'confident' : null),
    next() {
      const again = redispatch.shift();
      if (again) {
        const arm = armOf.get(again.variantId);
        if (arm !== undefined && again.taskIdx < experiment.tasks.length) return spec(again.seq, arm, again.taskIdx, again.repeat);
      }
      if (decision) return null;
      const pick = tasks.next(nextSeq);
      if (!pick) return null;
      const seq = nextSeq++;
      const rng = createRandom(chooseSeedOf(seq));
      const arm = control ? steer(policy, control.steering(seq), { eligible: ALL(k), pending, rng }) : policy.choose({ eligible: ALL(k), pending, rng });
      return spec(seq, arm, pick.taskIdx, pick.pass);
    },
    onResult(trialSpec, outcome) {
      const arm = armOf.get(trialSpec.variantId);
      if (arm === undefined) return;
      pending[arm]! -= 1;
      learn(arm, { status: outcome.status, score: outcome.score, cost: outcome.cost ?? 0, latencyMs: outcome.latencyMs, reward: null });
      if (finished % experiment.snapshotEvery === 0) {
        onSnapshot({ ...policy.snapshot(root.fork(`snapshot-${finished}`)), finished, variants });
      }
      checkStop();
    },
  };
}

const allArms = new Map<number, number[]>();
function ALL(k: number): number[] {
  let arms = allArms.get(k);
  if (!arms) allArms.set(k, (arms = Array.from({ length: k }, (_, i) => i)));
  return arms;
}

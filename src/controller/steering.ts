import type { Steering } from '../policies/steer.js';
import type { ControllerState } from './state.js';
import { sliceOf } from './validation.js';

function build(state: ControllerState, override?: { arm: number; weight: number; floor: number; excluded: boolean }): Steering {
  const k = state.arms.length;
  const weights = new Float64Array(k);
  const floors = new Float64Array(k);
  const eligible: number[] = [];
  state.arms.forEach((arm, i) => {
    const o = override?.arm === i ? override : null;
    const closed = o ? !o.excluded : arm.breaker === 'closed';
    weights[i] = o ? o.weight : arm.weight;
    floors[i] = o ? (o.excluded ? 0 : o.floor) : arm.floor;
    if (closed) eligible.push(i);
  });
  // Never nothing to choose from: the quarantine limit keeps one variant in, but a control share may not.
  if (eligible.length === 0) eligible.push(...state.arms.map((_, i) => i));
  let floorTotal = 0;
  for (const f of floors) floorTotal += f;
  if (floorTotal > 1) {
    for (let i = 0; i < k; i++) floors[i]! /= floorTotal;
    floorTotal = 1;
  }
  return { eligible, weights, floors, floorTotal };
}

/**
 * The steering for trial `seq`: the allocation in force, or, when the trial falls in the control
 * slice of a change under test, the allocation from before that change. Cached until the state's
 * `version` changes, so the hot path allocates nothing.
 *
 * @example
 * const arm = steer(policy, steeringFor(state, seq), { eligible: [], pending, rng });
 */
export function steeringFor(state: ControllerState, seq: number): Steering {
  if (state.steeringVersion !== state.version || !state.steering) {
    state.steering = build(state);
    state.steeringVersion = state.version;
    state.controls.fill(null);
  }
  const v = state.config.validation;
  if (!v || state.validating === 0) return state.steering;
  const slice = sliceOf(state.seed, seq, v.controlShare, state.validations.length);
  const val = slice >= 0 ? state.validations[slice] : null;
  if (!val || seq < val.fromSeq) return state.steering;
  let control = state.controls[slice];
  if (!control) {
    control = build(state, { arm: val.arm, ...val.before });
    state.controls[slice] = control;
  }
  return control;
}

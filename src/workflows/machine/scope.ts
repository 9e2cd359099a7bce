/**
 * Names under for-each bindings: which artifact instance `{{code}}` means inside item `auth` (its own
 * `code[auth]`) or after the for-each (every item's), and the file an artifact of an item is written to.
 */
import type { StepNode, WorkflowPlan } from '../model.js';
import { instanceId, type Binding, type WorkflowState } from '../state.js';

/** The for-each item variables around a step, outermost first. */
export function loopDepth(plan: WorkflowPlan, stepId: string): number {
  let depth = 0;
  for (let p = plan.steps[stepId]?.parent ?? null; p; p = plan.steps[p]?.parent ?? null) if (plan.steps[p]?.kind === 'for-each') depth++;
  return depth;
}

/** The name of an output's instance under bindings: `code` in item auth -> `code[auth]`. */
export function scopedName(plan: WorkflowPlan, output: string, bindings: readonly Binding[]): string {
  const producer = plan.producers[output];
  const depth = producer ? loopDepth(plan, producer) : 0;
  return instanceId(output, bindings.slice(0, depth));
}

/**
 * The instances of an output a step sees: its own item's (one), or every item's when the step is
 * outside the for-each that produces it. Prefix match on `code[`: the state holds what exists.
 */
export function visibleInstances(plan: WorkflowPlan, state: WorkflowState, output: string, bindings: readonly Binding[], kind: 'artifact' | 'vote'): string[] {
  const producer = plan.producers[output];
  const depth = producer ? loopDepth(plan, producer) : 0;
  // Artifacts are named after the output, vote decisions live on the vote step's instances.
  const base = kind === 'artifact' ? output : (producer ?? output);
  if (bindings.length >= depth) return [instanceId(base, bindings.slice(0, depth))];
  const prefix = instanceId(base, bindings);
  const names = kind === 'artifact' ? Object.keys(state.artifacts) : Object.keys(state.instances);
  return names.filter((n) => n.startsWith(`${prefix}[`)).sort();
}

/**
 * A file path with for-each variables filled: an item renders as its key, `{{item.field}}` as that
 * field made safe for a path. Never leaves the work folder (`..` and leading `/` are removed).
 *
 * @example
 * renderPath('src/{{component}}.js', [{ item: 'component', key: 'auth', value: 'Auth' }]); // 'src/auth.js'
 */
export function renderPath(template: string, bindings: readonly Binding[]): string {
  const safe = (v: unknown) => String(v).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'item';
  const path = template.replace(/\{\{\s*([A-Za-z_][\w-]*)(?:\.([\w-]+))?\s*\}\}/g, (whole, name: string, field: string | undefined) => {
    const b = bindings.find((x) => x.item === name);
    if (!b) return whole;
    if (field === undefined) return b.key;
    const v = b.value !== null && typeof b.value === 'object' ? (b.value as Record<string, unknown>)[field] : undefined;
    return v === undefined ? b.key : safe(v);
  });
  return path.split(/[\\/]+/).filter((seg) => seg !== '' && seg !== '.' && seg !== '..').join('/');
}

/** The generate step that produces an output, if that output is an artifact. */
export function generateOf(plan: WorkflowPlan, output: string): StepNode | null {
  const producer = plan.producers[output];
  const step = producer ? plan.steps[producer] : undefined;
  return step?.kind === 'generate' ? step : null;
}

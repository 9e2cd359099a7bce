/**
 * What each step may read and where its work goes back to: references resolved against inputs,
 * earlier outputs and for-each variables (in document order for sequences, by dataflow inside parallel
 * groups, where a cycle is an error), review and fix targets tied to their producers, phase inputs,
 * outputs and exit criteria checked. Fills `producer`, `backTo` and `fixProducer` on the steps.
 */
import type { BuildIssue } from './build-steps.js';
import type { PhaseNode, StepNode } from './model.js';

interface Visible {
  /** Name -> what it is, for messages. */
  names: Map<string, string>;
}

interface OutputSite {
  step: string;
  line: number;
}

export interface GraphInput {
  phases: PhaseNode[];
  steps: Record<string, StepNode>;
  inputs: string[];
  runtimes: string[];
  fieldLines: Map<string, number>;
}

/**
 * @example
 * const issues = checkGraph({ phases, steps, inputs: ['request'], runtimes: ['writer'], fieldLines });
 */
export function checkGraph(g: GraphInput): BuildIssue[] {
  const issues: BuildIssue[] = [];
  const outputs = new Map<string, OutputSite>();
  for (const step of Object.values(g.steps)) {
    const out = outputOf(step);
    if (!out) continue;
    const seen = outputs.get(out);
    if (seen) issues.push({ line: g.fieldLines.get(`${step.id}.kind`) ?? step.line, message: `output '${out}' is produced twice (also by step '${seen.step}', line ${seen.line}); give each output its own name` });
    else outputs.set(out, { step: step.id, line: step.line });
    if (g.inputs.includes(out)) issues.push({ line: step.line, message: `output '${out}' has the name of an input; rename one of them` });
  }
  const ctx: Ctx = { g, issues, outputs };
  checkRuntimes(ctx);
  let visible: Visible = { names: new Map(g.inputs.map((n) => [n, 'input'])) };
  for (const phase of g.phases) {
    let inside = visible;
    if (phase.inputs.length) {
      inside = { names: new Map() };
      for (const name of phase.inputs) {
        const what = visible.names.get(name);
        if (what === undefined) issues.push({ line: phase.line, message: `phase '${phase.title}' declares input '${name}', which is ${describeMissing(ctx, name, phase.line)}` });
        else inside.names.set(name, what);
      }
    }
    const produced = checkSequence(ctx, phase.steps, inside, phase.inputs.length > 0 ? phase : null);
    for (const name of phase.outputs) {
      if (!produced.has(name)) issues.push({ line: phase.line, message: `phase '${phase.title}' declares output '${name}', but none of its steps produces it` });
    }
    checkExit(ctx, phase, produced);
    const exported = phase.outputs.length ? phase.outputs : [...produced];
    visible = { names: new Map(visible.names) };
    for (const name of exported) visible.names.set(name, `output of phase '${phase.title}'`);
  }
  return issues;
}

interface Ctx {
  g: GraphInput;
  issues: BuildIssue[];
  outputs: Map<string, OutputSite>;
}

function outputOf(step: StepNode): string | null {
  return step.kind === 'generate' || step.kind === 'vote' ? step.output : null;
}

/** Outputs a step produces, its children's included (for groups). */
function producedBy(ctx: Ctx, id: string): string[] {
  return producedIn(ctx.g.steps, id);
}

/** Runs `ids` in order; returns every output produced (nested ones included). */
function checkSequence(ctx: Ctx, ids: string[], before: Visible, restrictedPhase: PhaseNode | null): Set<string> {
  const produced = new Set<string>();
  let visible: Visible = { names: new Map(before.names) };
  ids.forEach((id, index) => {
    const step = ctx.g.steps[id]!;
    checkStep(ctx, step, visible, restrictedPhase);
    tieTargets(ctx, step, ids.slice(0, index), 'sequence');
    if (step.kind === 'for-each') {
      const inner: Visible = { names: new Map(visible.names) };
      if (inner.names.has(step.item)) ctx.issues.push({ line: fieldLine(ctx, step, 'kind'), message: `for each: the item name '${step.item}' is already an input or output; choose another` });
      inner.names.set(step.item, `item of for each '${step.id}'`);
      for (const name of checkSequence(ctx, step.children, inner, null)) produced.add(name);
    } else if (step.kind === 'parallel') {
      for (const name of checkParallel(ctx, step.id, step.children, visible)) produced.add(name);
    }
    for (const name of producedBy(ctx, id)) produced.add(name);
    visible = { names: new Map(visible.names) };
    for (const name of produced) visible.names.set(name, 'output');
  });
  return produced;
}

/**
 * Inside a parallel group each child waits for the siblings whose outputs it uses (or that it names in
 * `after:`); a consumer of an artifact also waits for the sibling reviews and approvals of it. Returns,
 * per child, the siblings it waits for, and the `after:` names that are not siblings.
 *
 * @example
 * parallelDependencies(plan.steps, group.children).deps.get('docs'); // Set { 'draft-api' }
 */
export function parallelDependencies(steps: Record<string, StepNode>, ids: readonly string[]): { deps: Map<string, Set<string>>; unknownAfter: [string, string][] } {
  const bySibling = new Map<string, string>();
  for (const id of ids) for (const name of producedIn(steps, id)) bySibling.set(name, id);
  const deps = new Map<string, Set<string>>();
  const unknownAfter: [string, string][] = [];
  for (const id of ids) {
    const step = steps[id]!;
    const d = new Set<string>();
    for (const name of [...usesOf(step), ...step.after]) {
      const sibling = bySibling.get(name) ?? (ids.includes(name) ? name : undefined);
      if (sibling && sibling !== id) d.add(sibling);
      else if (!sibling && step.after.includes(name)) unknownAfter.push([id, name]);
    }
    const gate = step.kind === 'review' || step.kind === 'approve';
    for (const name of usesOf(step)) {
      for (const other of ids) {
        const o = steps[other]!;
        if (!gate && other !== id && (o.kind === 'review' || o.kind === 'approve') && targetOf(o) === name) d.add(other);
      }
    }
    deps.set(id, d);
  }
  return { deps, unknownAfter };
}

/** Outputs a step produces, its children's included. */
function producedIn(steps: Record<string, StepNode>, id: string): string[] {
  const step = steps[id];
  if (!step) return [];
  const own = step.kind === 'generate' || step.kind === 'vote' ? [step.output] : [];
  const nested = step.kind === 'parallel' || step.kind === 'for-each' ? step.children.flatMap((c) => producedIn(steps, c)) : [];
  return [...own, ...nested];
}

/** Children of a parallel group start when what they use is ready: a dependency graph without cycles. */
function checkParallel(ctx: Ctx, groupId: string, ids: string[], before: Visible): Set<string> {
  const produced = new Set<string>();
  const { deps, unknownAfter } = parallelDependencies(ctx.g.steps, ids);
  for (const [id, name] of unknownAfter) {
    ctx.issues.push({ line: fieldLine(ctx, ctx.g.steps[id]!, 'after'), message: `after: '${name}' is not a step or output of parallel group '${groupId}' (${ids.join(', ')})` });
  }
  const cycle = findCycle(ids, deps);
  if (cycle) {
    ctx.issues.push({ line: ctx.g.steps[cycle[0]!]!.line, message: `cycle in parallel group '${groupId}': ${cycle.join(' -> ')} (each waits for the next's output); nothing could start` });
    return produced;
  }
  for (const id of ids) {
    const step = ctx.g.steps[id]!;
    const visible: Visible = { names: new Map(before.names) };
    for (const dep of closure(id, deps)) for (const name of producedBy(ctx, dep)) visible.names.set(name, `output of '${dep}'`);
    checkStep(ctx, step, visible, null);
    tieTargets(ctx, step, [...closure(id, deps)], 'parallel');
    if (step.kind === 'for-each') {
      const inner: Visible = { names: new Map(visible.names) };
      inner.names.set(step.item, `item of for each '${step.id}'`);
      checkSequence(ctx, step.children, inner, null);
    } else if (step.kind === 'parallel') checkParallel(ctx, step.id, step.children, visible);
    for (const name of producedBy(ctx, id)) produced.add(name);
  }
  return produced;
}

/** Names a step reads: its references, what it reviews or approves, the list it iterates. */
export function usesOf(step: StepNode): string[] {
  const extra = step.kind === 'review' || step.kind === 'approve' ? [targetOf(step)].filter((t): t is string => t !== null) : step.kind === 'for-each' ? [step.list] : [];
  return [...new Set([...step.refs, ...extra])];
}

function targetOf(step: StepNode): string | null {
  return step.kind === 'review' ? step.target : step.kind === 'approve' ? step.target : null;
}

function closure(id: string, deps: Map<string, Set<string>>): Set<string> {
  const out = new Set<string>();
  const stack = [...(deps.get(id) ?? [])];
  while (stack.length) {
    const d = stack.pop()!;
    if (out.has(d)) continue;
    out.add(d);
    stack.push(...(deps.get(d) ?? []));
  }
  return out;
}

function findCycle(ids: string[], deps: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const d of deps.get(id) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of ids) {
    const c = visit(id);
    if (c) return c;
  }
  return null;
}

/** References of one step: each must be visible where it runs. */
function checkStep(ctx: Ctx, step: StepNode, visible: Visible, phase: PhaseNode | null): void {
  const line = (name: string) => refLine(step, name);
  for (const name of step.refs) {
    if (visible.names.has(name)) continue;
    if (phase && ctx.outputs.has(name) && !phase.inputs.includes(name) && !isInside(ctx, ctx.outputs.get(name)!.step, phase)) {
      ctx.issues.push({ line: line(name), message: `{{${name}}} in step '${step.id}': phase '${phase.title}' declares its inputs (${phase.inputs.join(', ')}), and '${name}' is not one of them` });
      continue;
    }
    ctx.issues.push({ line: line(name), message: `{{${name}}} in step '${step.id}' is ${describeMissing(ctx, name, step.line)}` });
  }
  if (step.kind === 'for-each' && !visible.names.has(step.list)) {
    ctx.issues.push({ line: fieldLine(ctx, step, 'kind'), message: `for each over '${step.list}': it is ${describeMissing(ctx, step.list, step.line)}` });
  }
  const target = targetOf(step);
  if (step.kind === 'review' && target && !visible.names.has(target) && !ctx.outputs.has(target)) {
    ctx.issues.push({ line: fieldLine(ctx, step, 'kind'), message: `review of '${target}': no step produces it (outputs: ${[...ctx.outputs.keys()].join(', ') || 'none'})` });
  }
}

function isInside(ctx: Ctx, stepId: string, phase: PhaseNode): boolean {
  return ctx.g.steps[stepId]?.phase === phase.id;
}

/** Ties reviews, approvals and fixes to the producer they send work back to. */
function tieTargets(ctx: Ctx, step: StepNode, earlier: string[], container: 'sequence' | 'parallel'): void {
  const producerAmong = (name: string): string | null => {
    const site = ctx.outputs.get(name);
    return site && earlier.includes(site.step) ? site.step : null;
  };
  if (step.kind === 'review') {
    const producer = producerAmong(step.target);
    const site = ctx.outputs.get(step.target);
    if (!producer) {
      if (site) {
        const how = container === 'sequence' ? 'after the generate step that produces it, in the same phase or group' : 'in the same parallel group as the step that produces it';
        ctx.issues.push({ line: fieldLine(ctx, step, 'kind'), message: `review of '${step.target}': a review must come ${how} (it is produced by '${site.step}', line ${site.line})` });
      }
    } else if (ctx.g.steps[producer]?.kind !== 'generate') {
      ctx.issues.push({ line: fieldLine(ctx, step, 'kind'), message: `review of '${step.target}': it is a vote's decision; only generated artifacts are reviewed` });
    } else step.producer = producer;
  }
  if (step.kind === 'approve') {
    const producer = step.target ? producerAmong(step.target) : null;
    step.backTo = producer ?? (container === 'sequence' ? (earlier[earlier.length - 1] ?? null) : null);
  }
  if (step.kind === 'check' && step.fix) {
    const producer = producerAmong(step.fix);
    if (!producer || ctx.g.steps[producer]?.kind !== 'generate') {
      ctx.issues.push({ line: fieldLine(ctx, step, 'fix'), message: `fix: '${step.fix}' must be an artifact generated earlier in the same phase or group, so a failed check can send the work back to its producer` });
    } else step.fixProducer = producer;
  }
}

function checkExit(ctx: Ctx, phase: PhaseNode, produced: Set<string>): void {
  const inPhase = Object.values(ctx.g.steps).filter((s) => s.phase === phase.id);
  for (const c of phase.exit) {
    const step = inPhase.find((s) => s.id === c.name);
    const isOutput = produced.has(c.name);
    if (!step && !isOutput) {
      ctx.issues.push({ line: phase.line, message: `exit: '${c.name}' is not an output or step of phase '${phase.title}' (outputs: ${[...produced].join(', ') || 'none'}; steps: ${inPhase.map((s) => s.id).join(', ')})` });
      continue;
    }
    if (c.test === 'approved' && !(step?.kind === 'approve' || inPhase.some((s) => s.kind === 'approve' && s.target === c.name))) {
      ctx.issues.push({ line: phase.line, message: `exit: '${c.text}': no approve step of phase '${phase.title}' approves '${c.name}'` });
    }
  }
}

function checkRuntimes(ctx: Ctx): void {
  const known = new Set(ctx.g.runtimes);
  const check = (step: StepNode, field: string, names: string[]) => {
    for (const name of names) {
      // '' is the default runtime when none could be read: that problem is reported already.
      if (name !== '' && !known.has(name)) ctx.issues.push({ line: fieldLine(ctx, step, field), message: `unknown runtime '${name}' in step '${step.id}'; runtimes in the front matter: ${[...known].join(', ')}` });
    }
  };
  for (const step of Object.values(ctx.g.steps)) {
    if (step.kind === 'generate') check(step, ctx.g.fieldLines.has(`${step.id}.with`) ? 'with' : 'runtime', step.with);
    if (step.kind === 'review') check(step, 'by', step.by);
    if (step.kind === 'vote') check(step, 'voters', step.voters);
  }
}

function fieldLine(ctx: Ctx, step: StepNode, field: string): number {
  return ctx.g.fieldLines.get(`${step.id}.${field}`) ?? step.line;
}

/** The line of the first `{{name}}` (or `{{name.x}}`) in a step's prompt. */
function refLine(step: StepNode, name: string): number {
  const re = new RegExp(`\\{\\{\\s*${name.replace(/[-]/g, '\\-')}(?:[.}\\s])`);
  const lines = step.prompt.split('\n');
  const i = lines.findIndex((l) => re.test(l));
  return i < 0 ? step.line : step.promptLine + i;
}

function describeMissing(ctx: Ctx, name: string, line: number): string {
  const site = ctx.outputs.get(name);
  if (site && site.line > line) return `used before it is produced (by step '${site.step}', line ${site.line})`;
  if (site) return `produced by step '${site.step}' (line ${site.line}), which does not run before this one (a parallel sibling, a later step, or inside a for each)`;
  return `not an input or an output (inputs: ${[...ctx.g.inputs].join(', ') || 'none'}; outputs: ${[...ctx.outputs.keys()].join(', ') || 'none'})`;
}

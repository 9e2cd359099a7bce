/**
 * Raw sections -> typed phases and steps: the kind from the first field, the other fields checked
 * against what that kind accepts, ids from headings, defaults filled in. References between steps are
 * checked afterwards (`graph.ts`).
 */
import { templateVariables } from '../tasks/template.js';
import { canonical, fieldsOf, KIND_KEYS, PHASE_FIELDS, readTypedFields } from './fields.js';
import type { RawSection } from './markdown.js';
import type { Consensus, ExitCondition, PhaseNode, StepNode, WorkflowDefaults } from './model.js';

export interface BuildIssue {
  line: number;
  message: string;
}

export interface Built {
  phases: PhaseNode[];
  steps: Record<string, StepNode>;
  /** Lines of named fields, for later messages: `${stepId}.${field}` -> line. */
  fieldLines: Map<string, number>;
  issues: BuildIssue[];
}

/** `Write the design!` -> `write-the-design`. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'step';
}

const NAME = /^[A-Za-z_][\w-]*$/;

/**
 * @example
 * const { phases, steps, issues } = buildSteps(doc.phases, defaults);
 */
export function buildSteps(rawPhases: RawSection[], defaults: WorkflowDefaults): Built {
  const out: Built = { phases: [], steps: {}, fieldLines: new Map(), issues: [] };
  const phaseIds = new Set<string>();
  for (const raw of rawPhases) {
    const read = readTypedFields(raw.fields, PHASE_FIELDS, 'phase');
    out.issues.push(...read.issues);
    let id = slug(raw.title);
    if (phaseIds.has(id)) {
      out.issues.push({ line: raw.line, message: `two phases are named '${raw.title}': phase headings must differ` });
      id = `${id}-${raw.line}`;
    }
    phaseIds.add(id);
    const phase: PhaseNode = {
      id, title: raw.title, line: raw.line, description: raw.body,
      inputs: (read.values.get('inputs') as string[] | undefined) ?? [],
      outputs: (read.values.get('outputs') as string[] | undefined) ?? [],
      exit: parseExit((read.values.get('exit') as string | undefined) ?? '', read.lines.get('exit') ?? raw.line, out.issues),
      steps: [],
    };
    if (raw.children.length === 0) out.issues.push({ line: raw.line, message: `phase '${raw.title}' has no steps: add "### Step" headings under it` });
    for (const child of raw.children) {
      const step = buildStep(child, phase.id, null, defaults, out);
      if (step) phase.steps.push(step.id);
    }
    out.phases.push(phase);
  }
  return out;
}

function buildStep(raw: RawSection, phase: string, parent: string | null, defaults: WorkflowDefaults, out: Built): StepNode | null {
  const kindFields = raw.fields.filter((f) => KIND_KEYS[canonical(f.key)] !== undefined);
  if (kindFields.length === 0) {
    const first = raw.fields[0];
    const known = 'generate, review, approve, vote, check, parallel, for each';
    out.issues.push(
      first
        ? { line: first.line, message: `unknown step kind '${first.key || first.value}' in step '${raw.title}': the first field names the kind, one of ${known}` }
        : { line: raw.line, message: `step '${raw.title}' has no kind: put a list right under its heading that starts with its kind, e.g. "- generate: design" (kinds: ${known})` },
    );
    return null;
  }
  if (kindFields.length > 1) {
    out.issues.push({ line: kindFields[1]!.line, message: `step '${raw.title}' names two kinds (${kindFields.map((f) => f.key).join(', ')}); a step has one kind` });
    return null;
  }
  const kindField = kindFields[0]!;
  const { kind, argument } = KIND_KEYS[canonical(kindField.key)]!;
  const read = readTypedFields(raw.fields.filter((f) => f !== kindField), fieldsOf(kind), `${kind} step`);
  out.issues.push(...read.issues);
  const v = <T>(name: string): T | undefined => read.values.get(name) as T | undefined;
  const id = v<string>('id') ?? slug(raw.title);
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(id)) out.issues.push({ line: read.lines.get('id') ?? raw.line, message: `step id '${id}': expected letters, digits and -` });
  if (out.steps[id]) {
    out.issues.push({ line: raw.line, message: `two steps have the id '${id}' (from their headings); give one an "- id: ..." field` });
    return null;
  }
  for (const [name, line] of read.lines) out.fieldLines.set(`${id}.${name}`, line);
  out.fieldLines.set(`${id}.kind`, kindField.line);
  const arg = kindField.value.trim();
  const needsArg = kind !== 'parallel';
  if (needsArg && arg === '') out.issues.push({ line: kindField.line, message: `${kind}: expected ${argument}` });
  const base = {
    id, title: raw.title, line: raw.line, phase, parent, prompt: raw.body, promptLine: raw.bodyLine,
    refs: [...new Set(templateVariables(raw.body).map((r) => r.split('.')[0]!))],
    retries: v<number>('retries') ?? defaults.retries,
    minConfidence: v<number>('minConfidence') ?? defaults.minConfidence,
    timeoutMs: v<number>('timeout') ?? defaults.timeoutMs,
    knowledge: v<string[]>('knowledge') ?? [],
    knowledgeBudget: v<number>('knowledgeBudget') ?? defaults.knowledgeBudget,
    after: v<string[]>('after') ?? [],
  };
  let step: StepNode;
  const nameArg = (what: string): string => {
    if (arg !== '' && !NAME.test(arg)) out.issues.push({ line: kindField.line, message: `${what} '${arg}': expected a name of letters, digits, _ and - (the file is set with "- file: ...")` });
    return arg;
  };
  switch (kind) {
    case 'generate': {
      const output = nameArg('output');
      const items = enclosingItems(parent, out.steps);
      const file = v<string>('file') ?? (items.length ? `${output}-${items.map((i) => `{{${i}}}`).join('-')}.md` : `${output}.md`);
      for (const item of items) {
        if (!new RegExp(`\\{\\{\\s*${item}[.}\\s]`).test(file)) {
          out.issues.push({ line: read.lines.get('file') ?? kindField.line, message: `file '${file}' is the same for every ${item} of the for each: use {{${item}}} in it, e.g. ${output}-{{${item}}}.md` });
        }
      }
      step = { ...base, kind, output, file, with: v<string[]>('with') ?? v<string[]>('runtime') ?? [defaults.runtime], writes: v<string[]>('writes') ?? [] };
      if (read.values.has('with') && read.values.has('runtime')) out.issues.push({ line: read.lines.get('runtime')!, message: "give 'with' or 'runtime', not both" });
      break;
    }
    case 'review':
      step = { ...base, kind, target: nameArg('review target'), producer: '', by: v<string[]>('by') ?? [defaults.reviewer], pass: v<number>('pass') ?? defaults.pass, rounds: v<number>('rounds') ?? defaults.rounds };
      break;
    case 'approve':
      // The approval timeout is the step's own `timeout`; agent calls have none here.
      step = { ...base, kind, target: NAME.test(arg) ? arg : null, backTo: null, approvalTimeoutMs: v<number>('timeout') ?? null };
      break;
    case 'vote': {
      const consensus = v<string>('consensus') ?? 'adaptive';
      if (!['every', 'critical', 'adaptive'].includes(consensus)) out.issues.push({ line: read.lines.get('consensus')!, message: `consensus: expected every, critical or adaptive, got '${consensus}'` });
      const voters = v<string[]>('voters') ?? [defaults.runtime];
      const maxVoters = v<number>('max') ?? defaults.voters;
      const minVoters = v<number>('min') ?? Math.min(2, maxVoters);
      if (minVoters > maxVoters || maxVoters < 1) out.issues.push({ line: read.lines.get('min') ?? kindField.line, message: `min (${minVoters}) must be at least 1 and at most max (${maxVoters})` });
      step = {
        ...base, kind, output: nameArg('decision'), voters, maxVoters, minVoters: Math.max(1, minVoters),
        options: v<string[]>('options') ?? null, threshold: v<number>('threshold') ?? 2 / 3, consensus: consensus as Consensus,
        critical: v<boolean>('critical') ?? false, stopConfidence: v<number>('confidence') ?? 0.95,
      };
      break;
    }
    case 'check':
      if (/\{\{/.test(arg)) out.issues.push({ line: kindField.line, message: 'check: a command cannot use {{...}} references (they would reach a shell); put values in files the command reads' });
      step = { ...base, kind, command: arg, cwd: v<string>('cwd') ?? '.', fix: v<string>('fix') ?? null, fixProducer: null };
      break;
    case 'parallel':
      step = { ...base, kind, children: [] };
      break;
    case 'for-each': {
      const m = /^([A-Za-z_][\w-]*)\s+in\s+([A-Za-z_][\w-]*)$/.exec(arg);
      if (!m) out.issues.push({ line: kindField.line, message: `for each: expected "ITEM in LIST", e.g. "component in components", got "${arg}"` });
      step = { ...base, kind, item: m?.[1] ?? 'item', list: m?.[2] ?? '', children: [] };
      break;
    }
  }
  out.steps[id] = step;
  if (step.kind === 'parallel' || step.kind === 'for-each') {
    if (raw.children.length === 0) out.issues.push({ line: raw.line, message: `${kind} group '${raw.title}' has no steps: add "${'#'.repeat(raw.depth + 1)} Step" headings under it` });
    for (const child of raw.children) {
      const c = buildStep(child, phase, id, defaults, out);
      if (c) step.children.push(c.id);
    }
  }
  return step;
}

/** Item variables of the for-each groups around a step, outermost first. */
function enclosingItems(parent: string | null, steps: Record<string, StepNode>): string[] {
  const items: string[] = [];
  for (let p = parent; p; p = steps[p]?.parent ?? null) {
    const group = steps[p];
    if (group?.kind === 'for-each') items.unshift(group.item);
  }
  return items;
}

const EXIT = /^([A-Za-z_][\w-]*)\s+(exists|passed|approved|(score|confidence)\s*(?:>=|≥|at least)\s*(\d*\.?\d+))$/i;

/** `design score >= 0.8; tests passed` -> conditions. */
function parseExit(text: string, line: number, issues: BuildIssue[]): ExitCondition[] {
  if (text.trim() === '') return [];
  const parts = text.split(/;|,|\s+and\s+/i).map((s) => s.trim()).filter(Boolean);
  const out: ExitCondition[] = [];
  for (const part of parts) {
    const m = EXIT.exec(part);
    if (!m) {
      issues.push({ line, message: `exit: cannot read "${part}"; expected NAME exists | NAME passed | NAME approved | NAME score >= X | NAME confidence >= X, separated by ";"` });
      continue;
    }
    const measure = m[3]?.toLowerCase() as 'score' | 'confidence' | undefined;
    const condition: ExitCondition = { name: m[1]!, test: measure ?? (m[2]!.toLowerCase() as 'exists' | 'passed' | 'approved'), text: part };
    if (measure) condition.atLeast = Number(m[4]);
    out.push(condition);
  }
  return out;
}

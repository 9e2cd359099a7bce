/**
 * The `key: value` fields of steps and phases: which keys each kind accepts, and how a value is read
 * (a number, a list, a duration...). Keys are matched without case, spaces, dashes or underscores, so
 * `minConfidence`, `min confidence` and `min-confidence` are one field.
 */
import { parseDuration } from '../config/duration.js';
import type { StepKind } from './model.js';
import type { RawField } from './markdown.js';

export type FieldType = 'text' | 'number' | 'integer' | 'list' | 'boolean' | 'duration' | 'probability';

interface FieldSpec {
  name: string;
  type: FieldType;
  help: string;
}

const f = (name: string, type: FieldType, help: string): FieldSpec => ({ name, type, help });

/** Fields every step accepts. */
const COMMON: FieldSpec[] = [
  f('id', 'text', 'the step id (default: from the heading)'),
  f('retries', 'integer', 'retries after a failure'),
  f('minConfidence', 'probability', 'confidence below which the workflow stops'),
  f('timeout', 'duration', 'per call or command'),
  f('knowledge', 'list', 'knowledge sections to include (heading or #tag)'),
  f('knowledgeBudget', 'integer', 'tokens of knowledge at most'),
  f('after', 'list', 'steps (or outputs) of the same group to wait for'),
];

/** The first field of a step names its kind; its value is the kind's main argument. */
export const KIND_KEYS: Record<string, { kind: StepKind; argument: string }> = {
  generate: { kind: 'generate', argument: 'the name of the artifact it produces' },
  review: { kind: 'review', argument: 'the name of the artifact it reviews' },
  approve: { kind: 'approve', argument: 'the artifact approved (or a label)' },
  vote: { kind: 'vote', argument: 'the name of the decision it produces' },
  check: { kind: 'check', argument: 'the command to run, e.g. npm test' },
  parallel: { kind: 'parallel', argument: 'nothing (its ### steps run at once)' },
  foreach: { kind: 'for-each', argument: '"ITEM in LIST", e.g. component in components' },
};

const BY_KIND: Record<StepKind, FieldSpec[]> = {
  generate: [f('file', 'text', 'file written, relative to the work folder'), f('with', 'list', 'runtimes a bandit chooses among'), f('runtime', 'list', 'alias of with'), f('writes', 'list', 'files the agent edits itself')],
  review: [f('by', 'list', 'reviewer runtime(s)'), f('pass', 'probability', 'score that ends the loop'), f('rounds', 'integer', 'most generate -> review rounds')],
  approve: [],
  vote: [
    f('voters', 'list', 'voter runtimes (cycled)'), f('max', 'integer', 'most ballots'), f('min', 'integer', 'ballots before early stopping'),
    f('options', 'list', 'the allowed choices'), f('threshold', 'probability', 'consensus share'), f('consensus', 'text', 'every | critical | adaptive'),
    f('critical', 'boolean', 'a critical decision'), f('confidence', 'probability', 'early-stopping confidence'),
  ],
  check: [f('cwd', 'text', 'folder, relative to the work folder'), f('fix', 'text', 'output whose producer fixes a failure')],
  parallel: [],
  'for-each': [],
};

/** Fields a phase accepts. */
export const PHASE_FIELDS: FieldSpec[] = [
  f('inputs', 'list', 'names the phase reads'),
  f('outputs', 'list', 'names the phase produces for later phases'),
  f('exit', 'text', 'its exit criterion, e.g. design score >= 0.8; tests passed'),
];

export const canonical = (key: string): string => key.toLowerCase().replace(/[\s_-]+/g, '');

/** The fields a step of `kind` accepts (its kind key excluded). */
export function fieldsOf(kind: StepKind): FieldSpec[] {
  return [...COMMON, ...BY_KIND[kind]];
}

export interface ReadFields {
  values: Map<string, unknown>;
  lines: Map<string, number>;
  issues: { line: number; message: string }[];
}

/**
 * Reads fields against the accepted specs; unknown keys and bad values become issues with their line.
 *
 * @example
 * readTypedFields(fields, fieldsOf('review'), 'review step'); // values: Map { 'pass' => 0.8 }
 */
export function readTypedFields(fields: RawField[], specs: FieldSpec[], what: string): ReadFields {
  const byKey = new Map(specs.map((s) => [canonical(s.name), s]));
  const out: ReadFields = { values: new Map(), lines: new Map(), issues: [] };
  for (const field of fields) {
    if (field.key === '') {
      out.issues.push({ line: field.line, message: `expected "key: value" in the field list of this ${what}, got "${field.value.slice(0, 60)}"` });
      continue;
    }
    const spec = byKey.get(canonical(field.key));
    if (!spec) {
      out.issues.push({ line: field.line, message: `unknown field '${field.key}' for a ${what}; known fields: ${specs.map((s) => s.name).join(', ')}` });
      continue;
    }
    if (out.values.has(spec.name)) {
      out.issues.push({ line: field.line, message: `field '${spec.name}' is given twice` });
      continue;
    }
    const parsed = readValue(field.value, spec.type);
    if ('error' in parsed) out.issues.push({ line: field.line, message: `${spec.name}: ${parsed.error} (${spec.help})` });
    else {
      out.values.set(spec.name, parsed.value);
      out.lines.set(spec.name, field.line);
    }
  }
  return out;
}

/** Reads one value: lists as `[a, b]` or `a, b`; numbers; yes/no; durations such as `90s`. */
export function readValue(text: string, type: FieldType): { value: unknown } | { error: string } {
  const t = text.trim();
  switch (type) {
    case 'text':
      return t === '' ? { error: 'expected a value' } : { value: t };
    case 'list': {
      const inner = /^\[([\s\S]*)\]$/.exec(t)?.[1] ?? t;
      const items = inner.split(',').map((s) => s.trim().replace(/^["'`](.*)["'`]$/, '$1')).filter(Boolean);
      return items.length ? { value: items } : { error: 'expected a list, e.g. [a, b]' };
    }
    case 'boolean':
      if (/^(true|yes|on)$/i.test(t)) return { value: true };
      if (/^(false|no|off)$/i.test(t)) return { value: false };
      return { error: `expected yes or no, got "${t}"` };
    case 'duration': {
      const ms = parseDuration(/^\d+(\.\d+)?$/.test(t) ? Number(t) : t);
      return ms === null ? { error: `expected a duration such as 90s, 10m or 1h, got "${t}"` } : { value: ms };
    }
    case 'number':
    case 'integer':
    case 'probability': {
      const n = Number(t.replace(/%$/, '')) / (t.endsWith('%') ? 100 : 1);
      if (t === '' || !Number.isFinite(n)) return { error: `expected a number, got "${t}"` };
      if (type === 'integer' && (!Number.isInteger(n) || n < 0)) return { error: `expected a whole number, got "${t}"` };
      if (type === 'probability' && (n < 0 || n > 1)) return { error: `expected a number from 0 to 1, got "${t}"` };
      return { value: n };
    }
  }
}

/**
 * A step's brief: everything a fresh agent session gets, and nothing else. Its prompt with the
 * `{{references}}` it declares filled in (inputs, artifacts, decisions, for-each items), the knowledge
 * sections it asked for within its budget, the feedback that sent it back, and what to answer. Pure:
 * the caller supplies the texts (`BriefSources`).
 */
import { lookup } from '../tasks/template.js';
import { estimateTokens, selectKnowledge, type KnowledgeChoice, type KnowledgeSection } from './knowledge.js';
import type { BriefSpec } from './machine/types.js';

export interface BriefSources {
  /** Input values by name (file inputs already read). */
  inputs: Record<string, unknown>;
  /** Current content of an artifact instance (without review notes), or null when it is missing. */
  artifact(name: string): string | null;
  knowledge: KnowledgeSection[];
  workflowName: string;
}

export interface Brief {
  text: string;
  tokens: number;
  chars: number;
  knowledge: Pick<KnowledgeChoice, 'included' | 'excluded'>;
}

const VAR = /\{\{\s*([A-Za-z_][\w-]*)((?:\.[\w-]+)*)\s*\}\}/g;

/**
 * @example
 * renderBrief(spec, { inputs: { request: 'a flag' }, artifact: () => null, knowledge: [], workflowName: 'feature' });
 */
export function renderBrief(spec: BriefSpec, src: BriefSources): Brief {
  const byRef = new Map<string, string[]>();
  for (const [name, ref] of Object.entries(spec.artifacts)) byRef.set(ref, [...(byRef.get(ref) ?? []), name]);
  const prompt = spec.prompt.replace(VAR, (whole, name: string, path: string) => {
    const value = resolveRef(name, path.slice(1), spec, src, byRef);
    return value ?? whole;
  });
  const parts = [prompt.trim()];
  const knowledge = selectKnowledge(spec.knowledge, src.knowledge, spec.knowledgeBudget);
  if (knowledge.text) parts.push(`## Knowledge\n\n${knowledge.text}`);
  parts.push(roleSection(spec, src));
  const text = `${parts.filter(Boolean).join('\n\n')}\n`;
  return { text, tokens: estimateTokens(text), chars: text.length, knowledge: { included: knowledge.included, excluded: knowledge.excluded } };
}

function resolveRef(name: string, path: string, spec: BriefSpec, src: BriefSources, byRef: Map<string, string[]>): string | null {
  const binding = spec.bindings.find((b) => b.item === name);
  if (binding) return text(path ? lookup({ v: binding.value }, `v.${path}`) : binding.value);
  if (name in src.inputs) return text(path ? lookup({ v: src.inputs[name] }, `v.${path}`) : src.inputs[name]);
  if (name in spec.values) return spec.values[name] ?? '';
  const names = byRef.get(name);
  if (names) {
    if (names.length === 1) return src.artifact(names[0]!) ?? '';
    return names.map((n) => `### ${n}\n\n${src.artifact(n) ?? ''}`.trim()).join('\n\n');
  }
  return null;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function roleSection(spec: BriefSpec, src: BriefSources): string {
  const lines: string[] = [];
  const where = `step "${spec.title}" of the workflow "${src.workflowName}"`;
  if (spec.role === 'generate') {
    lines.push(`---\nThis is ${where}${spec.round > 1 ? ` (round ${spec.round})` : ''}.`);
    if (spec.feedback) lines.push(`## Feedback on the previous version\n\n${spec.feedback}`);
    const previous = spec.artifact ? src.artifact(spec.artifact) : null;
    if (previous) lines.push(`## The previous version\n\n${fence(previous)}`);
    lines.push(`Answer with the complete content of the file \`${spec.file}\` and nothing else: no explanation before or after it.`);
  } else if (spec.role === 'review') {
    const content = spec.artifact ? src.artifact(spec.artifact) : null;
    lines.push(`---\nThis is ${where}: an independent review.`);
    lines.push(`## The artifact under review: \`${spec.file ?? spec.artifact}\`\n\n${content === null ? '(missing)' : fence(content)}`);
    if (spec.feedback) lines.push(`## Note\n\n${spec.feedback}`);
    lines.push('Review it against the instructions above. Answer with a JSON object only: {"score": <0 to 1, where 1 means it fully meets them>, "notes": "<what to change, one point per line>"}');
  } else {
    lines.push(`---\nThis is ${where}: a vote.`);
    if (spec.options) lines.push(`Choose one of: ${spec.options.join(', ')}.`);
    lines.push('Answer with a JSON object only: {"choice": "<your choice>", "confidence": <0 to 1>, "reason": "<one sentence>"}');
  }
  return lines.join('\n\n');
}

/** A code fence long enough not to be closed by backticks inside the content. */
function fence(content: string): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}\n${content.replace(/\n$/, '')}\n${f}`;
}

/**
 * A workflow document -> a validated WorkflowPlan, or one ConfigError listing every problem with its
 * file, line and what was expected: front matter against its schema, runtimes against the adapter
 * registry, inputs and knowledge files on disk, steps and their references (`graph.ts`), and `${ENV}`
 * references set. Nothing runs before this passes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { fieldsAt } from '../config/schema-keys.js';
import { describeIssues } from '../model/issue-text.js';
import { envReferences } from '../config/env.js';
import type { VariantSpec } from '../config/experiment.js';
import { parseSource } from '../config/source-map.js';
import { validateVariant } from '../config/variants.js';
import { ConfigError, type ConfigIssue } from '../model/errors.js';
import { buildSteps } from './build-steps.js';
import { frontMatterSchema, type FrontMatter } from './front-matter.js';
import { checkGraph } from './graph.js';
import { matches, sectionsOf, type KnowledgeSection } from './knowledge.js';
import { readMarkdown } from './markdown.js';
import type { InputSpec, KnowledgeFile, WorkflowDefaults, WorkflowPlan } from './model.js';

export interface CompileOptions {
  env?: NodeJS.ProcessEnv;
  /** `--input NAME=VALUE` overrides (and values for inputs declared without one). */
  inputs?: Record<string, string>;
}

/**
 * @example
 * const plan = compileWorkflow('feature.md', { env: process.env });
 */
export function compileWorkflow(file: string, options: CompileOptions = {}): WorkflowPlan {
  const env = options.env ?? process.env;
  const source = resolve(file);
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new ConfigError([{ file, path: '', message: 'file not found: expected a Markdown workflow document' }], 0, 'workflow');
  }
  const text = readFileSync(source, 'utf8');
  const doc = readMarkdown(file, text);
  const issues: ConfigIssue[] = [...doc.issues];
  const at = (line: number, message: string, path = '') => issues.push({ file, path, line, message });
  const baseDir = dirname(source);

  const head = doc.frontMatter === null ? null : readFrontMatter(file, doc.frontMatter, doc.frontMatterLine, issues);
  if (!head) throw new ConfigError(issues, 0, 'workflow');
  const fmLine = (path: (string | number)[]) => head.locate(path);
  const runtimes = readRuntimes(head.value, baseDir, env, (path, message) => at(fmLine(['runtimes', ...path]), message, ['runtimes', ...path].join('.')));
  const ids = runtimes.map((r) => r.id);
  const defaults: WorkflowDefaults = {
    ...head.value.defaults,
    timeoutMs: head.value.defaults.timeout,
    runtime: head.value.defaults.runtime ?? ids[0] ?? '',
    reviewer: head.value.defaults.reviewer ?? head.value.defaults.runtime ?? ids[0] ?? '',
  };
  for (const key of ['runtime', 'reviewer'] as const) {
    const given = head.value.defaults[key];
    if (given !== undefined && !ids.includes(given)) at(fmLine(['defaults', key]), `unknown runtime '${given}'; runtimes: ${ids.join(', ')}`, `defaults.${key}`);
  }
  const inputs = readInputs(head.value, baseDir, options.inputs ?? {}, (path, message) => at(fmLine(['inputs', ...path]), message, ['inputs', ...path].join('.')));
  const knowledge = readKnowledgeFiles(head.value, baseDir, (path, message) => at(fmLine(['knowledge', ...path]), message, ['knowledge', ...path].join('.')));

  const built = buildSteps(doc.phases, defaults);
  for (const i of built.issues) at(i.line, i.message);
  // Steps that could not be built are left out; the rest is still checked, so every problem shows at once.
  const graphIssues = checkGraph({ phases: built.phases, steps: built.steps, inputs: Object.keys(inputs), runtimes: ids, fieldLines: built.fieldLines });
  for (const i of graphIssues) at(i.line, i.message);
  for (const step of Object.values(built.steps)) {
    for (const selector of step.knowledge) {
      if (!knowledge.sections.some((s) => matches(selector, s))) {
        const known = knowledge.sections.map((s) => s.heading).slice(0, 12).join(', ');
        at(built.fieldLines.get(`${step.id}.knowledge`) ?? step.line, `knowledge '${selector}' matches no section of the knowledge files${known ? ` (sections: ${known}${knowledge.sections.length > 12 ? ', ...' : ''})` : ' (the front matter lists none)'}`);
      }
    }
  }
  for (const [path, name] of envPaths(head.value)) {
    if (env[name] === undefined || env[name] === '') at(fmLine(path), `environment variable ${name} is referenced as \${${name}} but not set`, path.join('.'));
  }
  if (issues.length) throw new ConfigError(issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), 0, 'workflow');

  const producers: Record<string, string> = {};
  for (const step of Object.values(built.steps)) if (step.kind === 'generate' || step.kind === 'vote') producers[step.output] = step.id;
  return {
    schemaVersion: 1,
    name: head.value.name,
    description: head.value.description ?? doc.intro,
    file: source,
    sha256: doc.sha256,
    baseDir,
    seed: head.value.seed ?? null,
    inputs,
    runtimes,
    defaults,
    knowledge: knowledge.files,
    phases: built.phases,
    steps: built.steps,
    producers,
    escalate: head.value.escalate ?? null,
  };
}

/** Where each `${NAME}` reference is: its path in the front matter and the variable's name. */
function envPaths(value: unknown, path: (string | number)[] = []): [(string | number)[], string][] {
  if (typeof value === 'string') return [...envReferences(value)].map((name) => [path, name]);
  if (Array.isArray(value)) return value.flatMap((v, i) => envPaths(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => envPaths(v, [...path, k]));
  return [];
}

interface Head {
  value: FrontMatter;
  locate(path: (string | number)[]): number;
}

function readFrontMatter(file: string, text: string, firstLine: number, issues: ConfigIssue[]): Head | null {
  const doc = parseSource(file, text);
  const offset = firstLine - 1;
  if (doc.errors.length) {
    for (const e of doc.errors) issues.push({ file, path: '', line: (e.line ?? 1) + offset, message: `front matter YAML: ${e.message}` });
    return null;
  }
  const locate = (path: (string | number)[]) => (doc.locate(path)?.line ?? 1) + offset;
  const parsed = frontMatterSchema.safeParse(doc.value ?? {}, { reportInput: true });
  if (!parsed.success) {
    // Plain words and the closest known field, as for experiments (no validator text).
    for (const p of describeIssues(parsed.error.issues, { knownKeys: (path) => fieldsAt(frontMatterSchema, path) })) {
      issues.push({ file, path: p.path.join('.'), line: locate(p.path), message: p.message });
    }
    return null;
  }
  return { value: parsed.data, locate };
}

/** Each runtime is a variant: `codex` alone, or `{ adapter, ...options }`; its id is its key. */
function readRuntimes(head: FrontMatter, baseDir: string, env: NodeJS.ProcessEnv, report: (path: (string | number)[], message: string) => void): VariantSpec[] {
  const out: VariantSpec[] = [];
  for (const [id, entry] of Object.entries(head.runtimes)) {
    const raw: Record<string, unknown> = typeof entry === 'string' ? { adapter: entry } : { ...entry };
    if ('id' in raw) {
      report([id, 'id'], 'a runtime takes its id from its key; remove "id"');
      delete raw['id'];
    }
    const { variant, issues } = validateVariant({ id, ...raw }, env, baseDir);
    for (const issue of issues) report([id, ...issue.path], issue.message);
    if (variant) {
      if (variant.adapter === 'module' && typeof variant.options['file'] === 'string') {
        variant.options = { ...variant.options, file: resolve(baseDir, variant.options['file']) };
        if (!existsSync(variant.options['file'] as string)) report([id, 'file'], `module file not found: ${String(variant.options['file'])}`);
      }
      out.push(variant);
    }
  }
  return out;
}

function readInputs(head: FrontMatter, baseDir: string, overrides: Record<string, string>, report: (path: (string | number)[], message: string) => void): Record<string, InputSpec> {
  const out: Record<string, InputSpec> = {};
  for (const [name, entry] of Object.entries(head.inputs)) {
    const spec: InputSpec = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? { ...entry } : { value: entry };
    if (overrides[name] !== undefined) {
      spec.value = overrides[name];
      delete spec.file;
    }
    if (spec.file !== undefined) {
      const path = resolve(baseDir, spec.file);
      if (!existsSync(path)) report([name, 'file'], `input file not found: ${path}`);
      spec.file = path;
    } else if (spec.value === undefined) {
      report([name], `input '${name}' has no value: give "value:" or "file:", or pass --input ${name}=...`);
    }
    out[name] = spec;
  }
  for (const name of Object.keys(overrides)) {
    if (!(name in head.inputs)) report([], `--input ${name}: the workflow declares no input '${name}' (inputs: ${Object.keys(head.inputs).join(', ') || 'none'})`);
  }
  return out;
}

function readKnowledgeFiles(head: FrontMatter, baseDir: string, report: (path: (string | number)[], message: string) => void): { files: KnowledgeFile[]; sections: KnowledgeSection[] } {
  const entries: [string, string, (string | number)[]][] = Array.isArray(head.knowledge)
    ? head.knowledge.map((f, i) => [basename(f, extname(f)), f, [i]])
    : Object.entries(head.knowledge ?? {}).map(([name, f]) => [name, f, [name]]);
  const files: KnowledgeFile[] = [];
  const sections: KnowledgeSection[] = [];
  for (const [name, rel, path] of entries) {
    const file = resolve(baseDir, rel);
    if (!existsSync(file)) {
      report(path, `knowledge file not found: ${file}`);
      continue;
    }
    files.push({ name, file });
    sections.push(...sectionsOf(name, readFileSync(file, 'utf8')));
  }
  return { files, sections };
}

import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { importUserModule } from '../adapters/module.js';
import { ConfigError, type ConfigIssue } from '../model/errors.js';
import type { Task } from '../model/task.js';
import { parseControllerConfig } from '../controller/config.js';
import { createPolicy, policyConfigSchema, type PolicyConfig } from '../policies/index.js';
import { findScorer, scorerTypes } from '../scoring/registry.js';
import { readDataset } from '../tasks/load.js';
import { normaliseTasks } from '../tasks/normalise.js';
import { envReferences } from './env.js';
import type { Experiment, ScorerSpec, VariantSpec } from './experiment.js';
import { experimentHeadSchema, type ExperimentHead } from './schema.js';
import { formatPath, parseSource, type SourceDocument } from './source-map.js';
import { checkTemplates } from './templates-check.js';
import { validateVariant } from './variants.js';

type Path = (string | number)[];

/** Collects issues against the experiment file (located by path) or against other files. */
class IssueList {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly doc: SourceDocument) {}
  at(path: Path, message: string): void {
    const pos = this.doc.locate(path);
    this.issues.push({ file: this.doc.file, path: formatPath(path), message, ...(pos ? { line: pos.line, column: pos.column } : {}) });
  }
  inFile(file: string, path: string, message: string, line?: number): void {
    this.issues.push({ file, path, message, ...(line !== undefined ? { line } : {}) });
  }
}

/**
 * Loads and validates an experiment file in full: schema, files, variant names, template variables
 * present in every task, environment references set. Throws one ConfigError listing every problem.
 *
 * @example
 * const experiment = await loadExperiment('exp.yaml', process.env);
 */
export async function loadExperiment(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Experiment> {
  const source = resolve(file);
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new ConfigError([{ file, path: '', message: 'file not found: expected a YAML or JSON experiment file' }]);
  }
  const doc = parseSource(file, readFileSync(source, 'utf8'));
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => ({ file, path: '', message: `YAML syntax: ${e.message}`, ...(e.line ? { line: e.line, column: e.column ?? 1 } : {}) })));
  }
  const list = new IssueList(doc);
  const parsed = experimentHeadSchema.safeParse(doc.value ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) list.at(issue.path as Path, describeIssue(issue));
    throw new ConfigError(list.issues);
  }
  const head = parsed.data;
  const baseDir = dirname(source);
  const variants = await loadVariants(head, baseDir, list, env);
  const tasks = loadTasks(head, baseDir, list);
  const scorers = loadScorers(head, tasks, baseDir, list, env);
  const policy = checkAdaptive(head, variants.length, list);
  const controller = head.controller === undefined ? undefined : checkController(head.controller, list);
  checkTemplates(head, variants, tasks, list.at.bind(list));
  checkEnv(doc.value, list, env);
  if (list.issues.length) throw new ConfigError(list.issues);
  const experiment: Experiment = {
    name: head.name ?? basename(source, extname(source)),
    mode: head.mode,
    seed: head.seed ?? randomInt(0, 2 ** 31),
    repeats: head.repeats,
    concurrency: head.concurrency,
    timeoutMs: head.timeout,
    retries: head.retries,
    threshold: head.threshold,
    budget: head.budget ?? {},
    objective: head.objective ?? { score: 1, error: 0 },
    snapshotEvery: head.snapshotEvery,
    variants,
    scorers,
    tasks,
    baseDir,
    source,
  };
  if (head.description !== undefined) experiment.description = head.description;
  if (head.prompt !== undefined) experiment.prompt = head.prompt;
  if (head.system !== undefined) experiment.system = head.system;
  if (policy) experiment.policy = policy;
  if (head.stop) experiment.stop = head.stop;
  if (controller) experiment.controller = controller;
  return experiment;
}

/**
 * Adaptive and continuous settings: a known policy with valid options (an adaptive run defaults to
 * top-two when a confidence is asked, since plain Thompson sampling stops exploring the runner-up; a
 * continuous run to Thompson sampling with discounting, since it runs long enough for rewards to
 * drift), and, for an adaptive run, something that ends it.
 */
function checkAdaptive(head: ExperimentHead, armCount: number, list: IssueList): Experiment['policy'] {
  if (head.mode === 'grid') {
    for (const key of ['policy', 'stop'] as const) {
      if (head[key] !== undefined) list.at([key], `'${key}' applies only to mode: adaptive or continuous (this experiment is mode: grid)`);
    }
    return undefined;
  }
  if (head.mode === 'continuous' && head.stop !== undefined) {
    list.at(['stop'], "a continuous run has no confidence stop: it runs until stopped or until a budget is spent (use mode: adaptive to stop on confidence)");
  }
  if (head.mode === 'adaptive' && head.stop === undefined && !head.budget?.trials && !head.budget?.cost && head.budget?.time === undefined) {
    list.at(['mode'], 'an adaptive run needs an end: a budget (trials, cost or time) or stop: { confidence }');
  }
  const fallback = head.mode === 'continuous' ? { name: 'thompson', discount: 0.999 } : { name: head.stop ? 'top-two' : 'thompson' };
  const config = head.policy ?? fallback;
  const parsed = policyConfigSchema.safeParse(config);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) list.at(['policy', ...(issue.path as Path)], describeIssue(issue));
    return undefined;
  }
  try {
    createPolicy(config as PolicyConfig, Math.max(1, armCount));
  } catch (e) {
    list.at(['policy'], (e as Error).message);
    return undefined;
  }
  return config as PolicyConfig;
}

/** The `controller:` section, with its defaults; problems are reported at their path inside it. */
function checkController(raw: Record<string, unknown>, list: IssueList): Experiment['controller'] {
  const { config, issues } = parseControllerConfig(raw);
  for (const issue of issues) list.at(['controller', ...issue.path], issue.message);
  return config;
}

function describeIssue(issue: { code: string; message: string; path: PropertyKey[]; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  return issue.message;
}

async function loadVariants(head: ExperimentHead, baseDir: string, list: IssueList, env: NodeJS.ProcessEnv): Promise<VariantSpec[]> {
  const entries: { raw: Record<string, unknown>; dir: string; report: (path: Path, message: string) => void }[] = [];
  if (typeof head.variants === 'string') {
    const folder = resolve(baseDir, head.variants);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      list.at(['variants'], `variants folder not found: ${folder}`);
      return [];
    }
    const files = readdirSync(folder).filter((f) => /\.(m?[jt]s|json|ya?ml)$/.test(f) && !f.endsWith('.d.ts')).sort();
    for (const f of files) {
      const path = join(folder, f);
      for (const [name, raw] of await readVariantFile(path, list)) {
        entries.push({ raw, dir: folder, report: (p, m) => list.inFile(path, formatPath([name, ...p]), m) });
      }
    }
    if (entries.length === 0) list.at(['variants'], `no variant files in ${folder}: each file exports defineVariant({...})`);
  } else {
    head.variants.forEach((raw, i) => entries.push({ raw, dir: baseDir, report: (p, m) => list.at(['variants', i, ...p], m) }));
    if (entries.length === 0) list.at(['variants'], 'expected at least one variant');
  }
  const variants: VariantSpec[] = [];
  const ids = new Set<string>();
  for (const { raw, dir, report } of entries) {
    const { variant, issues } = validateVariant(raw, env);
    for (const issue of issues) report(issue.path, issue.message);
    if (!variant) continue;
    // A module variant's file is relative to where the variant was written.
    if (variant.adapter === 'module' && typeof variant.options['file'] === 'string') {
      variant.options = absolutiseFiles(variant.options, dir);
      if (!existsSync(variant.options['file'] as string)) report(['file'], `module file not found: ${String(variant.options['file'])}`);
    }
    if (ids.has(variant.id)) report(['id'], `duplicate variant id '${variant.id}'`);
    ids.add(variant.id);
    variants.push(variant);
  }
  return variants;
}

async function readVariantFile(path: string, list: IssueList): Promise<[string, Record<string, unknown>][]> {
  let exported: Record<string, unknown>;
  try {
    exported = /\.(json|ya?ml)$/.test(path) ? { default: parseSource(path, readFileSync(path, 'utf8')).value } : await importUserModule(path);
  } catch (e) {
    list.inFile(path, '', `cannot load variant file: ${(e as Error).message.split('\n')[0]}`);
    return [];
  }
  const found = Object.entries(exported).filter(
    (entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]) && typeof entry[1]['id'] === 'string' && 'adapter' in entry[1],
  );
  if (found.length === 0) list.inFile(path, '', 'exports no variant: expected `export default defineVariant({ id, adapter, ... })`');
  return found;
}

function loadTasks(head: ExperimentHead, baseDir: string, list: IssueList): Task[] {
  const spec = head.tasks;
  let records: unknown[];
  let report: (index: number, path: string, message: string) => void;
  if (Array.isArray(spec)) {
    records = spec;
    report = (i, p, m) => list.at(['tasks', i, ...(p ? [p] : [])], m);
  } else {
    const rel = typeof spec === 'string' ? spec : spec.file;
    const file = isAbsolute(rel) ? rel : resolve(baseDir, rel);
    const where: Path = typeof spec === 'string' ? ['tasks'] : ['tasks', 'file'];
    if (!existsSync(file)) {
      list.at(where, `dataset file not found: ${file}`);
      return [];
    }
    const read = readDataset(file);
    for (const issue of read.issues) list.inFile(file, issue.path, issue.message, issue.line);
    records = typeof spec === 'object' && spec.limit ? read.records.slice(0, spec.limit) : read.records;
    report = (i, p, m) => list.inFile(file, `task ${i + 1}${p ? `.${p}` : ''}`, m);
  }
  const { tasks, issues } = normaliseTasks(records);
  for (const issue of issues) report(issue.index, issue.path, issue.message);
  if (records.length === 0 && list.issues.length === 0) list.at(['tasks'], 'expected at least one task');
  return tasks;
}

function loadScorers(head: ExperimentHead, tasks: Task[], baseDir: string, list: IssueList, env: NodeJS.ProcessEnv): ScorerSpec[] {
  const hasExpected = tasks.some((t) => t.expected !== undefined);
  const entries = head.scorers ?? (hasExpected ? ['equals'] : []);
  const scorers: ScorerSpec[] = [];
  entries.forEach((entry, i) => {
    const raw: Record<string, unknown> = typeof entry === 'string' ? { type: entry } : { ...entry };
    const type = raw['type'];
    const definition = typeof type === 'string' ? findScorer(type) : undefined;
    if (!definition) {
      list.at(['scorers', i, 'type'], `unknown scorer ${JSON.stringify(type)}; known scorers: ${scorerTypes.join(', ')}`);
      return;
    }
    const weight = raw['weight'] ?? 1;
    if (typeof weight !== 'number' || !(weight > 0)) list.at(['scorers', i, 'weight'], 'expected a positive number');
    const { type: _t, weight: _w, ...options } = raw;
    const parsed = definition.options.safeParse(options);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) list.at(['scorers', i, ...(issue.path as Path)], describeIssue(issue));
      return;
    }
    if (type === 'judge' && isRecord(options['variant'])) {
      for (const issue of validateVariant(options['variant'], env).issues) list.at(['scorers', i, 'variant', ...issue.path], issue.message);
    }
    const needsExpected = type === 'equals' || (type === 'contains' && options['value'] === undefined);
    const missing = needsExpected ? tasks.filter((t) => t.expected === undefined) : [];
    if (missing.length) {
      list.at(['scorers', i], `${String(type)} compares with the expected answer, but ${missing.length} task(s) have none (e.g. ${missing.slice(0, 3).map((t) => t.id).join(', ')})`);
    }
    for (const key of ['file'] as const) {
      if (typeof options[key] === 'string' && !existsSync(resolve(baseDir, options[key]))) {
        list.at(['scorers', i, key], `file not found: ${resolve(baseDir, options[key])}`);
      }
    }
    scorers.push({ type: String(type), weight: typeof weight === 'number' ? weight : 1, options: absolutiseFiles(options, baseDir) });
  });
  return scorers;
}

function absolutiseFiles(options: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const file = options['file'];
  return typeof file === 'string' ? { ...options, file: resolve(baseDir, file) } : options;
}

function checkEnv(config: unknown, list: IssueList, env: NodeJS.ProcessEnv): void {
  for (const name of envReferences(config)) {
    if (env[name] === undefined || env[name] === '') list.at([], `environment variable ${name} is referenced as \${${name}} but not set`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

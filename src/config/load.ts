import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { importUserModule } from '../adapters/module.js';
import { findAdapter } from '../adapters/registry.js';
import { ConfigError, MAX_LISTED_ISSUES, type ConfigIssue } from '../model/errors.js';
import { FileReadError, readRegularFile } from '../model/files.js';
import { MAX_NESTING, tooDeep } from '../model/nesting.js';
import { createRedactor } from '../model/redact.js';
import type { Task } from '../model/task.js';
import { parseControllerConfig } from '../controller/config.js';
import type { PolicyConfig } from '../policies/index.js';
import { findScorer, scorerTypes } from '../scoring/registry.js';
import { FileTasks } from '../tasks/file-tasks.js';
import { IdDigests } from '../tasks/id-digests.js';
import { jsonLines } from '../tasks/jsonl.js';
import { readDataset } from '../tasks/load.js';
import { normaliseTasks, TaskNormaliser } from '../tasks/normalise.js';
import { TaskScanner, type TaskScan } from '../tasks/scan.js';
import type { TaskList } from '../tasks/task-list.js';
import { envReferences, resolveEnv, secretValues } from './env.js';
import { validateExecutor, type ExecutorConfig } from './executor.js';
import type { Experiment, ScorerSpec, VariantSpec } from './experiment.js';
import { experimentHeadSchema, MAX_TRIALS, type ExperimentHead } from './schema.js';
import { formatPath, parseSource, type SourceDocument } from './source-map.js';
import { checkTemplates, templateVariablesOf } from './templates-check.js';
import { DEFAULT_TOPIC_PROMPT, topicSchema, type TopicConfig } from '../topic/config.js';
import { validateVariant } from './variants.js';

type Path = (string | number)[];

/**
 * Collects issues against the experiment file (located by path) or against other files. Past the
 * listing limit it only counts them: 100,000 duplicate ids must not cost a locate and a line each.
 */
class IssueList {
  readonly issues: ConfigIssue[] = [];
  omitted = 0;
  constructor(private readonly doc: SourceDocument) {}
  get count(): number {
    return this.issues.length + this.omitted;
  }
  at(path: Path, message: string): void {
    if (this.full()) return;
    const pos = this.doc.locate(path);
    this.issues.push({ file: this.doc.file, path: formatPath(path), message, ...(pos ? { line: pos.line, column: pos.column } : {}) });
  }
  inFile(file: string, path: string, message: string, line?: number): void {
    if (this.full()) return;
    this.issues.push({ file, path, message, ...(line !== undefined ? { line } : {}) });
  }
  /** Every message with the values of referenced secrets (and pieces of them) blanked. */
  error(redact: (text: string) => string): ConfigError {
    return new ConfigError(this.issues.map((i) => ({ ...i, message: redact(i.message) })), this.omitted);
  }
  private full(): boolean {
    if (this.issues.length < MAX_LISTED_ISSUES) return false;
    this.omitted++;
    return true;
  }
}

/**
 * Loads and validates an experiment file in full: schema, files, variant names, template variables
 * present in every task, environment references set. Throws one ConfigError listing every problem.
 *
 * @example
 * const experiment = await loadExperiment('exp.yaml', process.env);
 * const onPool = await loadExperiment('exp.yaml', process.env, { executor: { type: 'pool', workers: 4 } });
 */
export async function loadExperiment(file: string, env: NodeJS.ProcessEnv = process.env, overrides: LoadOverrides = {}): Promise<Experiment> {
  const source = resolve(file);
  let text: string;
  try {
    text = readRegularFile(source, env);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    const message = e.message === 'file not found' ? 'file not found: expected a YAML or JSON experiment file' : e.message;
    throw new ConfigError([{ file, path: '', message }]);
  }
  const doc = parseSource(file, text);
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => ({ file, path: '', message: `YAML syntax: ${e.message}`, ...(e.line ? { line: e.line, column: e.column ?? 1 } : {}) })));
  }
  const list = new IssueList(doc);
  const deep = tooDeep(doc.value);
  if (deep) {
    list.at(deep, `nested more than ${MAX_NESTING} levels deep`);
    throw list.error((t) => t);
  }
  // Messages may quote what a referenced file or module said: blank every referenced secret.
  const redact = createRedactor(secretValues(doc.value, env));
  const parsed = experimentHeadSchema.safeParse(doc.value ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) list.at(issue.path as Path, describeIssue(issue));
    throw list.error(redact);
  }
  const head = parsed.data;
  const baseDir = dirname(source);
  const executor = loadExecutor(head, overrides, list);
  // With the bullmq executor, variants and scorers run on workers that resolve their own `${ENV}`
  // references: this machine need not hold those secrets, so they are checked with stand-ins.
  const remote = executor?.type === 'bullmq';
  const checkEnvOf = remote ? withStandIns(doc.value, env) : env;
  const variants = await loadVariants(head, baseDir, list, checkEnvOf);
  const topic = head.topic === undefined ? undefined : checkTopic(head, baseDir, list);
  // A topic run's prompt is the default topic request unless the file gives one.
  const templateHead = topic && head.prompt === undefined ? { ...head, prompt: DEFAULT_TOPIC_PROMPT } : head;
  const scanner = new TaskScanner(templateVariablesOf(templateHead, variants));
  const tasks = head.topic !== undefined ? topicTasks(topic, scanner) : loadTasks(head, baseDir, list, scanner, env);
  const scorers = await loadScorers(head, scanner.scan, baseDir, list, checkEnvOf);
  const policy = await checkAdaptive(head, variants.length, list);
  const controller = head.controller === undefined ? undefined : checkController(head.controller, list);
  checkTemplates(templateHead, variants, scanner.scan, list.at.bind(list));
  checkGridSize(head, variants.length, tasks.length, list);
  checkEnv(remote ? withoutWorkerSecrets(doc.value) : doc.value, list, env);
  if (list.count > 0) throw list.error(redact);
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
  if (topic) {
    experiment.topic = topic;
    experiment.prompt ??= DEFAULT_TOPIC_PROMPT;
  }
  if (head.system !== undefined) experiment.system = head.system;
  if (policy) experiment.policy = policy;
  if (head.stop) experiment.stop = head.stop;
  if (executor) experiment.executor = executor;
  if (controller) experiment.controller = controller;
  return experiment;
}

/** What a command line may override in the file (`--executor`). */
export interface LoadOverrides {
  executor?: unknown;
}

/** The `executor:` of the file, or of `--executor` (which wins); undefined means inline. */
function loadExecutor(head: ExperimentHead, overrides: LoadOverrides, list: IssueList): ExecutorConfig | undefined {
  const fromFlag = overrides.executor !== undefined;
  const raw = fromFlag ? overrides.executor : head.executor;
  if (raw === undefined) return undefined;
  const { config, issues } = validateExecutor(raw);
  for (const issue of issues) {
    if (fromFlag) list.inFile('--executor', issue.path.join('.'), issue.message);
    else list.at(['executor', ...issue.path], issue.message);
  }
  return config;
}

/** The config without the sections that run on bullmq workers (their secrets are the workers'). */
function withoutWorkerSecrets(config: unknown): unknown {
  if (!isRecord(config)) return config;
  const { variants: _v, scorers: _s, ...rest } = config;
  return rest;
}

/** `env` plus a stand-in for every referenced variable this machine does not set (a URL, so url fields pass). */
function withStandIns(config: unknown, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of envReferences(config)) {
    if (out[name] === undefined || out[name] === '') out[name] = `http://set-on-the-workers.invalid/${name}`;
  }
  return out;
}

/**
 * Adaptive and continuous settings: a known policy with valid options (an adaptive run defaults to
 * top-two when a confidence is asked, since plain Thompson sampling stops exploring the runner-up; a
 * continuous run to Thompson sampling with discounting, since it runs long enough for rewards to
 * drift), and, for an adaptive run, something that ends it.
 */
async function checkAdaptive(head: ExperimentHead, armCount: number, list: IssueList): Promise<Experiment['policy']> {
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
  // Policies load only for adaptive and continuous experiments (their tables cost start-up time a grid does not need).
  const { createPolicy, policyConfigSchema } = await import('../policies/index.js');
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

/** A grid's trials must fit what a run can hold (its plan is a bitmap; seqs are integers). */
function checkGridSize(head: ExperimentHead, variantCount: number, taskCount: number, list: IssueList): void {
  if (head.mode !== 'grid') return;
  const planned = variantCount * taskCount * head.repeats;
  if (planned > MAX_TRIALS) {
    list.at(['repeats'], `the grid would have ${planned.toLocaleString('en-US')} trials (${variantCount} variants x ${taskCount} tasks x ${head.repeats} repeats); a run holds at most ${MAX_TRIALS.toLocaleString('en-US')}`);
  }
}

/** The `controller:` section, with its defaults; problems are reported at their path inside it. */
/** The topic block: valid options, mode continuous, its output folder absolute (created at run start). */
function checkTopic(head: ExperimentHead, baseDir: string, list: IssueList): TopicConfig | undefined {
  if (head.mode !== 'continuous') list.at(['topic'], `topic mode needs mode: continuous (this experiment is mode: ${head.mode})`);
  if (head.tasks !== undefined) list.at(['tasks'], 'a topic experiment has no tasks: its requests are built from the topic');
  const parsed = topicSchema.safeParse(head.topic);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) list.at(['topic', ...(issue.path as Path)], describeIssue(issue));
    return undefined;
  }
  return { ...parsed.data, output: resolve(baseDir, parsed.data.output) };
}

/** The task the templates of a topic experiment are checked against (a request's variables). */
function topicTaskOf(topic: TopicConfig): Task {
  return { id: 'topic', input: { topic: topic.name, batch: topic.batch, exclude: '', request: 0 } };
}

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
    const { variant, issues } = validateVariant(raw, env, dir);
    for (const issue of issues) report(issue.path, issue.message);
    if (!variant) continue;
    // A module variant's file is relative to where the variant was written.
    if (variant.adapter === 'module' && typeof variant.options['file'] === 'string') variant.options = absolutiseFiles(variant.options, dir);
    const check = findAdapter(variant.adapter)?.check;
    if (check) for (const issue of await check(resolveEnv(variant.options, env))) report(issue.path, issue.message);
    if (ids.has(variant.id)) report(['id'], `duplicate variant id '${variant.id}'`);
    ids.add(variant.id);
    variants.push(variant);
  }
  return variants;
}

async function readVariantFile(path: string, list: IssueList): Promise<[string, Record<string, unknown>][]> {
  let exported: Record<string, unknown>;
  try {
    if (/\.(json|ya?ml)$/.test(path)) {
      const doc = parseSource(path, readRegularFile(path));
      if (doc.errors.length) throw new Error(`YAML syntax: ${doc.errors[0]?.message ?? ''}`);
      if (tooDeep(doc.value)) throw new Error(`nested more than ${MAX_NESTING} levels deep`);
      exported = { default: doc.value };
    } else {
      exported = await importUserModule(path);
    }
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

/** A topic run's one task (the request the topic generator fills in per trial), as the scanner sees it. */
function topicTasks(topic: TopicConfig | undefined, scanner: TaskScanner): Task[] {
  if (!topic) return [];
  const task = topicTaskOf(topic);
  scanner.add(task);
  return [task];
}

/** Datasets larger than this are not held in memory: a JSON Lines file is read again when the run needs it. */
const IN_MEMORY_TASKS_BYTES = 8 * 1024 * 1024;

/**
 * Reads and checks the tasks in one pass, gathering what the other checks need in `scanner`. A large
 * JSON Lines file streams past (its tasks are read from the file again when the run stores them);
 * anything else is held in memory.
 */
function loadTasks(head: ExperimentHead, baseDir: string, list: IssueList, scanner: TaskScanner, env: NodeJS.ProcessEnv): TaskList {
  const spec = head.tasks;
  if (spec === undefined) {
    list.at(['tasks'], 'expected tasks: a dataset file or a list (or a topic: block in mode: continuous)');
    return [];
  }
  if (Array.isArray(spec)) {
    return collect(spec, scanner, (i, p, m) => list.at(['tasks', i, ...(p ? [p] : [])], m), () => list.at(['tasks'], 'expected at least one task'), list);
  }
  const rel = typeof spec === 'string' ? spec : spec.file;
  const file = isAbsolute(rel) ? rel : resolve(baseDir, rel);
  const where: Path = typeof spec === 'string' ? ['tasks'] : ['tasks', 'file'];
  if (!existsSync(file)) {
    list.at(where, `dataset file not found: ${file}`);
    return [];
  }
  const limit = typeof spec === 'object' ? spec.limit : undefined;
  const report = (i: number, p: string, m: string) => list.inFile(file, `task ${i + 1}${p ? `.${p}` : ''}`, m);
  const empty = () => list.at(['tasks'], 'expected at least one task');
  const ext = extname(file).toLowerCase();
  if ((ext === '.jsonl' || ext === '.ndjson') && statSync(file).size > IN_MEMORY_TASKS_BYTES) {
    // Ids given in the data are checked by digest (8 bytes each), then confirmed exactly; derived ids
    // (few, and numbered when content repeats) are tracked by the normaliser.
    const normaliser = new TaskNormaliser({ givenIds: false });
    const digests = new IdDigests();
    let index = 0;
    for (const { line, value, error } of jsonLines(file)) {
      if (limit !== undefined && index >= limit) break;
      if (error !== undefined) {
        list.inFile(file, '', error, line);
        continue;
      }
      const r = normaliser.next(value, index);
      if ('task' in r) {
        scanner.add(r.task, hasId(value));
        digests.add(r.task.id);
      } else report(r.issue.index, r.issue.path, r.issue.message);
      index++;
    }
    const candidates = digests.candidates();
    if (candidates.size) reportDuplicates(file, limit, candidates, report);
    if (index === 0 && list.issues.length === 0) empty();
    return new FileTasks(file, scanner.scan.count, { limit, derivedIds: scanner.scan.derivedIds });
  }
  const read = readDataset(file, env);
  for (const issue of read.issues) list.inFile(file, issue.path, issue.message, issue.line);
  return collect(limit ? read.records.slice(0, limit) : read.records, scanner, report, empty, list);
}

/** Reads the file again for the ids whose digest repeats, and reports those that really do. */
function reportDuplicates(file: string, limit: number | undefined, candidates: Set<number>, report: (index: number, path: string, message: string) => void): void {
  const normaliser = new TaskNormaliser({ givenIds: false });
  const first = new Map<string, number>();
  let index = 0;
  for (const { value } of jsonLines(file)) {
    if (value === undefined) continue;
    if (limit !== undefined && index >= limit) break;
    const r = normaliser.next(value, index);
    if ('task' in r && candidates.has(IdDigests.of(r.task.id))) {
      const previous = first.get(r.task.id);
      if (previous === undefined) first.set(r.task.id, index);
      else report(index, 'id', `duplicate task id '${r.task.id}' (first used by task ${previous})`);
    }
    index++;
  }
}

/** Records held in memory, as tasks. */
function collect(records: readonly unknown[], scanner: TaskScanner, report: (index: number, path: string, message: string) => void, empty: () => void, list: IssueList): Task[] {
  const { tasks, issues } = normaliseTasks(records);
  for (const issue of issues) report(issue.index, issue.path, issue.message);
  for (const task of tasks) scanner.add(task);
  if (records.length === 0 && list.issues.length === 0) empty();
  return tasks;
}

function hasId(record: unknown): boolean {
  return isRecord(record) && record['id'] !== undefined;
}

async function loadScorers(head: ExperimentHead, scan: TaskScan, baseDir: string, list: IssueList, env: NodeJS.ProcessEnv): Promise<ScorerSpec[]> {
  const hasExpected = scan.withExpected > 0;
  const entries = head.scorers ?? (hasExpected ? ['equals'] : []);
  const scorers: ScorerSpec[] = [];
  for (const [i, entry] of entries.entries()) {
    const raw: Record<string, unknown> = typeof entry === 'string' ? { type: entry } : { ...entry };
    const type = raw['type'];
    const definition = typeof type === 'string' ? findScorer(type) : undefined;
    if (!definition) {
      list.at(['scorers', i, 'type'], `unknown scorer ${JSON.stringify(type)}; known scorers: ${scorerTypes.join(', ')}`);
      continue;
    }
    const weight = raw['weight'] ?? 1;
    if (typeof weight !== 'number' || !(weight > 0)) list.at(['scorers', i, 'weight'], 'expected a positive number');
    const { type: _t, weight: _w, ...options } = raw;
    const parsed = definition.options.safeParse(options);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) list.at(['scorers', i, ...(issue.path as Path)], describeIssue(issue));
      continue;
    }
    if (type === 'judge' && isRecord(options['variant'])) {
      for (const issue of validateVariant(options['variant'], env).issues) list.at(['scorers', i, 'variant', ...issue.path], issue.message);
    }
    const needsExpected = type === 'equals' || (type === 'contains' && options['value'] === undefined);
    const missing = needsExpected ? scan.count - scan.withExpected : 0;
    if (missing) {
      list.at(['scorers', i], `${String(type)} compares with the expected answer, but ${missing} task(s) have none (e.g. ${scan.withoutExpected.join(', ')})`);
    }
    for (const issue of (await definition.check?.(resolveEnv(options, env), baseDir)) ?? []) list.at(['scorers', i, ...issue.path], issue.message);
    scorers.push({ type: String(type), weight: typeof weight === 'number' ? weight : 1, options: absolutiseFiles(options, baseDir) });
  }
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

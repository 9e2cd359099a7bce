import { randomInt } from 'node:crypto';
import { basename, dirname, extname, resolve } from 'node:path';
import { ConfigError } from '../model/errors.js';
import { FileReadError, readRegularFile } from '../model/files.js';
import { MAX_NESTING, tooDeep } from '../model/nesting.js';
import { createRedactor } from '../model/redact.js';
import type { PolicyConfig } from '../policies/index.js';
import type { Task } from '../model/task.js';
import { TaskScanner } from '../tasks/scan.js';
import { envReferencePaths, envReferences, secretValues } from './env.js';
import { validateExecutor, type ExecutorConfig } from './executor.js';
import type { Experiment, ScorerSpec } from './experiment.js';
import { describeIssues, describeValue } from '../model/issue-text.js';
import { IssueList } from './issue-list.js';
import { readHead, report } from './load-head.js';
import { readScorers } from './load-scorers.js';
import { loadTasks, type LoadedTasks } from './load-tasks.js';
import { loadVariants } from './load-variants.js';
import { MAX_TRIALS, type ExperimentHead } from './schema.js';
import { parseSource } from './source-map.js';
import { closest, didYouMean } from '../model/suggest.js';
import { checkTemplates, templateVariablesOf } from './templates-check.js';
import type { TopicConfig, topicSchema as TopicSchema } from '../topic/config.js';

type Path = (string | number)[];

/**
 * Loads and validates an experiment file in full, in one pass: every field of the schema, every
 * referenced file, variant, scorer and policy name, that template variables exist in every task, that
 * environment references are set. A bad field does not hide the others: everything found is thrown
 * at once as one ConfigError, each problem at its own line and column, in plain words, with the
 * closest known name for a misspelt one.
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
  const raw = doc.value ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    // Never the content: the path may name any file.
    list.at([], `expected a mapping of fields (name, tasks, variants, ...), got ${Array.isArray(raw) ? 'a list' : typeof raw === 'string' ? 'text' : typeof raw}`);
    throw list.error((t) => t);
  }
  // Messages may quote what a referenced file or module said: blank every referenced secret.
  const redact = createRedactor(secretValues(raw, env));
  const { head, broken } = readHead(raw as Record<string, unknown>, list);
  const baseDir = dirname(source);
  const executor = broken.has('executor') ? undefined : loadExecutor(head, overrides, list);
  // With the bullmq executor, variants and scorers run on workers that resolve their own `${ENV}`
  // references: this machine need not hold those secrets, so they are checked with stand-ins.
  const remote = executor?.type === 'bullmq';
  const checkEnvOf = remote ? withStandIns(raw, env) : env;
  const variants = broken.has('variants') ? [] : await loadVariants(head, baseDir, list, checkEnvOf);
  // One pass over the tasks gathers what the other checks need (template variables, expected answers).
  // The topic and controller schemas are loaded only by experiments that have those blocks.
  const topicConfig = head.topic === undefined ? undefined : await import('../topic/config.js');
  const topic = topicConfig === undefined ? undefined : checkTopic(head, baseDir, list, topicConfig.topicSchema);
  // A topic run's prompt is the default topic request unless the file gives one.
  const templateHead = topic && head.prompt === undefined ? { ...head, prompt: topicConfig!.DEFAULT_TOPIC_PROMPT } : head;
  const scanner = new TaskScanner(templateVariablesOf(templateHead, variants));
  const loaded = broken.has('tasks') ? null
    : head.topic !== undefined ? topicTasks(topic, scanner)
    : head.tasks === undefined ? noTasks(head, list)
    : loadTasks(head, baseDir, list, scanner, env);
  const tasks = loaded?.tasks ?? null;
  const scan = loaded ? scanner.scan : null;
  const defaultScorers = scan && scan.withExpected > 0 ? ['equals'] : [];
  const scorers = broken.has('scorers') ? [] : await readScorers(head.scorers ?? defaultScorers, ['scorers'], scan, baseDir, checkEnvOf, (p, m, k) => report(list, p, m, k));
  const taskScorers = loaded ? await readTaskScorers(loaded, baseDir, checkEnvOf) : {};
  const policy = broken.has('mode') || broken.has('policy') ? undefined : await checkAdaptive(head, variants.length, list);
  const controller = head.controller === undefined ? undefined : await checkController(head.controller, list);
  if (scan) checkTemplates(templateHead, variants, scan, list.at.bind(list));
  if (tasks && !['mode', 'repeats', 'variants'].some((k) => broken.has(k))) checkGridSize(head, variants.length, tasks.length, list);
  checkEnv(remote ? withoutWorkerSecrets(raw as Record<string, unknown>) : raw, list, env);
  if (list.count > 0 || tasks === null) throw list.error(redact);
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
    experiment.prompt ??= topicConfig!.DEFAULT_TOPIC_PROMPT;
  }
  if (head.system !== undefined) experiment.system = head.system;
  if (policy) experiment.policy = policy;
  if (head.stop) experiment.stop = head.stop;
  if (head.cache !== undefined) experiment.cache = head.cache;
  if (Object.keys(taskScorers).length) experiment.taskScorers = taskScorers;
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
    else report(list, ['executor', ...issue.path], issue.message, issue.atKey);
  }
  return config;
}

/** The config without the sections that run on bullmq workers (their secrets are the workers'). */
function withoutWorkerSecrets(config: Record<string, unknown>): Record<string, unknown> {
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

/** The topic block: valid options, mode continuous, its output folder absolute (created at run start). */
function checkTopic(head: ExperimentHead, baseDir: string, list: IssueList, topicSchema: typeof TopicSchema): TopicConfig | undefined {
  if (head.mode !== 'continuous') list.at(['topic'], `topic mode needs mode: continuous (this experiment is mode: ${head.mode})`);
  if (head.tasks !== undefined) list.at(['tasks'], 'a topic experiment has no tasks: its requests are built from the topic');
  const parsed = topicSchema.safeParse(head.topic, { reportInput: true });
  if (!parsed.success) {
    for (const p of describeIssues(parsed.error.issues, {}, ['topic'])) report(list, p.path, p.message, p.atKey);
    return undefined;
  }
  return { ...parsed.data, output: resolve(baseDir, parsed.data.output) };
}

/** A topic run's one task (the request the topic generator fills in per trial), as the checks see it. */
function topicTasks(topic: TopicConfig | undefined, scanner: TaskScanner): LoadedTasks {
  const tasks: Task[] = topic ? [{ id: 'topic', input: { topic: topic.name, batch: topic.batch, exclude: '', request: 0 } }] : [];
  for (const task of tasks) scanner.add(task);
  return { tasks, scorers: new Map(), reportAt: () => {} };
}

/** No `tasks:` (and, in a continuous run, no `topic:` block either). */
function noTasks(head: ExperimentHead, list: IssueList): null {
  const topic = head.mode === 'continuous' ? ', or a topic: block' : '';
  list.at(['tasks'], `missing: expected a tasks file (.jsonl, .csv, .json or .yaml), a list of tasks, or { file, limit }${topic}`);
  return null;
}

/**
 * The `controller:` section, with its defaults; problems are reported at their path inside it. Its
 * module is loaded only for experiments that have the section.
 */
async function checkController(raw: Record<string, unknown>, list: IssueList): Promise<Experiment['controller']> {
  const { parseControllerConfig } = await import('../controller/config.js');
  const { config, issues } = parseControllerConfig(raw);
  for (const issue of issues) report(list, ['controller', ...issue.path], issue.message, issue.atKey);
  return config;
}

/** Each task's own scorers, validated like the experiment's (against that task alone), by task id. */
async function readTaskScorers(loaded: LoadedTasks, baseDir: string, env: NodeJS.ProcessEnv): Promise<Record<string, ScorerSpec[]>> {
  const out: Record<string, ScorerSpec[]> = {};
  if (loaded.scorers.size === 0) return out;
  // Only the tasks that carry scorers are looked at (a large dataset is read as it is iterated).
  const own = new Map<string, Task>();
  for (const task of loaded.tasks) if (loaded.scorers.has(task.id)) own.set(task.id, task);
  for (const [id, { index, entries }] of loaded.scorers) {
    const task = own.get(id);
    const scan = task ? { count: 1, withExpected: task.expected !== undefined ? 1 : 0, withoutExpected: task.expected !== undefined ? [] : [task.id] } : null;
    const specs = await readScorers(entries, ['scorers'], scan, baseDir, env, (p, m) => loaded.reportAt(index, p, m));
    if (specs.length) out[id] = specs;
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
      if (head[key] !== undefined) list.atKey([key], `'${key}' applies only to mode: adaptive or continuous (this experiment is mode: grid)`);
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
  const { createPolicy, findPolicy, policyNames } = await import('../policies/index.js');
  const name = config['name'];
  if (typeof name !== 'string' || !findPolicy(name)) {
    const what = name === undefined ? 'missing: a policy needs a name' : `unknown policy ${describeValue(name)}${typeof name === 'string' ? didYouMean(name, policyNames) : ''}`;
    list.at(['policy', ...(name === undefined ? [] : ['name'])], `${what} (known policies: ${policyNames.join(', ')})`);
    return undefined;
  }
  const definition = findPolicy(name);
  const { name: _n, ...options } = config;
  const parsed = definition?.options.safeParse(options, { reportInput: true });
  if (parsed && !parsed.success) {
    const known = [...Object.keys(definition?.options.shape ?? {}), 'name'];
    const context = { knownKeys: () => known, unknownFieldSuffix: () => ` for policy '${name}'` };
    for (const p of describeIssues(parsed.error.issues, context, ['policy'])) report(list, p.path, p.message, p.atKey);
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

/**
 * Every `${NAME}` must be set (to something): reported where it is first written, naming a set
 * variable with a close name (a typo in the reference) when there is one.
 */
function checkEnv(config: unknown, list: IssueList, env: NodeJS.ProcessEnv): void {
  const set = Object.keys(env).filter((k) => env[k] !== undefined && env[k] !== '');
  for (const [name, paths] of envReferencePaths(config)) {
    if (env[name] !== undefined && env[name] !== '') continue;
    const near = closest(name, set);
    const others = paths.length > 1 ? `, here and in ${paths.length - 1} more place${paths.length > 2 ? 's' : ''}` : '';
    const hint = near ? `; did you mean \${${near}}, which is set?` : '; set it in the environment or in a .env file beside the experiment';
    list.at(paths[0] as Path, `environment variable ${name} is not set (referenced as \${${name}}${others})${env[name] === '' ? ': it is empty' : ''}${hint}`);
  }
}

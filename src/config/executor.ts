import { availableParallelism } from 'node:os';
import * as z from 'zod';
import { describeIssues, describeValue } from '../model/issue-text.js';
import { didYouMean } from '../model/suggest.js';
import { durationSchema } from './schema.js';
import { fieldsAt } from './schema-keys.js';

/**
 * Where trials execute, as written in an experiment's `executor:` or on the command line with
 * `--executor`. Values stay as written: `redis: ${REDIS_URL}` is resolved only when the executor is
 * built, so the stored config never holds the URL (or its password).
 */
const inlineSchema = z.strictObject({ type: z.literal('inline') }).describe('Trials run in the run process, concurrently on its event loop.');

const restartsSchema = z
  .strictObject({
    max: z.number().int().min(1).max(1000).default(5).describe('Deaths of a producer not caused by a trial (at start-up, or idle) that are tolerated within `period` (default 5).'),
    period: durationSchema.prefault('60s').describe('The window of `max` (default 60s).'),
  })
  .describe('Crash-loop limit: more than `max` deaths in `period` stop the run with the cause.');

const poolSchema = z
  .strictObject({
    type: z.literal('pool'),
    workers: z.number().int().min(1).max(256).optional().describe('Producer processes (default: the number of CPU cores).'),
    heartbeat: durationSchema
      .prefault('10s')
      .describe('A producer silent this long (stopped, or a trial spinning in a busy loop) is killed and replaced (default 10s).'),
    restarts: restartsSchema.prefault({}),
    maxMemoryMb: z
      .number()
      .int()
      .min(64)
      .optional()
      .describe('A producer whose resident memory grows past this (a leaking variant) is replaced once its trials finish (default: no limit).'),
  })
  .describe('N child "producer" processes on this machine: crash isolation, and every core for CPU-heavy variants and scorers.');

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const bullmqSchema = z
  .strictObject({
    type: z.literal('bullmq'),
    redis: z.string().min(1).describe('Redis URL, e.g. ${REDIS_URL} or redis://host:6379/0; its maxmemory-policy must be noeviction.'),
    queue: z.string().regex(QUEUE_NAME, 'expected a queue name of letters, digits, . _ -').default('metaorch').describe("BullMQ queue the workers serve (default 'metaorch')."),
    connectTimeout: durationSchema.prefault('10s').describe('How long to wait for Redis before giving up at start (default 10s).'),
    batch: z.number().int().min(1).max(1000).default(16).describe('Most trials per BullMQ job: trials dispatched together travel in jobs of up to this many (default 16).'),
  })
  .describe('Trials go through a BullMQ queue on Redis; `metaorch worker` processes on any machine execute them.');

/** Every executor type with its options schema. */
export const EXECUTOR_SCHEMAS = { inline: inlineSchema, pool: poolSchema, bullmq: bullmqSchema } as const;
export type ExecutorType = keyof typeof EXECUTOR_SCHEMAS;
/** `inline`, `pool`, `bullmq`: listed when a config names another. */
export const executorTypes = Object.keys(EXECUTOR_SCHEMAS) as ExecutorType[];

export type InlineExecutorConfig = z.output<typeof inlineSchema>;
export type PoolExecutorConfig = z.output<typeof poolSchema>;
export type BullmqExecutorConfig = z.output<typeof bullmqSchema>;
/** A validated `executor:` entry; absent from an experiment means inline. */
export type ExecutorConfig = InlineExecutorConfig | PoolExecutorConfig | BullmqExecutorConfig;

export interface ExecutorIssue {
  path: (string | number)[];
  message: string;
  /** The problem is the field's name (an unknown field), not its value. */
  atKey?: boolean;
}

/**
 * Validates an `executor:` value: a type name or `{ type, ...options }`. Problems are in plain words;
 * an unknown type or field names the closest known one and lists the known types.
 *
 * @example
 * validateExecutor({ type: 'pool', workers: 4 }).config; // { type: 'pool', workers: 4, heartbeat: 10000, ... }
 */
export function validateExecutor(raw: unknown): { config?: ExecutorConfig; issues: ExecutorIssue[] } {
  const value = typeof raw === 'string' ? { type: raw } : raw;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { issues: [{ path: [], message: `expected an executor type (${executorTypes.join(', ')}) or { type, ...options }, got ${describeValue(value)}` }] };
  }
  const type = (value as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || !(type in EXECUTOR_SCHEMAS)) {
    const what = typeof type === 'string' ? `unknown executor type '${type}'${didYouMean(type, executorTypes)}` : type === undefined ? 'missing executor type' : `expected an executor type, got ${describeValue(type)}`;
    return { issues: [{ path: typeof raw === 'string' ? [] : ['type'], message: `${what} (known executor types: ${executorTypes.join(', ')})` }] };
  }
  const schema = EXECUTOR_SCHEMAS[type as ExecutorType];
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return { config: parsed.data, issues: [] };
  const context = { knownKeys: (path: (string | number)[]) => fieldsAt(schema, path), unknownFieldSuffix: () => ` for executor '${type}'` };
  return { issues: describeIssues(parsed.error.issues, context) };
}

/**
 * Parses the `--executor` flag: `TYPE[,key=value...]`, e.g. `pool`, `pool,workers=4`,
 * `bullmq,redis=redis://localhost:6379,queue=evals`. Numbers stay numbers; durations stay strings.
 *
 * @example
 * parseExecutorFlag('pool,workers=4'); // { type: 'pool', workers: 4 }
 */
export function parseExecutorFlag(flag: string): Record<string, unknown> {
  // A comma starts a new option only when a `key=` follows, so values such as URLs may hold commas.
  const [type = '', ...pairs] = flag.split(/,(?=\s*[A-Za-z][A-Za-z0-9]*=)/);
  const value: Record<string, unknown> = { type: type.trim() };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    const raw = eq < 0 ? 'true' : pair.slice(eq + 1).trim();
    value[key] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
  }
  return value;
}

/**
 * The number of producers a pool uses when `workers` is not given: one per core.
 *
 * @example
 * defaultPoolWorkers(); // 2 on a 2-core machine
 */
export function defaultPoolWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * A one-line description for logs.
 *
 * @example
 * describeExecutor({ type: 'pool', workers: 4, heartbeat: 10_000, restarts: { max: 5, period: 60_000 } }); // 'pool (4 producers)'
 */
export function describeExecutor(config: ExecutorConfig | undefined): string {
  if (!config || config.type === 'inline') return 'inline';
  if (config.type === 'pool') return `pool (${config.workers ?? defaultPoolWorkers()} producers)`;
  return `bullmq (queue ${config.queue})`;
}

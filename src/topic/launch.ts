import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify, parse } from 'yaml';
import { writeFileAtomic } from '../model/files.js';
import { topicSchema, topicSlug } from './config.js';
import { checkWritable } from './ledger.js';

/** What `metaorch orchestrator --topic` (or the dashboard's topic form) asks for. */
export interface TopicRequest {
  topic: string;
  producers: number;
  /** Requests per producer (the trial budget is iterations x producers unless maxRequests is set). */
  iterations?: number;
  maxRequests?: number;
  budgetCost?: number;
  batch?: number;
  /** A YAML or JSON file: a list of variants, or an object with `variants:` (and optionally `policy:`). */
  variantsFile?: string;
  /** The same as YAML text (the dashboard's form). */
  variantsText?: string;
  /** The folder under which `<topic-slug>/` goes (default `output`). */
  output?: string;
  seed?: number;
}

/** The outcome: the experiment file written into the topic folder, or why nothing was started. */
export type TopicLaunch = { ok: true; file: string; folder: string } | { ok: false; message: string };

/**
 * Mock variants used when no variants file is given: three seeded vocabularies, so a topic run works
 * offline out of the box (the richest one should win).
 */
export const DEFAULT_MOCK_VARIANTS = [
  { id: 'mock-small', adapter: 'mock', latencyMs: 20, topic: { vocabulary: 200, skew: 1, overlap: 0.2, seed: 1 } },
  { id: 'mock-medium', adapter: 'mock', latencyMs: 20, topic: { vocabulary: 800, skew: 1, overlap: 0.2, seed: 2 } },
  { id: 'mock-rich', adapter: 'mock', latencyMs: 20, topic: { vocabulary: 3000, skew: 1, overlap: 0.2, seed: 3 } },
];

/**
 * Checks a topic request before anything starts (an empty topic, a batch of 0, an output folder
 * that cannot be written, a variants file that cannot be read are refused with what was expected),
 * then writes `<output>/<slug>/experiment.yaml`: a `mode: continuous` experiment with a `topic:`
 * block, which the orchestrator runs like any experiment (and `metaorch resume` resumes).
 *
 * @example
 * const launch = prepareTopic({ topic: 'Paris attractions', producers: 5, maxRequests: 200 });
 * if (launch.ok) await master.run(launch.file);
 */
export function prepareTopic(request: TopicRequest, cwd = process.cwd()): TopicLaunch {
  const checked = topicSchema.safeParse({ name: request.topic, ...(request.batch !== undefined ? { batch: request.batch } : {}) });
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { ok: false, message: `${issue.path[0] === 'batch' ? '--batch' : '--topic'}: ${issue.message}` };
  }
  const output = resolve(cwd, request.output ?? 'output');
  const folder = join(output, topicSlug(checked.data.name));
  const problem = checkWritable(folder);
  if (problem) return { ok: false, message: `--output: ${problem}` };
  let variants: unknown = DEFAULT_MOCK_VARIANTS;
  let policy: unknown;
  if (request.variantsFile !== undefined || (request.variantsText ?? '').trim() !== '') {
    const file = request.variantsFile === undefined ? 'the variants' : resolve(cwd, request.variantsFile);
    if (request.variantsFile !== undefined && !existsSync(file)) return { ok: false, message: `--variants: file not found: ${file} (expected a YAML or JSON list of variants)` };
    let doc: unknown;
    try {
      doc = parse(request.variantsFile !== undefined ? readFileSync(file, 'utf8') : request.variantsText!);
    } catch (error) {
      return { ok: false, message: `--variants: ${file}: not YAML or JSON (${(error as Error).message.split('\n')[0]})` };
    }
    if (Array.isArray(doc)) variants = doc;
    else if (doc && typeof doc === 'object' && Array.isArray((doc as Record<string, unknown>)['variants'])) {
      variants = (doc as Record<string, unknown>)['variants'];
      policy = (doc as Record<string, unknown>)['policy'];
    } else return { ok: false, message: `--variants: ${file}: expected a list of variants, or an object with variants: [...]` };
  }
  const trials = request.maxRequests ?? (request.iterations !== undefined ? request.iterations * request.producers : undefined);
  const experiment = {
    name: `topic-${topicSlug(checked.data.name)}`,
    mode: 'continuous',
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    concurrency: Math.max(2, request.producers * 2),
    // The policy's weights every 10 requests (the dashboard's weights chart, the run's record).
    snapshotEvery: 10,
    ...(trials !== undefined || request.budgetCost !== undefined
      ? { budget: { ...(trials !== undefined ? { trials } : {}), ...(request.budgetCost !== undefined ? { cost: request.budgetCost } : {}) } }
      : {}),
    ...(policy !== undefined ? { policy } : {}),
    topic: { name: checked.data.name, batch: checked.data.batch, output },
    variants,
  };
  const file = join(folder, 'experiment.yaml');
  writeFileAtomic(file, `# Written by metaorch orchestrator --topic: run it again with metaorch orchestrator ${file}\n${stringify(experiment)}`);
  return { ok: true, file, folder };
}

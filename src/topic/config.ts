import * as z from 'zod';
import type { Task } from '../model/task.js';
import { semanticSchema } from './semantic.js';

/**
 * The `topic:` block of a `mode: continuous` experiment: what the producers generate items about,
 * how many per request, how much of each variant's context the exclusion list may use, where the
 * output folder is and what the policy maximises.
 */
export const topicSchema = z.strictObject({
  name: z.string().trim().min(1, 'expected a non-empty topic, e.g. "Paris attractions"').max(500).describe('What the items are about, e.g. "Paris attractions".'),
  batch: z.number().int().min(1, 'expected a batch of at least 1 item per request').max(1000).default(10).describe('Items asked for per request.'),
  contextTokens: z.number().int().positive().default(8000).describe("A variant's context budget in tokens (override per variant in `context`)."),
  context: z.record(z.string(), z.number().int().positive()).default({}).describe('Context budget in tokens per variant id.'),
  exclusionShare: z.number().gt(0).max(1).default(0.25).describe('Share of the context budget the exclusion list (items already found, newest first) may use.'),
  output: z.string().min(1).default('output').describe('Folder under which output/<topic-slug>/ is written (relative to the experiment file).'),
  reward: z.enum(['per-call', 'per-dollar']).default('per-call').describe("What the policy maximises: unique items per call (default), or per dollar."),
  perDollar: z.number().positive().default(1000).describe('With reward: per-dollar, the unique items per dollar that count as the full reward of 1.'),
  near: z.boolean().default(true).describe('Near-duplicate detection (spelling variants, plurals, word order); false: normalised exact match only.'),
  semantic: semanticSchema.optional().describe('The optional semantic layer for what spelling cannot tell (translations, synonyms): embeddings from an OpenAI-compatible endpoint.'),
});

export type TopicConfig = z.output<typeof topicSchema>;

/** The default request prompt; variants may write their own with {{topic}}, {{batch}} and {{exclude}}. */
export const DEFAULT_TOPIC_PROMPT =
  'List {{batch}} new, distinct entries about: {{topic}}.\nOne entry per line, no numbering, no explanations.\n{{exclude}}';

/**
 * The folder name of a topic: lower-case ASCII letters and digits joined by dashes.
 *
 * @example
 * topicSlug('Paris attractions!'); // 'paris-attractions'
 */
export function topicSlug(topic: string): string {
  const slug = topic
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug === '' ? 'topic' : slug;
}

/**
 * The one task of a topic experiment (the request tasks are built from it per trial).
 *
 * @example
 * topicTask('Paris attractions'); // { id: 'topic', input: { topic: 'Paris attractions' } }
 */
export function topicTask(topic: string): Task {
  return { id: 'topic', input: { topic } };
}

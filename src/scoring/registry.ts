import { resolve } from 'node:path';
import * as z from 'zod';
import { checkUserFunction } from '../adapters/module.js';
import { javascript, javascriptOptions } from './javascript.js';
import { compileSchema, jsonSchema, jsonSchemaOptions } from './json-schema.js';
import { judge, judgeOptions } from './judge.js';
import { contains, containsOptions, equals, equalsOptions, regex, regexOptions } from './text.js';
import type { Scorer, ScorerContext } from './types.js';
import { uniqueItems, uniqueItemsOptions } from './unique-items.js';

/** A scorer type: its options schema and factory. */
export interface ScorerDefinition {
  type: string;
  summary: string;
  options: z.ZodType;
  create(options: Record<string, unknown>, ctx: ScorerContext): Scorer;
  /**
   * Checks at validation what the schema cannot: that files load. Options are validated, with file
   * paths absolute. Returns the problems, each at a path inside the scorer entry.
   */
  check?(options: Record<string, unknown>, baseDir: string): Promise<ScorerCheckIssue[]>;
}

/** A problem found by a scorer's `check`. */
export interface ScorerCheckIssue {
  path: string[];
  message: string;
}

/** The json-schema scorer's schema must read, parse and compile. */
async function checkJsonSchema(options: Record<string, unknown>, baseDir: string): Promise<ScorerCheckIssue[]> {
  try {
    compileSchema(options, baseDir);
    return [];
  } catch (e) {
    return [{ path: [options['file'] === undefined ? 'schema' : 'file'], message: (e as Error).message.replace(/^json-schema: /, '') }];
  }
}

/** The javascript scorer's file must load and export the function. */
async function checkJavascript(options: Record<string, unknown>, baseDir: string): Promise<ScorerCheckIssue[]> {
  const o = javascriptOptions.parse(options);
  const file = resolve(baseDir, o.file);
  const problem = await checkUserFunction(file, o.export);
  return problem === null ? [] : [{ path: ['file'], message: problem }];
}

const DEFINITIONS: readonly ScorerDefinition[] = [
  { type: 'equals', summary: 'output equals the expected answer', options: equalsOptions, create: (o) => equals(o) },
  { type: 'contains', summary: 'output contains the expected answer or given texts', options: containsOptions, create: (o) => contains(o) },
  { type: 'regex', summary: 'output matches a pattern', options: regexOptions, create: (o) => regex(o as z.input<typeof regexOptions>) },
  { type: 'json-schema', summary: 'output is JSON valid against a schema', options: jsonSchemaOptions, create: (o, ctx) => jsonSchema(o, ctx), check: checkJsonSchema },
  { type: 'javascript', summary: 'a function in a .ts/.js file', options: javascriptOptions, create: (o, ctx) => javascript(o as z.input<typeof javascriptOptions>, ctx), check: checkJavascript },
  { type: 'unique-items', summary: "share of the output's items (one per line or JSON) new in the run", options: uniqueItemsOptions, create: (o) => uniqueItems(o) },
  { type: 'judge', summary: 'another variant grades against a rubric', options: judgeOptions, create: (o, ctx) => judge(o as z.input<typeof judgeOptions>, ctx) },
];

const BY_TYPE = new Map(DEFINITIONS.map((d) => [d.type, d]));

export const scorerTypes: readonly string[] = DEFINITIONS.map((d) => d.type);

/** @example findScorer('contains')?.create({ value: 'Paris' }, ctx) */
export function findScorer(type: string): ScorerDefinition | undefined {
  return BY_TYPE.get(type);
}

/** Fields every scorer entry may have besides its own options. */
export const scorerEntryCommon = {
  type: z.string(),
  weight: z.number().positive().default(1).describe('Weight in the combined score.'),
};

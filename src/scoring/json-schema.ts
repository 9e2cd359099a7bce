import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Ajv as AjvType } from 'ajv';
import { z } from 'zod';

// Ajv takes a noticeable part of a process's start-up (every CLI command and pool producer loads the
// scorer registry): it is loaded only when a json-schema scorer is built.
const requireAjv = () => (createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvType }).Ajv;
import type { Scorer, ScorerContext } from './types.js';

export const jsonSchemaOptions = z
  .strictObject({
    schema: z.record(z.string(), z.unknown()).optional().describe('An inline JSON Schema.'),
    file: z.string().optional().describe('A JSON Schema file, relative to the experiment file.'),
  })
  .refine((o) => (o.schema === undefined) !== (o.file === undefined), { message: 'give exactly one of schema or file' });

/** Pulls JSON out of an output that may wrap it in a Markdown code fence. */
export function extractJson(output: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(output);
  return JSON.parse((fenced?.[1] ?? output).trim());
}

/**
 * Score 1 when the output parses as JSON and validates against the schema.
 *
 * @example
 * jsonSchema({ schema: { type: 'object', required: ['answer'] } }, ctx)
 */
export function jsonSchema(options: z.input<typeof jsonSchemaOptions>, ctx: Pick<ScorerContext, 'baseDir'>): Scorer {
  const o = jsonSchemaOptions.parse(options);
  const schema = o.schema ?? (JSON.parse(readFileSync(resolve(ctx.baseDir, o.file ?? ''), 'utf8')) as object);
  const Ajv = requireAjv();
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return {
    name: 'json-schema',
    score({ output }) {
      let value: unknown;
      try {
        value = extractJson(output);
      } catch {
        return { score: 0, reason: 'output is not valid JSON' };
      }
      if (validate(value)) return { score: 1, reason: 'valid against the schema' };
      const errors = (validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
      return { score: 0, reason: `schema violations: ${errors.join('; ')}` };
    },
  };
}

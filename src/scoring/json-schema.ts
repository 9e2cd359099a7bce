import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Ajv as AjvType, ValidateFunction } from 'ajv';
import * as z from 'zod';
import { describeJsonError, FileReadError, readRegularFile } from '../model/files.js';
import { ScorerFailure, type Scorer, type ScorerContext } from './types.js';

// Ajv takes a noticeable part of a process's start-up (every CLI command and pool producer loads the
// scorer registry): it is loaded only when a schema is compiled.
const requireAjv = () => (createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvType }).Ajv;

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
 * Reads and compiles the schema of a json-schema scorer. Throws a ScorerFailure that names the file and
 * says what is wrong with it, never what it contains (the path may name any file, such as
 * /proc/self/environ). `validate` calls this too, so a bad file is refused before anything runs.
 *
 * @example
 * compileSchema({ file: './answer.schema.json' }, '/abs/experiment-dir');
 */
export function compileSchema(options: z.input<typeof jsonSchemaOptions>, baseDir: string): ValidateFunction {
  const o = jsonSchemaOptions.parse(options);
  let schema: unknown = o.schema;
  if (schema === undefined) {
    const file = resolve(baseDir, o.file ?? '');
    let text: string;
    try {
      text = readRegularFile(file);
    } catch (e) {
      throw new ScorerFailure('json-schema', `${file}: ${e instanceof FileReadError ? e.message : 'cannot read it'}`);
    }
    try {
      schema = JSON.parse(text);
    } catch (e) {
      throw new ScorerFailure('json-schema', `${file}: ${describeJsonError(e, text)}`);
    }
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
      throw new ScorerFailure('json-schema', `${file}: expected a JSON Schema object`);
    }
  }
  try {
    const Ajv = requireAjv();
    return new Ajv({ allErrors: true, strict: false }).compile(schema as object);
  } catch (e) {
    // Ajv names the schema keyword at fault ("schema is invalid: data/type must be ..."), not values.
    throw new ScorerFailure('json-schema', `${o.file === undefined ? 'the schema' : resolve(baseDir, o.file)} is not a valid JSON Schema: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Score 1 when the output parses as JSON and validates against the schema.
 *
 * @example
 * jsonSchema({ schema: { type: 'object', required: ['answer'] } }, ctx)
 */
export function jsonSchema(options: z.input<typeof jsonSchemaOptions>, ctx: Pick<ScorerContext, 'baseDir'>): Scorer {
  const validate = compileSchema(options, ctx.baseDir);
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

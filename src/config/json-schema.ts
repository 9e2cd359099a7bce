import * as z from 'zod';
import { allAdapters } from '../adapters/registry.js';
import { findScorer, scorerTypes } from '../scoring/registry.js';
import { EXECUTOR_SCHEMAS, executorTypes } from './executor.js';
import { controllerSchema } from '../controller/config.js';
import { experimentShape, variantCommonShape } from './schema.js';

/**
 * The experiment file's JSON Schema, generated from the same zod schemas that validate it, so editors
 * autocomplete exactly what `metaorch validate` accepts.
 *
 * @example
 * // first line of exp.yaml:  # yaml-language-server: $schema=./node_modules/meta-orchestrator/schema/experiment.schema.json
 */
export function experimentJsonSchema(): Record<string, unknown> {
  const variant = z.discriminatedUnion(
    'adapter',
    allAdapters().map((a) =>
      z.strictObject({ ...variantCommonShape, adapter: z.literal(a.kind).describe(a.summary), ...a.options.shape }),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  );
  const scorer = z.union([
    z.enum(scorerTypes as [string, ...string[]]),
    ...scorerTypes.map((type) => {
      const def = findScorer(type);
      const options = def?.options instanceof z.ZodObject ? def.options.shape : {};
      return z.strictObject({ type: z.literal(type).describe(def?.summary ?? type), weight: z.number().positive().optional(), ...options });
    }),
    // `- equals: {}`: the scorer's name as the one key, its options inside.
    ...scorerTypes.map((type) => {
      const def = findScorer(type);
      const options = def?.options instanceof z.ZodObject ? def.options.shape : {};
      const inner = z.strictObject({ weight: z.number().positive().optional(), ...options }).nullable();
      return z.strictObject({ [type]: inner.describe(def?.summary ?? type) });
    }),
  ]);
  const executor = z.union([z.enum(executorTypes as [string, ...string[]]), ...Object.values(EXECUTOR_SCHEMAS)]);
  const schema = z.strictObject({
    ...experimentShape,
    variants: z.union([z.string().describe('A folder of variant files'), z.array(z.union([z.string().describe('A shorthand: openai:MODEL, anthropic:MODEL, module:FILE, mock or mock:ACCURACY'), variant]))]),
    scorers: z.array(scorer).optional(),
    executor: executor.optional().describe(experimentShape.executor.description ?? ''),
    controller: controllerSchema.optional(),
  });
  return {
    ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
    title: 'meta-orchestrator experiment',
  };
}

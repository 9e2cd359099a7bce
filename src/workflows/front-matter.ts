import * as z from 'zod';
import { durationSchema } from '../config/schema.js';
import { escalationTargetShape } from '../controller/config.js';

const NAME = /^[A-Za-z_][\w-]*$/;
const nameRule = 'expected a name of letters, digits, _ and - (starting with a letter or _)';

const inputSchema = z.union([
  z.string().describe('A value given inline.'),
  z.number(),
  z.boolean(),
  z.array(z.unknown()).describe('A list (a for-each can iterate it).'),
  z.strictObject({
    description: z.string().optional(),
    value: z.unknown().optional().describe('The value; `metaorch workflow run --input NAME=VALUE` overrides it.'),
    file: z.string().optional().describe('A file whose content is the value, relative to the workflow document.'),
  }),
]);

const runtimeSchema = z.union([
  z.string().describe('An adapter or CLI-agent preset used with its defaults: codex, claude, gemini, copilot, aider, mock...'),
  z
    .record(z.string(), z.unknown())
    .describe('A variant without its id: { adapter: openai | anthropic | mock | module | exec | codex | claude | gemini | copilot | aider, ...its options }.'),
]);

/** Workflow-wide defaults; a step's fields override them. Every knob has a documented default. */
export const defaultsSchema = z.strictObject({
  runtime: z.string().optional().describe('Runtime of generate steps without `with:`. Default: the first runtime.'),
  reviewer: z.string().optional().describe('Runtime of review steps without `by:`. Default: the runtime.'),
  retries: z.number().int().min(0).max(20).default(3).describe('Times a failed step is retried (errors, unreadable answers, failed checks). Default 3.'),
  minConfidence: z.number().min(0).max(1).default(0.6).describe('A step whose confidence ends below this stops the workflow. Default 0.6.'),
  rounds: z.number().int().min(1).max(50).default(3).describe('Most generate -> review rounds of a review step. Default 3.'),
  pass: z.number().min(0).max(1).default(0.8).describe('Score a review must give to end its loop. Default 0.8.'),
  concurrency: z.number().int().min(1).max(256).default(4).describe('Agent calls and checks in flight at once. Default 4.'),
  timeout: durationSchema.prefault('10m').describe('Per agent call or check ("90s", "10m"). Default 10m.'),
  voters: z.number().int().min(1).max(200).default(9).describe('Most ballots of a vote step. Default 9.'),
  knowledgeBudget: z.number().int().min(0).max(1_000_000).default(2000).describe('Tokens of knowledge sections a brief may include (4 characters per token). Default 2000.'),
});

/**
 * The YAML front matter of a workflow document. Shipped as `schema/workflow.schema.json`
 * (`metaorch workflow schema`), generated from this same zod schema.
 *
 * @example
 * frontMatterSchema.parse({ name: 'feature', runtimes: { writer: { adapter: 'mock' } } });
 */
export const frontMatterSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[\w .:+-]+$/, 'expected a name of letters, digits, spaces and . _ : + -').describe('Name of the workflow; runs of the same name share bandit and dissent statistics.'),
  description: z.string().optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional().describe('Seed of every random choice (bandit draws); random when absent, and recorded.'),
  inputs: z
    .record(z.string().regex(NAME, nameRule), inputSchema)
    .default({})
    .describe('Named inputs: values or files. Steps reference them as {{name}}.'),
  runtimes: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]*$/, 'expected an id of letters, digits and . _ : + -'), runtimeSchema)
    .refine((r) => Object.keys(r).length > 0, 'expected at least one runtime')
    .describe('The runtimes steps may use, by id: any variant (openai, anthropic, mock, module, exec) or a CLI-agent preset.'),
  defaults: defaultsSchema.prefault({}),
  escalate: z
    .strictObject(escalationTargetShape)
    .optional()
    .describe("Where antipatterns (thrashing, deadlock, excessive rework) are escalated besides the run's decision log, as the controller does: a webhook and/or a command."),
  knowledge: z
    .union([z.array(z.string()), z.record(z.string().regex(NAME, nameRule), z.string())])
    .optional()
    .describe('Markdown files of curated principles, patterns and antipatterns; steps name the sections they need.'),
});

export type FrontMatter = z.output<typeof frontMatterSchema>;

/**
 * The front matter's JSON Schema, for editors (`# yaml-language-server: $schema=...` does not apply
 * to front matter, but VS Code's front-matter extensions and `ajv` read it).
 *
 * @example
 * writeFileSync('schema/workflow.schema.json', JSON.stringify(workflowJsonSchema(), null, 2));
 */
export function workflowJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(frontMatterSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
    title: 'meta-orchestrator workflow front matter',
  };
}

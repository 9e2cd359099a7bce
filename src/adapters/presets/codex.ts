/**
 * The `codex` preset: OpenAI's Codex CLI (`npm install -g @openai/codex`), run headless as
 * `codex exec --json ... -` with the prompt on stdin. Its JSONL events carry the answer (the last
 * `agent_message` item) and the tokens (`turn.completed.usage`); it reports no cost.
 *
 * Codex ignores OPENAI_BASE_URL and needs the Responses API: with `baseURL`, the preset defines a
 * model provider `metaorch` (`wire_api = "responses"`) on the command line and gives it the key
 * through METAORCH_CODEX_API_KEY.
 */
import * as z from 'zod';
import { AdapterError } from '../errors.js';
import type { AdapterResponse } from '../types.js';
import { baseExec, errorFromText, jsonLines, num, presetShape, type Preset } from './common.js';

export const codexOptionsSchema = z.strictObject({
  ...presetShape,
  baseURL: presetShape.baseURL.describe('A Responses-API server with its /v1, e.g. http://127.0.0.1:4010/v1 (codex ignores OPENAI_BASE_URL).'),
  sandbox: z.enum(['read-only', 'workspace-write', 'danger-full-access']).optional().describe("Codex's sandbox for the commands it runs (its default when absent)."),
});

/** A TOML basic string. */
const toml = (s: string) => JSON.stringify(s);

export const codexPreset: Preset<typeof codexOptionsSchema> = {
  kind: 'codex',
  summary: 'OpenAI Codex CLI (codex exec --json), prompt on stdin',
  binary: { name: 'codex', install: 'npm install -g @openai/codex' },
  options: codexOptionsSchema,
  build(o) {
    const provider = o.baseURL
      ? ['-c', 'model_provider="metaorch"', '-c', `model_providers.metaorch={ name = "metaorch", base_url = ${toml(o.baseURL)}, env_key = "METAORCH_CODEX_API_KEY", wire_api = "responses" }`]
      : [];
    const env: Record<string, string> = {};
    if (o.apiKey !== undefined) env[o.baseURL ? 'METAORCH_CODEX_API_KEY' : 'OPENAI_API_KEY'] = o.apiKey;
    else if (o.baseURL) env['METAORCH_CODEX_API_KEY'] = 'none';
    const command = [
      'exec', '--skip-git-repo-check', '--ephemeral', '--json',
      ...(o.model ? ['-m', o.model] : []), ...(o.sandbox ? ['--sandbox', o.sandbox] : []), ...provider, ...o.args, '-',
    ];
    return { exec: baseExec(o, 'codex', command, 'stdin', env), output: { parse: parseCodex, parseError: codexError } };
  },
};

/**
 * @example
 * parseCodex(readFileSync('codex1.out', 'utf8'), ''); // { output: 'Paris', tokens: { input: 21, output: 2 } }
 */
export function parseCodex(stdout: string, _stderr: string): AdapterResponse {
  const events = jsonLines(stdout);
  // Text mode (no --json among the user's args): stdout is the answer alone.
  if (events.length === 0) return { output: stdout.trim() };
  const failure = codexError(stdout, '', 0);
  let answer: string | undefined;
  let input = 0;
  let output = 0;
  let turns = 0;
  for (const e of events) {
    const item = e['item'] as Record<string, unknown> | undefined;
    if (e['type'] === 'item.completed' && item?.['type'] === 'agent_message' && typeof item['text'] === 'string') answer = item['text'];
    const usage = e['usage'] as Record<string, unknown> | undefined;
    if (e['type'] === 'turn.completed' && usage) {
      input += num(usage['input_tokens']) ?? 0;
      output += num(usage['output_tokens']) ?? 0;
      turns++;
    }
  }
  if (answer === undefined) throw failure ?? new AdapterError('invalid_output', 'codex: its JSON events hold no agent_message (no answer)', { retryable: false, usageUnknown: true });
  return { output: answer, ...(turns ? { tokens: { input, output } } : {}) };
}

/** `{"type":"error","message":...}` or `{"type":"turn.failed","error":{"message":...}}`, by the status in it. */
export function codexError(stdout: string, _stderr: string, _exitCode: number | null): AdapterError | null {
  for (const e of jsonLines(stdout).reverse()) {
    const message = e['type'] === 'error' ? e['message'] : e['type'] === 'turn.failed' ? (e['error'] as { message?: unknown } | undefined)?.message : undefined;
    if (typeof message === 'string') {
      return errorFromText('codex', message) ?? new AdapterError('unknown', `codex: ${message.slice(0, 500)}`, { retryable: false, usageUnknown: true });
    }
  }
  return null;
}

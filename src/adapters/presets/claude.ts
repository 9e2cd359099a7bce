/**
 * The `claude` preset: Anthropic's Claude Code (`npm install -g @anthropic-ai/claude-code`), run
 * headless as `claude -p --output-format json` with the prompt on stdin. One JSON `result` object
 * carries the answer, the usage and `total_cost_usd`. Upstream errors appear only there (exit 1,
 * stderr empty): `is_error` with `api_error_status`, classified like any HTTP status.
 */
import * as z from 'zod';
import { AdapterError } from '../errors.js';
import type { AdapterResponse } from '../types.js';
import { baseExec, errorFromText, jsonDocument, num, presetShape, type Preset } from './common.js';

export const claudeOptionsSchema = z.strictObject({
  ...presetShape,
  baseURL: presetShape.baseURL.describe('An Anthropic-compatible server without /v1 (ANTHROPIC_BASE_URL).'),
});

export const claudePreset: Preset<typeof claudeOptionsSchema> = {
  kind: 'claude',
  summary: 'Anthropic Claude Code (claude -p --output-format json), prompt on stdin',
  binary: { name: 'claude', install: 'npm install -g @anthropic-ai/claude-code' },
  options: claudeOptionsSchema,
  build(o) {
    const env: Record<string, string> = { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' };
    if (o.baseURL) env['ANTHROPIC_BASE_URL'] = o.baseURL;
    if (o.apiKey !== undefined) env['ANTHROPIC_API_KEY'] = o.apiKey;
    const command = ['-p', '--output-format', 'json', ...(o.model ? ['--model', o.model] : []), ...o.args];
    return { exec: baseExec(o, 'claude', command, 'stdin', env), output: { parse: parseClaude, parseError: claudeError } };
  },
};

/**
 * @example
 * parseClaude(readFileSync('claude1.out', 'utf8'), ''); // { output: 'Paris', tokens: { input: 21, output: 2 }, cost: 0.000155 }
 */
export function parseClaude(stdout: string, stderr: string): AdapterResponse {
  const doc = jsonDocument(stdout);
  if (!doc) return { output: stdout.trim() };
  const error = claudeError(stdout, stderr, 0);
  if (error) throw error;
  if (typeof doc['result'] !== 'string') throw new AdapterError('invalid_output', 'claude: its JSON has no "result"', { retryable: false, usageUnknown: true });
  const usage = doc['usage'] as Record<string, unknown> | undefined;
  const response: AdapterResponse = { output: doc['result'] };
  if (usage && num(usage['input_tokens']) !== undefined && num(usage['output_tokens']) !== undefined) {
    const input = num(usage['input_tokens'])! + (num(usage['cache_creation_input_tokens']) ?? 0) + (num(usage['cache_read_input_tokens']) ?? 0);
    response.tokens = { input, output: num(usage['output_tokens'])! };
  }
  const cost = num(doc['total_cost_usd']);
  if (cost !== undefined) response.cost = cost;
  return response;
}

/** `is_error: true` with `api_error_status` (400, 429, 529...), or an error message with a status in it. */
export function claudeError(stdout: string, _stderr: string, _exitCode: number | null): AdapterError | null {
  const doc = jsonDocument(stdout);
  if (!doc || doc['is_error'] !== true) return null;
  const status = num(doc['api_error_status']);
  const message = `claude: ${typeof doc['result'] === 'string' ? doc['result'] : String(doc['subtype'] ?? 'error')}`;
  // The CLI reports what the failed call used: usually 0 tokens, $0.
  const known = num(doc['total_cost_usd']) !== undefined;
  if (status !== undefined) return AdapterError.fromStatus(status, message, { usageUnknown: !known });
  return errorFromText('claude', message, !known) ?? new AdapterError('unknown', message, { retryable: false, usageUnknown: !known });
}

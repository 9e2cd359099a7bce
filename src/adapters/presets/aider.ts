/**
 * The `aider` preset: aider (`python -m pip install aider-install && aider-install`), run headless as
 * `aider --message PROMPT --yes-always --no-git --no-pretty --no-stream`. It prints a header, the
 * answer, and a line `Tokens: 2.1k sent, 172 received. Cost: $0.0012 message, $0.0034 session.`,
 * read for the tokens and the cost of this message. With `baseURL` it talks to that OpenAI-compatible
 * server (OPENAI_API_BASE). Unlike the other presets, this one is written from aider's documented
 * output, not from a captured run (aider is installed from PyPI, which this project's CI cannot reach).
 */
import * as z from 'zod';
import { AdapterError } from '../errors.js';
import type { AdapterResponse } from '../types.js';
import { baseExec, count, errorFromText, presetShape, type Preset } from './common.js';

export const aiderOptionsSchema = z.strictObject({
  ...presetShape,
  baseURL: presetShape.baseURL.describe('An OpenAI-compatible server with its /v1 (OPENAI_API_BASE).'),
});

export const aiderPreset: Preset<typeof aiderOptionsSchema> = {
  kind: 'aider',
  summary: 'aider (aider --message PROMPT --yes-always --no-git --no-pretty)',
  binary: { name: 'aider', install: 'python -m pip install aider-install && aider-install' },
  options: aiderOptionsSchema,
  build(o) {
    const env: Record<string, string> = {};
    if (o.baseURL) env['OPENAI_API_BASE'] = o.baseURL;
    if (o.apiKey !== undefined) env['OPENAI_API_KEY'] = o.apiKey;
    const command = [
      '--message', '{{prompt}}', '--yes-always', '--no-git', '--no-pretty', '--no-stream', '--no-check-update',
      '--no-show-model-warnings', ...(o.model ? ['--model', o.model] : []), ...o.args,
    ];
    return { exec: baseExec(o, 'aider', command, 'arg', env), output: { parse: parseAider, parseError: (out, err) => errorFromText('aider', `${err}\n${out}`.split('\n').slice(-5).join(' ')) } };
  },
};

const TOKENS = /^Tokens:\s*([\d.,]+\s*[kKmM]?)\s+sent,\s*([\d.,]+\s*[kKmM]?)\s+received\.(?:\s*Cost:\s*\$([\d.]+)\s+message)?/m;
/** Header lines aider prints before the answer. */
const HEADER = /^(Aider v|Model:|Git repo:|Repo-map:|Weak model:|Main model:|Editor model:|Added .* to the chat|Use \/help|Warning:|https?:\/\/)/;

/**
 * @example
 * parseAider('Aider v0.86.1\nModel: gpt-4o\n\nParis\n\nTokens: 1.2k sent, 3 received. Cost: $0.0031 message, $0.0031 session.\n', '');
 * // { output: 'Paris', tokens: { input: 1200, output: 3 }, cost: 0.0031 }
 */
export function parseAider(stdout: string, _stderr: string): AdapterResponse {
  const lines = stdout.split('\n');
  const tokensAt = lines.findIndex((l) => TOKENS.test(l));
  const body = (tokensAt >= 0 ? lines.slice(0, tokensAt) : lines).filter((l) => !HEADER.test(l.trim()));
  const output = body.join('\n').trim();
  if (output === '') throw new AdapterError('invalid_output', 'aider: no answer in its output', { retryable: false, usageUnknown: true });
  const m = TOKENS.exec(stdout);
  if (!m) return { output };
  const response: AdapterResponse = { output, tokens: { input: count(m[1]!), output: count(m[2]!) } };
  if (m[3] !== undefined) response.cost = Number(m[3]);
  return response;
}

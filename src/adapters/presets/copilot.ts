/**
 * The `copilot` preset: GitHub Copilot CLI (`npm install -g @github/copilot`), run headless as
 * `copilot -p PROMPT --allow-all-tools -s`. Its stdout is the answer alone. It reports no cost; in
 * text mode it prints `Tokens ↑ 21 • ↓ 2` on stderr, read when present (else tokens are unknown).
 * With `baseURL` it runs offline against that OpenAI-compatible provider (COPILOT_OFFLINE,
 * COPILOT_PROVIDER_BASE_URL, COPILOT_PROVIDER_API_KEY, COPILOT_MODEL).
 */
import * as z from 'zod';
import { AdapterError } from '../errors.js';
import type { AdapterResponse } from '../types.js';
import { baseExec, count, errorFromText, presetShape, type Preset } from './common.js';

export const copilotOptionsSchema = z.strictObject({
  ...presetShape,
  baseURL: presetShape.baseURL.describe('An OpenAI-compatible provider with its /v1; the CLI then runs offline (COPILOT_OFFLINE=true).'),
});

export const copilotPreset: Preset<typeof copilotOptionsSchema> = {
  kind: 'copilot',
  summary: 'GitHub Copilot CLI (copilot -p PROMPT --allow-all-tools -s)',
  binary: { name: 'copilot', install: 'npm install -g @github/copilot' },
  options: copilotOptionsSchema,
  build(o) {
    const env: Record<string, string> = {};
    if (o.baseURL) {
      env['COPILOT_OFFLINE'] = 'true';
      env['COPILOT_PROVIDER_BASE_URL'] = o.baseURL;
      if (o.model) env['COPILOT_MODEL'] = o.model;
    }
    if (o.apiKey !== undefined) env[o.baseURL ? 'COPILOT_PROVIDER_API_KEY' : 'GH_TOKEN'] = o.apiKey;
    const command = ['-p', '{{prompt}}', '--allow-all-tools', '-s', ...(o.model && !o.baseURL ? ['--model', o.model] : []), ...o.args];
    return { exec: baseExec(o, 'copilot', command, 'arg', env), output: { parse: parseCopilot, parseError: copilotError } };
  },
};

const TOKENS = /Tokens\s*↑\s*([\d.,]+\s*[kKmM]?)\s*•\s*↓\s*([\d.,]+\s*[kKmM]?)/;

/**
 * @example
 * parseCopilot('Paris\n', 'Tokens ↑ 21 • ↓ 2'); // { output: 'Paris', tokens: { input: 21, output: 2 } }
 */
export function parseCopilot(stdout: string, stderr: string): AdapterResponse {
  const output = stdout.trim();
  if (output === '') throw copilotError(stdout, stderr, 0) ?? new AdapterError('invalid_output', 'copilot: empty answer', { retryable: false, usageUnknown: true });
  const m = TOKENS.exec(stderr);
  const input = m ? count(m[1]!) : Number.NaN;
  const out = m ? count(m[2]!) : Number.NaN;
  return Number.isFinite(input) && Number.isFinite(out) ? { output, tokens: { input, output: out } } : { output };
}

/** Copilot prints upstream failures in words on stderr or stdout ("... 429 Too Many Requests"). */
export function copilotError(stdout: string, stderr: string, _exitCode: number | null): AdapterError | null {
  return errorFromText('copilot', `${stderr}\n${stdout}`.trim().split('\n').slice(-5).join(' '));
}

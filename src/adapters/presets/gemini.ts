/**
 * The `gemini` preset: Google's Gemini CLI (`npm install -g @google/gemini-cli`), run headless as
 * `gemini --output-format json -m MODEL -p PROMPT`. Its JSON carries `response` and, per model, the
 * tokens (`stats.models.*.tokens`: every model it called, its router included); no cost.
 *
 * It must be given `-m`: without a model its router call fails against compatible servers and retries
 * for about 80 s. With `apiKey`, it also needs `security.auth.selectedType: "gemini-api-key"` in its
 * settings: unless `home` is given, the preset prepares a private HOME with that settings file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { AdapterError } from '../errors.js';
import type { AdapterResponse } from '../types.js';
import { baseExec, errorFromText, jsonDocument, num, presetShape, type Preset } from './common.js';

export const geminiOptionsSchema = z.strictObject({
  ...presetShape,
  model: z.string().min(1).default('gemini-2.5-flash').describe('Model (always passed: without -m the CLI routes through a model of its choice). Default gemini-2.5-flash.'),
  baseURL: presetShape.baseURL.describe('A Gemini-API-compatible server (GOOGLE_GEMINI_BASE_URL).'),
  home: z.string().optional().describe('HOME for the CLI (its ~/.gemini settings). Default: your HOME, or with apiKey a private one the preset prepares.'),
});

export const geminiPreset: Preset<typeof geminiOptionsSchema> = {
  kind: 'gemini',
  summary: 'Google Gemini CLI (gemini --output-format json -m MODEL -p PROMPT)',
  binary: { name: 'gemini', install: 'npm install -g @google/gemini-cli' },
  options: geminiOptionsSchema,
  build(o, ctx) {
    const env: Record<string, string> = {};
    if (o.baseURL) env['GOOGLE_GEMINI_BASE_URL'] = o.baseURL;
    if (o.apiKey !== undefined) env['GEMINI_API_KEY'] = o.apiKey;
    const home = o.home !== undefined ? resolve(ctx.baseDir, o.home) : o.apiKey !== undefined ? privateHome(o.baseURL ?? 'default') : undefined;
    if (home) env['HOME'] = home;
    const command = ['--skip-trust', '-m', o.model, '--output-format', 'json', ...o.args, '-p', '{{prompt}}'];
    return { exec: baseExec(o, 'gemini', command, 'arg', env), output: { parse: parseGemini, parseError: geminiError } };
  },
};

/** A HOME whose ~/.gemini/settings.json selects API-key authentication (one per base URL). */
function privateHome(key: string): string {
  const dir = join(tmpdir(), `metaorch-gemini-home-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`);
  mkdirSync(join(dir, '.gemini'), { recursive: true });
  writeFileSync(join(dir, '.gemini', 'settings.json'), `${JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }, null, 2)}\n`);
  return dir;
}

/**
 * @example
 * parseGemini(readFileSync('gemini2.out', 'utf8'), ''); // { output: 'Paris', tokens: { input: 21, output: 2 } }
 */
export function parseGemini(stdout: string, stderr: string): AdapterResponse {
  const doc = jsonDocument(stdout);
  if (!doc) return { output: stdout.trim() };
  const error = geminiError(stdout, stderr, 0);
  if (error) throw error;
  if (typeof doc['response'] !== 'string') throw new AdapterError('invalid_output', 'gemini: its JSON has no "response"', { retryable: false, usageUnknown: true });
  const models = ((doc['stats'] as Record<string, unknown> | undefined)?.['models'] ?? {}) as Record<string, { tokens?: Record<string, unknown> }>;
  let input = 0;
  let output = 0;
  let seen = false;
  for (const m of Object.values(models)) {
    const t = m.tokens;
    if (!t) continue;
    seen = true;
    input += num(t['prompt']) ?? num(t['input']) ?? 0;
    output += (num(t['candidates']) ?? 0) + (num(t['thoughts']) ?? 0);
  }
  return { output: doc['response'], ...(seen ? { tokens: { input, output } } : {}) };
}

/** `{"error": {"type", "message", "code"}}` as the CLI prints it in JSON mode. */
export function geminiError(stdout: string, stderr: string, _exitCode: number | null): AdapterError | null {
  const doc = jsonDocument(stdout);
  const err = doc?.['error'] as { message?: unknown; code?: unknown; type?: unknown } | undefined;
  if (err && typeof err === 'object') {
    const message = `gemini: ${String(err.message ?? err.type ?? 'error')}`;
    const code = num(err.code);
    if (code !== undefined && code >= 400 && code < 600) return AdapterError.fromStatus(code, message, { usageUnknown: true });
    return errorFromText('gemini', message) ?? new AdapterError('unknown', message, { retryable: false, usageUnknown: true });
  }
  return doc ? null : errorFromText('gemini', stderr.split('\n').filter(Boolean).slice(-3).join(' '));
}

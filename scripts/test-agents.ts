/**
 * `npm run test:agents` (not in CI: the CLIs weigh about 950 MB). Installs the real codex, claude,
 * gemini and copilot CLIs from npm into a cache folder, starts the aimock mock LLM server, and runs one
 * workflow through each CLI preset with the built `metaorch` CLI: a generate step and a review step,
 * both by that CLI. Prints a table and exits 1 if any CLI failed.
 *
 * Options: --only codex,claude   --cache DIR (default $METAORCH_AGENTS_CACHE or ~/.cache/metaorch-agents)
 *          --keep (leave the work folders)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { table } from '../src/report/table.js';
import { startAimock } from '../test/support/aimock.js';

const REPO = resolve(import.meta.dirname, '..');
const CLI = join(REPO, 'dist', 'cli', 'main.js');
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

interface Agent {
  preset: string;
  pkg: string;
  model: string;
  baseURL: (mock: string) => string;
  /** Extra runtime options (private config folders). */
  options: (home: string) => Record<string, unknown>;
}

const AGENTS: Agent[] = [
  { preset: 'codex', pkg: '@openai/codex', model: 'gpt-5-codex', baseURL: (u) => `${u}/v1`, options: (home) => ({ env: { CODEX_HOME: home, HOME: home } }) },
  { preset: 'claude', pkg: '@anthropic-ai/claude-code', model: 'claude-sonnet-4-5', baseURL: (u) => u, options: (home) => ({ env: { CLAUDE_CONFIG_DIR: home, HOME: home } }) },
  { preset: 'gemini', pkg: '@google/gemini-cli', model: 'gemini-2.5-flash', baseURL: (u) => u, options: () => ({}) },
  { preset: 'copilot', pkg: '@github/copilot', model: 'gpt-4.1', baseURL: (u) => `${u}/v1`, options: (home) => ({ env: { HOME: home, XDG_CONFIG_HOME: home } }) },
];

const only = arg('--only')?.split(',');
const agents = AGENTS.filter((a) => !only || only.includes(a.preset));
const cache = resolve(arg('--cache') ?? process.env['METAORCH_AGENTS_CACHE'] ?? join(homedir(), '.cache', 'metaorch-agents'));

if (!existsSync(CLI)) {
  console.error(`The built CLI is missing (${CLI}): run npm run build first.`);
  process.exit(2);
}

// 1. The CLIs, from npm, into the cache (an existing install is reused).
mkdirSync(cache, { recursive: true });
if (!existsSync(join(cache, 'package.json'))) writeFileSync(join(cache, 'package.json'), '{ "name": "metaorch-agents", "private": true }\n');
const missing = agents.filter((a) => !existsSync(join(cache, 'node_modules', '.bin', a.preset)));
if (missing.length) {
  console.log(`Installing ${missing.map((a) => a.pkg).join(', ')} into ${cache} (several hundred MB, once)...`);
  const t0 = Date.now();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel', 'error', ...missing.map((a) => `${a.pkg}@latest`)], { cwd: cache, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`npm install failed (exit ${r.status}).`);
    process.exit(1);
  }
  console.log(`Installed in ${Math.round((Date.now() - t0) / 1000)} s.`);
}
const version = (a: Agent) => {
  try {
    return (JSON.parse(readFileSync(join(cache, 'node_modules', ...a.pkg.split('/'), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
};

// 2. The mock LLM server: answers by the markers in the briefs; anything else gets a plain answer.
const mock = await startAimock([
  { match: { userMessage: 'MARK-AGENT-ANSWER' }, response: { content: 'Paris', usage: { prompt_tokens: 21, completion_tokens: 2, input_tokens: 21, output_tokens: 2 } } },
  { match: { userMessage: 'MARK-AGENT-REVIEW' }, response: { content: '{"score": 0.9, "notes": "correct"}' } },
  { match: {}, response: { content: 'OK' } },
]);

// 3. One workflow per CLI, through the built metaorch CLI.
const work = join(tmpdir(), `metaorch-agents-${process.pid}`);
const rows: string[][] = [];
let failures = 0;
try {
  for (const a of agents) {
    const dir = join(work, a.preset);
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const runtime = {
      adapter: a.preset, model: a.model, baseURL: a.baseURL(mock.url), apiKey: 'sk-local-dummy',
      bin: join(cache, 'node_modules', '.bin', a.preset), cwd: './work', ...a.options(home),
    };
    mkdirSync(join(dir, 'work'), { recursive: true });
    writeFileSync(join(dir, 'agent.md'), `---
name: agent-${a.preset}
runtimes:
  agent: ${JSON.stringify(runtime)}
defaults:
  runtime: agent
  reviewer: agent
  timeout: 5m
  retries: 0
---

## Ask

### Answer
- generate: answer

MARK-AGENT-ANSWER: What is the capital of France? Answer with the city name only.

### Review
- review: answer

MARK-AGENT-REVIEW: is {{answer}} the capital of France?
`);
    const t0 = Date.now();
    const before = await mock.count();
    const r = spawnSync(process.execPath, [CLI, 'workflow', 'run', join(dir, 'agent.md'), '--db', join(dir, 'store.db'), '--workdir', join(dir, 'out'), '--no-progress'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 15 * 60_000,
    });
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    const calls = (await mock.count()) - before;
    const answer = existsSync(join(dir, 'out', 'answer.md')) ? readFileSync(join(dir, 'out', 'answer.md'), 'utf8').split('\n')[0]! : '(none)';
    const line = (r.stdout.match(/✓ answer {2}[^\n]*/) ?? r.stdout.match(/answer[^\n]*/))?.[0] ?? '';
    const ok = r.status === 0 && answer.trim() === 'Paris';
    if (!ok) failures++;
    rows.push([a.preset, version(a), String(r.status), answer, String(calls), line.replace(/^✓ answer\s+/, '').slice(0, 90), `${seconds}s`, ok ? 'ok' : 'FAILED']);
    if (!ok) console.error(`\n--- ${a.preset} failed (exit ${r.status}) ---\n${r.stdout}\n${r.stderr}`.slice(0, 6000));
  }
} finally {
  await mock.stop();
  if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
}

console.log(`\nReal CLIs through metaorch workflow run, against aimock (${new Date().toISOString()}, node ${process.version}, cache ${cache}):\n`);
console.log(table(['preset', 'version', 'exit', 'answer.md', 'mock calls', 'answer step (runtime · calls · confidence · cost · tokens)', 'time', 'result'], rows));
try {
  console.log(`\n${execFileSync('du', ['-sh', cache], { encoding: 'utf8' }).trim()}`);
} catch {
  // du is optional
}
process.exitCode = failures ? 1 : 0;
